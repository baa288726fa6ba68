/** Fault rules: the list, an add form built from the catalog (operations, outcomes), removal, and resets. */
import { useMemo, useState } from 'preact/hooks'
import { del, get, post, query, type FaultCatalog, type FaultRule } from '../api.js'
import { ErrorNote, fieldId, SelectField, TextField } from '../components.js'
import { useLiveData, watchFaults } from '../live.js'

interface Form {
  operation: string
  dialect: string
  flavor: string
  cluster_id: string
  namespace: string
  name: string
  chart: string
  kind: 'http' | 'lifecycle'
  status: string
  error_msg: string
  latency_ms: string
  outcome: string
  reason: string
  probability: string
  count: string
}
const EMPTY: Form = {
  operation: '',
  dialect: '',
  flavor: '',
  cluster_id: '',
  namespace: '',
  name: '',
  chart: '',
  kind: 'http',
  status: '503',
  error_msg: '',
  latency_ms: '',
  outcome: 'fail',
  reason: '',
  probability: '1',
  count: '1',
}

const matchText = (m: FaultRule['match']) =>
  Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(', ') || 'every request'

const outcomeText = (r: FaultRule) =>
  r.lifecycle
    ? `lifecycle ${r.lifecycle.outcome}${r.lifecycle.reason ? ` (${r.lifecycle.reason})` : ''}`
    : [r.error && `HTTP ${r.error.status} ${r.error.error_code}`, r.latency_ms && `+${r.latency_ms} ms`].filter(Boolean).join(', ')

function toRule(f: Form): Record<string, unknown> {
  const match: Record<string, string> = {}
  for (const k of ['operation', 'dialect', 'flavor', 'cluster_id', 'namespace', 'name', 'chart'] as const) if (f[k].trim() !== '') match[k] = f[k].trim()
  const rule: Record<string, unknown> = { match, probability: Number(f.probability), count: f.count === '' ? null : Number(f.count) }
  if (f.kind === 'lifecycle') rule.lifecycle = { outcome: f.outcome, ...(f.reason ? { reason: f.reason } : {}) }
  else {
    if (f.status !== '') rule.error = { status: Number(f.status), ...(f.error_msg ? { error_msg: f.error_msg } : {}) }
    if (f.latency_ms !== '') rule.latency_ms = Number(f.latency_ms)
  }
  return rule
}

