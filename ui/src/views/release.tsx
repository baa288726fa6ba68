/** One release: status and pending work (with its triggers), the revision timeline, values and diffs, resources, and its requests. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { get, post, query, releaseKey, type JournalEntry, type ReleaseDetail } from '../api.js'
import { Chip, ErrorNote, fieldId, fmtDuration, fmtTime, Relative, SelectField } from '../components.js'
import { diffValues, pretty } from '../diff.js'
import { useLatest, useLiveData, watchData, watchJournal } from '../live.js'
import { JournalTable } from './requests.js'
import { Timeline } from './timeline.js'
import type { RevisionView } from '../api.js'

/** The timeline runs to the emulator's now, so it re-renders with each poll (the rest of the view does not). */
function LiveTimeline(props: { revisions: RevisionView[]; name: string }) {
  const now = useLatest()?.clock.now ?? new Date().toISOString()
  return <Timeline revisions={props.revisions} now={now} name={props.name} />
}

export interface ReleaseRef {
  project_id: string
  flavor: string
  cluster_id: string
  namespace: string
  name: string
}

export function ReleaseView(props: { ref_: ReleaseRef }) {
  const r = props.ref_
  const path = `/releases/${[r.flavor, r.cluster_id, r.namespace, r.name].map(encodeURIComponent).join('/')}${query({ project_id: r.project_id })}`
  const detail = useLiveData(() => get<ReleaseDetail>(path), [path], watchData)
  // By namespace and name, then: the cluster as id or as a name requests use for it (a Cloudpods
  // cluster's), and a flavour, when an entry names one, that is the release's.
  const refs = detail.data?.cluster_refs.join(',') ?? r.cluster_id
  const journal = useLiveData(
    () =>
      get<{ requests: JournalEntry[] }>(`/requests${query({ namespace: r.namespace, name: r.name, limit: 500 })}`).then((j) => ({
        requests: j.requests.filter((e) => (e.cluster_id === null || refs.split(',').includes(e.cluster_id)) && (e.flavor === null || e.flavor === r.flavor)).slice(0, 50),
      })),
    [path, refs],
    watchJournal,
  )
  const [actionError, setActionError] = useState<string | null>(null)
  const [shown, setShown] = useState('')
  const [diffFrom, setDiffFrom] = useState('')
  const [diffTo, setDiffTo] = useState('')
  const ids = useMemo(() => ({ shown: fieldId('shown'), from: fieldId('from'), to: fieldId('to') }), [])
  const d = detail.data
  const revs = d?.revisions ?? []
  useEffect(() => {
    // Defaults follow the release: the latest revision, and latest against the one before it.
    if (revs.length === 0) return
    const latest = String(revs.at(-1)!.revision)
    if (!revs.some((v) => String(v.revision) === shown)) setShown(latest)
    if (!revs.some((v) => String(v.revision) === diffTo)) setDiffTo(latest)
    if (!revs.some((v) => String(v.revision) === diffFrom)) setDiffFrom(String(revs.at(-2)?.revision ?? latest))
  }, [revs.map((v) => v.revision).join(',')])

  const trigger = async (what: 'complete' | 'fail') => {
    setActionError(null)
    try {
      await post(`/pending/${what}`, releaseKey(d!.release))
      detail.reload()
    } catch (err) {
      setActionError((err as Error).message)
    }
  }

  if (!d) {
    return (
      <section>
        <h1 tabIndex={-1}>Release {r.name}</h1>
        <ErrorNote error={detail.error} />
        {!detail.error && <p>Loading…</p>}
      </section>
    )
  }
  const rel = d.release
  const revOptions = revs.map((v) => ({ value: String(v.revision), label: `revision ${v.revision} (${v.status})` }))
  const shownRev = revs.find((v) => String(v.revision) === shown)
  const from = revs.find((v) => String(v.revision) === diffFrom)
  const to = revs.find((v) => String(v.revision) === diffTo)
  return (
    <section aria-labelledby="release-h">
      <p>
        <a href="#/releases">← All releases</a>
      </p>
      <h1 tabIndex={-1} id="release-h">
        {rel.name} <Chip status={rel.status} />
      </h1>
      <ErrorNote error={detail.error} />
      <dl class="facts">
        <dt>Project</dt>
        <dd class="mono">{rel.project_id}</dd>
        <dt>Dialect · flavour</dt>
        <dd>
          {rel.dialect} · {rel.flavor}
        </dd>
        <dt>Cluster</dt>
        <dd class="mono">{rel.cluster_id}</dd>
        <dt>Namespace</dt>
        <dd>{rel.namespace}</dd>
        <dt>Chart</dt>
        <dd>
          {rel.chart_name} {rel.chart_version} <span class="muted mono">({rel.chart_id})</span>
        </dd>
        <dt>Description</dt>
        <dd>{rel.description}</dd>
      </dl>

      {d.pending && (
        <div class="pending-box" role="region" aria-label="Pending operation">
          <p>
            <strong>{d.pending.operation}</strong> of revision {d.pending.revision} is pending since {fmtTime(d.pending.started_at)};{' '}
            {d.pending.due_at ? (
              <>
                due <Relative iso={d.pending.due_at} />
              </>
            ) : d.pending.reads_left ? `completes after ${d.pending.reads_left} more reads` : 'waits for a trigger'}
            {d.pending.outcome !== 'succeed' && ` (will end: ${d.pending.outcome})`}.
          </p>
          <button type="button" onClick={() => trigger('complete')}>
            Complete {d.pending.operation} now
          </button>{' '}
          <button type="button" class="danger" onClick={() => trigger('fail')}>
            Fail {d.pending.operation}
          </button>
          <ErrorNote error={actionError} />
        </div>
      )}

      <h2>Revision timeline</h2>
      <LiveTimeline revisions={revs} name={rel.name} />
      <p class="legend">
        <span class="key hatch-key" /> pending <span class="key ok" /> deployed <span class="key muted" /> superseded <span class="key bad" /> failed / unknown{' '}
        <span class="key warn" /> deleting. Pending times:{' '}
        {revs.map((v) => `rev ${v.revision} ${v.ended_at ? fmtDuration(Date.parse(v.ended_at) - Date.parse(v.started_at)) : v.end_known ? 'still pending' : 'not recorded'}`).join(', ')}.
      </p>

      <h2>Values</h2>
      <div class="row">
        <SelectField id={ids.shown} label="Values of revision" value={shown} onChange={setShown} options={revOptions} />
      </div>
      {shownRev && (
        <div class="two">
          <div>
            <h3>Supplied by the user</h3>
            <pre class="code" tabIndex={0} aria-label={`User values of revision ${shownRev.revision}`}>
              {pretty(shownRev.config)}
            </pre>
          </div>
          <div>
            <h3>Effective (chart defaults merged)</h3>
            <pre class="code" tabIndex={0} aria-label={`Effective values of revision ${shownRev.revision}`}>
              {pretty(shownRev.values)}
            </pre>
          </div>
        </div>
      )}

      <h2>Diff between revisions</h2>
      <div class="row">
        <SelectField id={ids.from} label="From revision" value={diffFrom} onChange={setDiffFrom} options={revOptions} />
        <SelectField id={ids.to} label="To revision" value={diffTo} onChange={setDiffTo} options={revOptions} />
      </div>
      {from && to && (
        <pre class="code diff" tabIndex={0} aria-label={`Diff of effective values, revision ${from.revision} to ${to.revision}`}>
          {from.chart_version !== to.chart_version && <span class="del">{`- chart ${from.chart_name} ${from.chart_version}\n`}</span>}
          {from.chart_version !== to.chart_version && <span class="add">{`+ chart ${to.chart_name} ${to.chart_version}\n`}</span>}
          {diffValues(from.values, to.values).map((l, i) => (
            <span key={i} class={l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : ''}>{`${l.kind} ${l.text}\n`}</span>
          ))}
        </pre>
      )}

      <h2>Resources</h2>
      {d.resources_error ? (
        <p class="muted">{d.resources_error}</p>
      ) : (
        <table class="grid compact">
          <caption class="sr-only">Kubernetes resources of the release</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">Namespace</th>
            </tr>
          </thead>
          <tbody>
            {d.resources.map((x) => (
              <tr key={`${x.kind}/${x.name}`}>
                <td>{x.kind}</td>
                <td>{x.name}</td>
                <td>{x.namespace}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Requests that touched it</h2>
      <JournalTable entries={journal.data?.requests ?? []} caption={`Journaled requests for ${rel.name}, newest first`} />
    </section>
  )
}
