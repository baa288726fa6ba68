/** Pending operations with their due times and triggers, the clock, and the lifecycle profile. */
import { useMemo, useState } from 'preact/hooks'
import { get, post, put, releaseHref, releaseKey, type Lifecycle, type PendingOperation } from '../api.js'
import { ErrorNote, fieldId, fmtTime, Relative, SelectField, TextField } from '../components.js'
import { useLatest, useLiveData, watchData } from '../live.js'

const PROFILES = ['fast', 'realistic', 'manual']

const describe = (s: Lifecycle['operations'][string]) =>
  s.mode === 'time' ? `${s.delay_ms} ms${s.jitter_ms ? ` ± ${s.jitter_ms}` : ''}` : s.after_reads ? `after ${s.after_reads} reads` : 'on a trigger'

export function PendingView() {
  const changes = useLatest()
  const pending = useLiveData(() => get<{ total: number; operations: PendingOperation[] }>('/pending?limit=500'), [], watchData)
  const lifecycle = useLiveData(() => get<Lifecycle>('/lifecycle'), [], watchData)
  const [seconds, setSeconds] = useState('30')
  const [profile, setProfile] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState<string | null>(null)
  const ids = useMemo(() => ({ seconds: fieldId('seconds'), profile: fieldId('profile') }), [])
  const act = async (fn: () => Promise<string | null>) => {
    setError(null)
    try {
      setNote(await fn())
      pending.reload()
      lifecycle.reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const trigger = (op: PendingOperation, what: 'complete' | 'fail') =>
    act(async () => {
      const r = await post<{ status: string | null; deleted: boolean }>(`/pending/${what}`, releaseKey(op))
      return `${op.name}: ${op.operation} ${what === 'complete' ? 'completed' : 'failed'}${r.deleted ? ', release deleted' : `, now ${r.status}`}.`
    })
  const lc = lifecycle.data
  return (
    <section aria-labelledby="pending-h">
      <h1 tabIndex={-1} id="pending-h">Pending work</h1>
      <div class="two">
        <form
          class="card"
          aria-label="Emulator clock"
          onSubmit={(e) => {
            e.preventDefault()
            void act(async () => {
              const r = await post<{ settled: number; now: string }>('/clock/advance', { seconds: Number(seconds) })
              return `Clock advanced by ${seconds} s to ${fmtTime(r.now)}; ${r.settled} operation(s) completed.`
            })
          }}
        >
          <h2>Clock</h2>
          <p>
            Emulator time <strong>{changes ? fmtTime(changes.clock.now) : '…'}</strong>
            {changes && changes.clock.offset_ms > 0 && <span class="muted"> (advanced {Math.round(changes.clock.offset_ms / 1000)} s)</span>}
          </p>
          <div class="row">
            <TextField id={ids.seconds} label="Seconds to advance" type="number" min="0" step="any" value={seconds} onInput={setSeconds} />
            <button type="submit">Advance clock</button>
          </div>
        </form>
        <form
          class="card"
          aria-label="Lifecycle profile"
          onSubmit={(e) => {
            e.preventDefault()
            void act(async () => {
              const r = await put<Lifecycle>('/lifecycle', { profile: profile || lc?.profile })
              return `Lifecycle profile is now ${r.profile}; it applies to operations started from now on.`
            })
          }}
        >
          <h2>Lifecycle</h2>
          <p>
            Profile <strong>{lc?.profile ?? '…'}</strong>
            {lc && (
              <span class="muted">
                {' '}
                ({Object.entries(lc.operations)
                  .map(([op, s]) => `${op} ${describe(s)}`)
                  .join(', ')}
                )
              </span>
            )}
          </p>
          <div class="row">
            <SelectField id={ids.profile} label="Switch profile to" value={profile || (PROFILES.includes(lc?.profile ?? '') ? lc!.profile : 'fast')} onChange={setProfile} options={PROFILES.map((p) => ({ value: p }))} />
            <button type="submit">Apply profile</button>
          </div>
        </form>
      </div>
      <ErrorNote error={error} />
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      <table class="grid">
        <caption>{pending.data ? `${pending.data.total} pending operation(s), earliest due first` : 'Pending operations'}</caption>
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Operation</th>
            <th scope="col">Rev.</th>
            <th scope="col">Started</th>
            <th scope="col">Due</th>
            <th scope="col">Will end</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {pending.data?.operations.map((op) => (
            <tr key={`${op.project_id}/${op.flavor}/${op.cluster_id}/${op.namespace}/${op.name}`} data-release={op.name}>
              <td>
                <a href={releaseHref(op)}>{op.name}</a>
                <span class="muted">
                  {' '}
                  {op.flavor} · {op.namespace}
                </span>
              </td>
              <td>{op.operation}</td>
              <td class="num">{op.revision}</td>
              <td>
                <Relative iso={op.started_at} />
              </td>
              <td>{op.due_at ? <Relative iso={op.due_at} /> : op.reads_left ? `after ${op.reads_left} reads` : 'on a trigger'}</td>
              <td>
                {op.outcome}
                {op.failure_reason && <span class="muted"> ({op.failure_reason})</span>}
              </td>
              <td class="actions">
                <button type="button" aria-label={`Complete ${op.operation} of ${op.name}`} onClick={() => trigger(op, 'complete')}>
                  Complete
                </button>
                <button type="button" class="danger" aria-label={`Fail ${op.operation} of ${op.name}`} onClick={() => trigger(op, 'fail')}>
                  Fail
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pending.data?.total === 0 && <p class="empty">Nothing is pending.</p>}
    </section>
  )
}
