/** Chart stores of every project and flavour, with package downloads and default values. */
import { useState } from 'preact/hooks'
import { get, type ChartEntry, type RepoChartEntry } from '../api.js'
import { ErrorNote, fmtTime } from '../components.js'
import { pretty } from '../diff.js'
import { useLiveData, watchData } from '../live.js'

export function ChartsView() {
  const charts = useLiveData(() => get<{ charts: ChartEntry[]; repo_charts: RepoChartEntry[] }>('/charts'), [], watchData)
  const [shown, setShown] = useState<{ key: string; values: unknown } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const show = async (key: string, c: { values_url: string }) => {
    if (shown?.key === key) return setShown(null)
    try {
      setError(null)
      const { values } = await get<{ values: unknown }>(c.values_url.replace(/^\/_emulator/, ''))
      setShown({ key, values })
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const list = charts.data?.charts ?? []
  const repoCharts = charts.data?.repo_charts ?? []
  return (
    <section aria-labelledby="charts-h">
      <h1 tabIndex={-1} id="charts-h">Charts</h1>
      <ErrorNote error={charts.error ?? error} />
      <table class="grid">
        <caption>{list.length} chart version(s) across every project and flavour store</caption>
        <thead>
          <tr>
            <th scope="col">Chart</th>
            <th scope="col">Version</th>
            <th scope="col">App version</th>
            <th scope="col">Project</th>
            <th scope="col">Flavour</th>
            <th scope="col">Stored</th>
            <th scope="col">Package</th>
            <th scope="col">Default values</th>
          </tr>
        </thead>
        <tbody>
          {list.map((c) => {
            const key = `${c.project_id}/${c.flavor}/${c.id}`
            return [
              <tr key={key}>
                <td>
                  {c.name}
                  {c.description && <div class="muted small">{c.description}</div>}
                </td>
                <td>{c.version}</td>
                <td>{c.app_version}</td>
                <td class="mono">{c.project_id}</td>
                <td>{c.flavor}</td>
                <td>{fmtTime(c.created_at)}</td>
                <td>
                  <a href={c.archive_url} download={`${c.name}-${c.version}.tgz`} aria-label={`Download .tgz of ${c.name} ${c.version} (${c.flavor}, ${c.project_id})`}>
                    Download .tgz
                  </a>
                </td>
                <td>
                  <button type="button" class="link" aria-expanded={shown?.key === key} aria-label={`${shown?.key === key ? 'Hide' : 'Show'} values of ${c.name} ${c.version} (${c.flavor}, ${c.project_id})`} onClick={() => void show(key, c)}>
                    {shown?.key === key ? 'Hide values' : 'Show values'}
                  </button>
                </td>
              </tr>,
              shown?.key === key && (
                <tr key={`${key}-values`}>
                  <td colSpan={8}>
                    <pre class="code" tabIndex={0} aria-label={`values.yaml of ${c.name} ${c.version}`}>
                      {pretty(shown.values)}
                    </pre>
                  </td>
                </tr>
              ),
            ]
          })}
        </tbody>
      </table>
      {charts.data && list.length === 0 && <p class="empty">No chart stored. Upload one (POST /v2/charts) or start with --charts DIR.</p>}

      <h2>Cloudpods repos</h2>
      {repoCharts.length === 0 ? (
        <p class="empty">No repo chart. Add a repo (POST /api/repos) or start with --charts DIR holding a folder per repo.</p>
      ) : (
        <table class="grid">
          <caption>{repoCharts.length} chart version(s) across every Cloudpods repo</caption>
          <thead>
            <tr>
              <th scope="col">Chart</th>
              <th scope="col">Version</th>
              <th scope="col">App version</th>
              <th scope="col">Repo</th>
              <th scope="col">Package</th>
              <th scope="col">Default values</th>
            </tr>
          </thead>
          <tbody>
            {repoCharts.map((c) => {
              const key = `repo/${c.repo_id}/${c.name}/${c.version}`
              const what = `${c.name} ${c.version} (repo ${c.repo})`
              return [
                <tr key={key}>
                  <td>
                    {c.name}
                    {c.description && <div class="muted small">{c.description}</div>}
                  </td>
                  <td>{c.version}</td>
                  <td>{c.app_version}</td>
                  <td>
                    {c.repo} <span class="muted">({c.repo_type})</span>
                  </td>
                  <td>
                    <a href={c.archive_url} download={`${c.name}-${c.version}.tgz`} aria-label={`Download .tgz of ${what}`}>
                      Download .tgz
                    </a>
                  </td>
                  <td>
                    <button type="button" class="link" aria-expanded={shown?.key === key} aria-label={`${shown?.key === key ? 'Hide' : 'Show'} values of ${what}`} onClick={() => void show(key, c)}>
                      {shown?.key === key ? 'Hide values' : 'Show values'}
                    </button>
                  </td>
                </tr>,
                shown?.key === key && (
                  <tr key={`${key}-values`}>
                    <td colSpan={6}>
                      <pre class="code" tabIndex={0} aria-label={`values.yaml of ${what}`}>
                        {pretty(shown.values)}
                      </pre>
                    </td>
                  </tr>
                ),
              ]
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
