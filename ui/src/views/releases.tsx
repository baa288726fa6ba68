/** Every release across projects, dialects, flavours and clusters: filters, status counts, live chips, pages. */
import { useMemo, useState } from 'preact/hooks'
import { get, query, releaseHref, type Facets, type ReleaseList } from '../api.js'
import { Chip, ErrorNote, fieldId, plural, Relative, SelectField, TextField, toneOf } from '../components.js'
import { useLiveData, watchData } from '../live.js'

const PAGE = 50

interface Filters {
  project_id: string
  dialect: string
  flavor: string
  cluster_id: string
  namespace: string
  status: string
  chart: string
  q: string
}
const EMPTY: Filters = { project_id: '', dialect: '', flavor: '', cluster_id: '', namespace: '', status: '', chart: '', q: '' }

export function ReleasesView() {
  const [filters, setFilters] = useState<Filters>(EMPTY)
  const [offset, setOffset] = useState(0)
  const ids = useMemo(() => Object.fromEntries(Object.keys(EMPTY).map((k) => [k, fieldId(k)])) as Record<keyof Filters, string>, [])
  const set = (k: keyof Filters) => (v: string) => {
    setFilters((f) => ({ ...f, [k]: v }))
    setOffset(0)
  }
  const list = useLiveData(() => get<ReleaseList>(`/releases${query({ ...filters, limit: PAGE, offset })}`), [JSON.stringify(filters), offset], watchData)
  // The filters' choices and counts may lag a busy emulator by a few seconds; the list never does.
  const facets = useLiveData(() => get<Facets>('/releases/facets'), [], watchData, 10_000)
  const f = facets.data
  const opts = (xs: Array<{ value: string; count: number }> | undefined) => (xs ?? []).map((x) => ({ value: x.value, label: `${x.value} (${x.count})` }))
  const page = list.data
  const counts = page ? Object.entries(page.status_counts).sort(([a], [b]) => a.localeCompare(b)) : []

  return (
    <section aria-labelledby="releases-h">
      <h1 tabIndex={-1} id="releases-h">Releases</h1>
      <form class="filters" role="search" aria-label="Filter releases" onSubmit={(e) => e.preventDefault()}>
        <SelectField id={ids.project_id} label="Project" value={filters.project_id} onChange={set('project_id')} any="All projects" options={opts(f?.projects)} />
        <SelectField id={ids.dialect} label="Dialect" value={filters.dialect} onChange={set('dialect')} any="All dialects" options={opts(f?.dialects)} />
        <SelectField
          id={ids.flavor}
          label="Flavour"
          value={filters.flavor}
          onChange={set('flavor')}
          any="All flavours"
          options={(f?.flavors ?? []).map((x) => ({ value: x.value, label: `${x.value} · ${x.dialect} (${x.count})` }))}
        />
        <SelectField id={ids.cluster_id} label="Cluster" value={filters.cluster_id} onChange={set('cluster_id')} any="All clusters" options={opts(f?.clusters)} />
        <SelectField id={ids.namespace} label="Namespace" value={filters.namespace} onChange={set('namespace')} any="All namespaces" options={opts(f?.namespaces)} />
        <SelectField id={ids.status} label="Status" value={filters.status} onChange={set('status')} any="Any status" options={opts(f?.statuses)} />
        <SelectField id={ids.chart} label="Chart" value={filters.chart} onChange={set('chart')} any="All charts" options={opts(f?.charts)} />
        <TextField id={ids.q} label="Name contains" type="search" value={filters.q} onInput={set('q')} placeholder="e.g. web" />
        <button type="button" class="secondary" onClick={() => (setFilters(EMPTY), setOffset(0))}>
          Clear filters
        </button>
      </form>

      <div class="counts" aria-live="polite">
        <strong>{page ? plural(page.total, 'release') : '…'}</strong>
        {counts.map(([status, n]) => (
          <button
            key={status}
            type="button"
            class={`chip ${toneOf(status)} toggle`}
            aria-pressed={filters.status === status}
            onClick={() => set('status')(filters.status === status ? '' : status)}
          >
            {status} <span class="n">{n.toLocaleString('en')}</span>
          </button>
        ))}
      </div>
      <ErrorNote error={list.error} />

      <table class="grid">
        <caption class="sr-only">Releases, {page ? `${page.offset + 1} to ${page.offset + page.releases.length} of ${page.total}` : 'loading'}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Rev.</th>
            <th scope="col">Chart</th>
            <th scope="col">Namespace</th>
            <th scope="col">Cluster</th>
            <th scope="col">Project</th>
            <th scope="col">Flavour</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {page?.releases.map((r) => (
            <tr key={`${r.project_id}/${r.flavor}/${r.cluster_id}/${r.namespace}/${r.name}`} data-release={r.name}>
              <td>
                <a href={releaseHref(r)}>{r.name}</a>
              </td>
              <td>
                <Chip status={r.status} />
                {r.pending && (
                  <span class="due">
                    {' '}
                    {r.pending.due_at ? (
                      <>
                        due <Relative iso={r.pending.due_at} />
                      </>
                    ) : (
                      'waits'
                    )}
                  </span>
                )}
              </td>
              <td class="num">{r.revision}</td>
              <td>
                {r.chart_name} {r.chart_version}
              </td>
              <td>{r.namespace}</td>
              <td class="mono">{r.cluster_id}</td>
              <td class="mono">{r.project_id}</td>
              <td>
                {r.flavor}
                {r.dialect !== r.flavor && <span class="muted"> · {r.dialect}</span>}
              </td>
              <td>
                <Relative iso={r.updated_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.total === 0 && <p class="empty">No release matches. Create one through the API, or clear the filters.</p>}
      {page && page.total > PAGE && (
        <nav class="pager" aria-label="Release pages">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous page
          </button>
          <span>
            {(offset + 1).toLocaleString('en')}–{Math.min(offset + PAGE, page.total).toLocaleString('en')} of {page.total.toLocaleString('en')}
          </span>
          <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>
            Next page
          </button>
        </nav>
      )}
    </section>
  )
}
