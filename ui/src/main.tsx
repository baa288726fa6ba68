/**
 * The dashboard: a single page over the /_emulator JSON routes, routed by the URL fragment
 * (#/releases, #/release/<flavor>/<cluster>/<namespace>/<name>?project_id=…, #/pending,
 * #/requests, #/faults, #/charts) so every view can be bookmarked and the server serves one file.
 */
import './styles.css'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { fmtTime } from './components.js'
import { LiveContext, useChangesPoll, useConnected, useLatest } from './live.js'
import { ChartsView } from './views/charts.js'
import { FaultsView } from './views/faults.js'
import { PendingView } from './views/pending.js'
import { ReleaseView, type ReleaseRef } from './views/release.js'
import { ReleasesView } from './views/releases.js'
import { RequestsView } from './views/requests.js'

const TABS = [
  ['releases', 'Releases'],
  ['pending', 'Pending work'],
  ['requests', 'Requests'],
  ['faults', 'Faults'],
  ['charts', 'Charts'],
] as const

type Route = { view: (typeof TABS)[number][0] } | { view: 'release'; ref: ReleaseRef }

function parse(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?')
  const parts = path.split('/').map(decodeURIComponent)
  if (parts[0] === 'release' && parts.length === 5) {
    const project = new URLSearchParams(search).get('project_id') ?? 'default'
    return { view: 'release', ref: { flavor: parts[1]!, cluster_id: parts[2]!, namespace: parts[3]!, name: parts[4]!, project_id: project } }
  }
  const tab = TABS.find(([id]) => id === parts[0])
  return { view: tab ? tab[0] : 'releases' }
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash))
  useEffect(() => {
    const on = () => {
      setRoute(parse(location.hash))
      // A new view: move focus to its heading so keyboard and screen-reader users start there.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus())
    }
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}

/** The header's clock: re-renders with every poll, alone. */
function LiveStatus() {
  const connected = useConnected()
  const latest = useLatest()
  return (
    <span class={`live ${connected ? "on" : "off"}`}>
      {connected && latest ? `Live · ${fmtTime(latest.clock.now).slice(0, 19)} · ${latest.lifecycle}` : 'Connecting…'}
    </span>
  )
}

function App() {
  const live = useChangesPoll()
  const route = useRoute()
  const active = route.view === 'release' ? 'releases' : route.view
  useEffect(() => {
    document.title = `${route.view === 'release' ? route.ref.name : TABS.find(([id]) => id === route.view)![1]} — CCE release emulator`
  }, [route])
  return (
    <LiveContext.Provider value={live}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.querySelector<HTMLElement>('main h1')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">CCE release emulator</span>
        <nav aria-label="Views">
          <ul>
            {TABS.map(([id, label]) => (
              <li key={id}>
                <a href={`#/${id}`} aria-current={active === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <LiveStatus />
      </header>
      <main id="main">
        {route.view === 'releases' && <ReleasesView />}
        {route.view === 'release' && <ReleaseView key={JSON.stringify(route.ref)} ref_={route.ref} />}
        {route.view === 'pending' && <PendingView />}
        {route.view === 'requests' && <RequestsView />}
        {route.view === 'faults' && <FaultsView />}
        {route.view === 'charts' && <ChartsView />}
      </main>
      <footer>
        Unauthenticated: anyone who can reach this port can read and change the emulator. JSON of every view: <a href="/openapi.json">/openapi.json</a> (tag Emulator control).
      </footer>
    </LiveContext.Provider>
  )
}

const root = document.getElementById('app')!
// render() adds to what the container holds: drop the loading note first.
root.textContent = ''
render(<App />, root)
