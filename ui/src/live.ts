/**
 * Live updates: one poll of /_emulator/changes a second (a few integers; paused while the tab is
 * hidden). Views re-read their data when the version moves, so an idle emulator costs the page
 * one tiny request a second, and a busy one at most one re-read per view a second.
 */
import { createContext } from 'preact'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import { get, type Changes } from './api.js'

export interface Sample {
  /** Requests and errors journaled in the second before `at`. */
  requests: number
  errors: number
  at: number
}

/**
 * Every poll lands here; only what subscribes re-renders each second (the header clock, relative
 * times, the rate chart). The app-wide context changes only when the state version does, so an
 * idle emulator costs the browser a fetch a second and no re-render of the views.
 */
class PollStore {
  latest: Changes | null = null
  samples: Sample[] = []
  connected = false
  readonly #listeners = new Set<() => void>()
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }
  publish(): void {
    for (const fn of this.#listeners) fn()
  }
}
const store = new PollStore()

/** Re-renders the caller on every poll and returns what `pick` reads from the store. */
function useStore<T>(pick: (s: PollStore) => T): T {
  const [, bump] = useState(0)
  useEffect(() => store.subscribe(() => bump((n) => n + 1)), [])
  return pick(store)
}
export const useLatest = () => useStore((s) => s.latest)
export const useSamples = () => useStore((s) => s.samples)
export const useConnected = () => useStore((s) => s.connected)

export interface Live {
  /** The last snapshot whose version differed from the one before (stable between changes). */
  changes: Changes | null
}

export const LiveContext = createContext<Live>({ changes: null })
export const useLive = () => useContext(LiveContext)

const INTERVAL_MS = 1000
const KEEP = 60

export function useChangesPoll(): Live {
  const [live, setLive] = useState<Live>({ changes: null })
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const tick = async () => {
      if (stopped) return
      if (document.visibilityState !== 'hidden') {
        try {
          const next = await get<Changes>('/changes')
          const prev = store.latest
          if (prev) store.samples = [...store.samples, { requests: next.journal.total - prev.journal.total, errors: next.journal.errors - prev.journal.errors, at: Date.now() }].slice(-KEEP)
          store.latest = next
          store.connected = true
          setLive((l) => (l.changes?.version === next.version ? l : { changes: next }))
        } catch {
          store.connected = false
        }
        store.publish()
      }
      if (!stopped) timer = setTimeout(tick, INTERVAL_MS)
    }
    void tick()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])
  return live
}

/** What a view watches: the parts of the change snapshot its data depends on. */
export const watchData = (c: Changes) => `${c.data}.${c.clock.offset_ms}.${c.lifecycle}`
export const watchJournal = (c: Changes) => String(c.journal.total)
export const watchFaults = (c: Changes) => `${c.faults}.${c.data}`

/**
 * Re-runs `load` when what `watch` picks from the change snapshot moves (default: anything), or
 * `deps` change; returns its last result. A release list does not re-read for a journaled GET.
 */
export function useLiveData<T>(
  load: () => Promise<T>,
  deps: unknown[],
  watch: (c: Changes) => string = (c) => c.version,
  /** Re-reads caused by changes come at most this often (the last one is never dropped). */
  minIntervalMs = 0,
): { data: T | null; error: string | null; reload: () => void } {
  const { changes } = useLive()
  const watched = changes ? watch(changes) : null
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null })
  const [nonce, setNonce] = useState(0)
  const lastLoad = useRef(0)
  const depsKey = JSON.stringify(deps)
  const lastDeps = useRef(depsKey)
  const lastNonce = useRef(nonce)
  useEffect(() => {
    let current = true
    const run = () => {
      lastLoad.current = Date.now()
      load().then(
        (data) => current && setState({ data, error: null }),
        (err: Error) => current && setState((s) => ({ data: s.data, error: err.message })),
      )
    }
    // A change of filters (deps) or an explicit reload reads at once; a change feed tick may wait.
    const wait = lastDeps.current === depsKey && lastNonce.current === nonce ? lastLoad.current + minIntervalMs - Date.now() : 0
    lastDeps.current = depsKey
    lastNonce.current = nonce
    const timer = wait > 0 ? setTimeout(run, wait) : (run(), undefined)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [watched, nonce, depsKey])
  return { ...state, reload: () => setNonce((n) => n + 1) }
}