export function FaultsView() {
  const rules = useLiveData(() => get<{ seed: number; rules: FaultRule[] }>('/faults'), [], watchFaults)
  const catalog = useLiveData(() => get<FaultCatalog>('/faults/catalog'), [], () => 'static')
  const [form, setForm] = useState<Form>(EMPTY)
  const [scope, setScope] = useState({ project_id: '', flavor: '', cluster_id: '', namespace: '' })
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState<string | null>(null)
  const ids = useMemo(
    () => Object.fromEntries([...Object.keys(EMPTY), 's_project', 's_flavor', 's_cluster', 's_namespace', 'kind_http', 'kind_lifecycle'].map((k) => [k, fieldId(k)])) as Record<string, string>,
    [],
  )
  const set = (k: keyof Form) => (v: string) => setForm((f) => ({ ...f, [k]: v }))
  const c = catalog.data
  const act = async (fn: () => Promise<string>) => {
    setError(null)
    setNote(null)
    try {
      setNote(await fn())
      rules.reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const ops = (c?.operations ?? []).filter((o) => form.dialect === '' || o.dialects.includes(form.dialect))
  return (
    <section aria-labelledby="faults-h">
      <h1 tabIndex={-1} id="faults-h">Faults</h1>
      <table class="grid">
        <caption>{rules.data ? `${rules.data.rules.length} rule(s), checked in order (seed ${rules.data.seed})` : 'Fault rules'}</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Matches</th>
            <th scope="col">Outcome</th>
            <th scope="col">Probability</th>
            <th scope="col">Left</th>
            <th scope="col">Fired</th>
            <th scope="col">Remove</th>
          </tr>
        </thead>
        <tbody>
          {rules.data?.rules.map((r) => (
            <tr key={r.id} data-rule={r.id}>
              <td class="mono">{r.id}</td>
              <td>{matchText(r.match)}</td>
              <td>{outcomeText(r)}</td>
              <td class="num">{r.probability}</td>
              <td class="num">{r.remaining ?? '∞'}</td>
              <td class="num">{r.fired}</td>
              <td>
                <button type="button" class="danger" aria-label={`Remove rule ${r.id}`} onClick={() => void act(async () => (await del(`/faults/${encodeURIComponent(r.id)}`), `Rule ${r.id} removed.`))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote error={error} />
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}

      <form
        class="card"
        aria-labelledby="add-rule-h"
        onSubmit={(e) => {
          e.preventDefault()
          void act(async () => {
            const r = await post<FaultRule>('/faults', toRule(form))
            return `Rule ${r.id} added: ${outcomeText(r)} for ${matchText(r.match)}.`
          })
        }}
      >
        <h2 id="add-rule-h">Add a rule</h2>
        <fieldset>
          <legend>Which requests (all optional; all must hold)</legend>
          <div class="row wrap">
            <div class="field">
              <label for={ids.operation}>Operation</label>
              <select id={ids.operation} value={form.operation} onChange={(e) => set('operation')((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">Any operation</option>
                <optgroup label="Operations">
                  {ops.filter((o) => o.kind === 'operation').map((o) => (
                    <option key={o.name} value={o.name}>
                      {o.name}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Route operationIds">
                  {ops.filter((o) => o.kind === 'operation_id').map((o) => (
                    <option key={o.name} value={o.name}>
                      {o.name}
                    </option>
                  ))}
                </optgroup>
              </select>
            </div>
            <SelectField id={ids.dialect!} label="Dialect" value={form.dialect} onChange={set('dialect')} any="Any dialect" options={(c?.dialects ?? []).map((d) => ({ value: d }))} />
            <SelectField
              id={ids.flavor!}
              label="Flavour"
              value={form.flavor}
              onChange={set('flavor')}
              any="Any flavour"
              options={(c?.match_flavors ?? []).map((f) => ({ value: f }))}
            />
            <TextField id={ids.cluster_id!} label="Cluster id" value={form.cluster_id} onInput={set('cluster_id')} />
            <TextField id={ids.namespace!} label="Namespace" value={form.namespace} onInput={set('namespace')} />
            <TextField id={ids.name!} label="Release name" value={form.name} onInput={set('name')} />
            <TextField id={ids.chart!} label="Chart id or name" value={form.chart} onInput={set('chart')} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Outcome</legend>
          <div class="row">
            <label class="radio" for={ids.kind_http}>
              <input id={ids.kind_http} type="radio" name="kind" checked={form.kind === 'http'} onChange={() => set('kind')('http')} /> HTTP error and/or latency (nothing changes state)
            </label>
            <label class="radio" for={ids.kind_lifecycle}>
              <input id={ids.kind_lifecycle} type="radio" name="kind" checked={form.kind === 'lifecycle'} onChange={() => set('kind')('lifecycle')} /> Lifecycle: accepted, then ends
              badly
            </label>
          </div>
          {form.kind === 'http' ? (
            <div class="row wrap">
              <SelectField
                id={ids.status!}
                label="HTTP status"
                value={form.status}
                onChange={set('status')}
                any="No error (latency only)"
                options={(c?.errors ?? []).map((e) => ({ value: String(e.status), label: `${e.status} ${e.error_code} — ${e.error_msg}` }))}
              />
              <TextField id={ids.error_msg!} label="Error message (optional)" value={form.error_msg} onInput={set('error_msg')} />
              <TextField id={ids.latency_ms!} label="Added latency, ms" type="number" min="0" max={String(c?.max_latency_ms ?? 30000)} value={form.latency_ms} onInput={set('latency_ms')} />
            </div>
          ) : (
            <div class="row wrap">
              <SelectField id={ids.outcome!} label="Ends as" value={form.outcome} onChange={set('outcome')} options={(c?.lifecycle_outcomes ?? []).map((o) => ({ value: o }))} />
              <TextField id={ids.reason!} label="Failure reason (optional)" value={form.reason} onInput={set('reason')} placeholder="timed out waiting for the condition" />
            </div>
          )}
        </fieldset>
        <div class="row">
          <TextField id={ids.probability!} label="Probability (0–1)" type="number" min="0" max="1" step="any" value={form.probability} onInput={set('probability')} />
          <TextField id={ids.count!} label="Times (empty: unlimited)" type="number" min="1" value={form.count} onInput={set('count')} />
          <button type="submit">Add rule</button>
        </div>
      </form>

      <div class="card" role="region" aria-labelledby="reset-h">
        <h2 id="reset-h">Reset</h2>
        <p>
          <button type="button" class="danger" onClick={() => void act(async () => (await del('/faults'), 'Every fault rule removed.'))}>
            Remove every rule
          </button>{' '}
          <button
            type="button"
            class="danger"
            onClick={() =>
              void act(async () => {
                const r = await post<{ deleted: Record<string, number> }>('/reset')
                return `Full reset: ${JSON.stringify(r.deleted)} removed; faults, lifecycle and journal back to their start-up state.`
              })
            }
          >
            Reset everything
          </button>
        </p>
        <form
          aria-label="Reset one scope"
          onSubmit={(e) => {
            e.preventDefault()
            void act(async () => {
              const r = await post<{ deleted: Record<string, number> }>(`/reset${query(scope)}`)
              return `Scoped reset: ${JSON.stringify(r.deleted)} removed.`
            })
          }}
        >
          <div class="row wrap">
            <TextField id={ids.s_project!} label="Project" value={scope.project_id} onInput={(v) => setScope((s) => ({ ...s, project_id: v }))} />
            <SelectField
              id={ids.s_flavor!}
              label="Flavour"
              value={scope.flavor}
              onChange={(v) => setScope((s) => ({ ...s, flavor: v }))}
              any="Any flavour"
              options={(c?.flavors ?? []).map((f) => ({ value: f.flavor, label: `${f.flavor} · ${f.dialect}` }))}
            />
            <TextField id={ids.s_cluster!} label="Cluster id" value={scope.cluster_id} onInput={(v) => setScope((s) => ({ ...s, cluster_id: v }))} />
            <TextField id={ids.s_namespace!} label="Namespace" value={scope.namespace} onInput={(v) => setScope((s) => ({ ...s, namespace: v }))} />
            <button type="submit" class="danger" disabled={Object.values(scope).every((v) => v === '')}>
              Reset this scope
            </button>
          </div>
        </form>
      </div>
    </section>
  )
}
