/** The request journal: filters, each entry's request and answer (as the journal redacted them), and a live requests/errors chart. */
import { Fragment } from 'preact'
import { useMemo, useState } from 'preact/hooks'
import { del, get, query, type FaultCatalog, type JournalEntry } from '../api.js'
import { ErrorNote, fieldId, fmtTime, SelectField, TextField } from '../components.js'
import { useLiveData, useSamples, watchJournal, type Sample } from '../live.js'

const prettyBody = (body: string | null, truncated: boolean) => {
  if (body === null) return '(no body)'
  let text = body
  try {
    text = JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    /* not JSON (or cut): as stored */
  }
  return truncated ? `${text}\n… (cut at 4 KiB by the journal)` : text
}

export function JournalTable(props: { entries: JournalEntry[]; caption: string }) {
  const [open, setOpen] = useState<number | null>(null)
  if (props.entries.length === 0) return <p class="empty">No journaled request.</p>
  return (
    <table class="grid journal">
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Request</th>
          <th scope="col">Operation</th>
          <th scope="col">Status</th>
          <th scope="col">ms</th>
          <th scope="col">Fault</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <Fragment key={e.id}>
            <tr class={e.status >= 400 ? 'err' : ''} data-entry={e.id}>
              <td class="num">{e.id}</td>
              <td>{fmtTime(e.time).slice(11)}</td>
              <td>
                <button type="button" class="link" aria-expanded={open === e.id} aria-controls={`entry-${e.id}`} onClick={() => setOpen(open === e.id ? null : e.id)}>
                  {e.method} {e.path}
                  {e.query && `?${e.query}`}
                </button>
              </td>
              <td>{e.operation ?? '—'}</td>
              <td class={`num ${e.status >= 500 ? 'bad' : e.status >= 400 ? 'warn' : ''}`}>{e.status}</td>
              <td class="num">{e.duration_ms.toFixed(1)}</td>
              <td>{e.fault ?? ''}</td>
            </tr>
            {open === e.id && (
              <tr id={`entry-${e.id}`}>
                <td colSpan={7}>
                  <div class="two">
                    <div>
                      <h3>Request {e.request_id}</h3>
                      <pre class="code" tabIndex={0} aria-label={`Request headers and body of entry ${e.id}`}>
                        {Object.entries(e.request_headers)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join('\n')}
                        {'\n\n'}
                        {prettyBody(e.request_body, e.request_body_truncated)}
                      </pre>
                    </div>
                    <div>
                      <h3>Answer {e.status}</h3>
                      <pre class="code" tabIndex={0} aria-label={`Answer body of entry ${e.id}`}>
                        {prettyBody(e.response_body, e.response_body_truncated)}
                      </pre>
                    </div>
                  </div>
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  )
}

/** Requests (bars) and errors (red bars) per second over the last minute. */
/** Subscribes to the poll on its own: the chart redraws each second, the journal table does not. */
export function LiveRateChart() {
  return <RateChart samples={useSamples()} />
}

export function RateChart(props: { samples: Sample[] }) {
  const W = 600
  const H = 90
  const n = 60
  const max = Math.max(1, ...props.samples.map((s) => s.requests))
  const bw = W / n
  const last = props.samples.at(-1)
  const avg = props.samples.length ? props.samples.slice(-10).reduce((a, s) => a + s.requests, 0) / Math.min(10, props.samples.length) : 0
  const label = `Requests per second over the last minute: now ${last?.requests ?? 0}, errors ${last?.errors ?? 0}, peak ${max}`
  return (
    <figure class="rate">
      <svg viewBox={`0 0 ${W} ${H + 14}`} role="img" aria-label={label}>
        {props.samples.map((s, i) => {
          const x = (n - props.samples.length + i) * bw
          const h = (s.requests / max) * H
          const eh = (s.errors / max) * H
          return (
            <g key={s.at}>
              <rect x={x + 1} y={H - h} width={bw - 2} height={h} class="req" />
              {s.errors > 0 && <rect x={x + 1} y={H - eh} width={bw - 2} height={eh} class="errbar" />}
            </g>
          )
        })}
        <line x1={0} x2={W} y1={H} y2={H} class="tick" />
        <text x={2} y={H + 12} class="axis">
          −60 s
        </text>
        <text x={W - 2} y={H + 12} class="axis" text-anchor="end">
          now
        </text>
        <text x={2} y={10} class="axis">
          peak {max}/s
        </text>
      </svg>
      <figcaption>
        <strong>{last?.requests ?? 0}</strong> requests/s now, {avg.toFixed(1)}/s over 10 s, <strong class="bad">{last?.errors ?? 0}</strong> errors/s
      </figcaption>
    </figure>
  )
}

interface Filters {
  operation: string
  status: string
  method: string
  dialect: string
  name: string
  path_prefix: string
}
const EMPTY: Filters = { operation: '', status: '', method: '', dialect: '', name: '', path_prefix: '' }

export function RequestsView() {
  const [filters, setFilters] = useState<Filters>(EMPTY)
  const [limit, setLimit] = useState('100')
  const ids = useMemo(() => Object.fromEntries([...Object.keys(EMPTY), 'limit'].map((k) => [k, fieldId(k)])) as Record<keyof Filters | 'limit', string>, [])
  const set = (k: keyof Filters) => (v: string) => setFilters((f) => ({ ...f, [k]: v }))
  const statusOk = filters.status === '' || /^[1-5][0-9]{2}$/.test(filters.status)
  const journal = useLiveData(
    () => get<{ capacity: number; size: number; total: number; requests: JournalEntry[] }>(`/requests${query({ ...filters, status: statusOk ? filters.status : '', limit })}`),
    [JSON.stringify(filters), limit, statusOk],
    watchJournal,
  )
  const catalog = useLiveData(() => get<FaultCatalog>('/faults/catalog'), [], () => 'static')
  const j = journal.data
  return (
    <section aria-labelledby="requests-h">
      <h1 tabIndex={-1} id="requests-h">Requests</h1>
      <LiveRateChart />
      <form class="filters" role="search" aria-label="Filter the journal" onSubmit={(e) => e.preventDefault()}>
        <datalist id="journal-ops">
          {catalog.data?.operations.filter((o) => o.kind === 'operation').map((o) => <option key={o.name} value={o.name} />)}
        </datalist>
        <TextField id={ids.operation} label="Operation" value={filters.operation} onInput={set('operation')} list="journal-ops" placeholder="e.g. upgrade" />
        <TextField id={ids.status} label="Status" value={filters.status} onInput={set('status')} placeholder="e.g. 503" hint={statusOk ? undefined : 'three digits, e.g. 404'} />
        <SelectField id={ids.method} label="Method" value={filters.method} onChange={set('method')} any="Any method" options={['GET', 'POST', 'PUT', 'DELETE'].map((m) => ({ value: m }))} />
        <SelectField id={ids.dialect} label="Dialect" value={filters.dialect} onChange={set('dialect')} any="Any dialect" options={(catalog.data?.dialects ?? []).map((d) => ({ value: d }))} />
        <TextField id={ids.name} label="Release" value={filters.name} onInput={set('name')} placeholder="release name" />
        <TextField id={ids.path_prefix} label="Path starts with" value={filters.path_prefix} onInput={set('path_prefix')} placeholder="/v2/charts" />
        <SelectField id={ids.limit} label="Show" value={limit} onChange={setLimit} options={['50', '100', '500'].map((v) => ({ value: v, label: `newest ${v}` }))} />
        <button type="button" class="secondary" onClick={() => setFilters(EMPTY)}>
          Clear filters
        </button>
        <button type="button" class="danger" onClick={() => void del('/requests').then(journal.reload)}>
          Empty the journal
        </button>
      </form>
      <ErrorNote error={journal.error} />
      {j && (
        <p class="muted" aria-live="polite">
          {j.requests.length} shown; the journal holds {j.size} of at most {j.capacity} ({j.total} since start).
          {j.capacity === 0 && ' It is off (--journal-size 0).'}
        </p>
      )}
      <JournalTable entries={j?.requests ?? []} caption="Journaled requests, newest first" />
    </section>
  )
}
