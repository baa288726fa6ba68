/**
 * The user values of a Cloudpods install or upgrade, as kubeserver builds them
 * (pkg/kubeserver/helm: values YAML, then `sets`, then `values_json` over the top level).
 */
import { parseValuesYaml } from '../charts/chart-metadata.js'
import { ValidationError } from '../errors.js'
import type { Values } from '../releases/release.js'

/** A values document longer than this is refused: it would only be stored and echoed back. */
export const MAX_VALUES_YAML = 1024 * 1024
const MAX_SETS = 1000

export interface ValuesInput {
  /** A YAML document. */
  values?: string | undefined
  /** `--set` pairs: a dotted path and its value, typed as Helm's strvals types it. */
  sets?: Record<string, string> | undefined
  /** Replaces top-level keys of the result (jsonutils' Update), as climc's `-f` arrives. */
  valuesJson?: Values | undefined
}

export const hasValues = (v: ValuesInput): boolean =>
  (v.values !== undefined && v.values.trim() !== '') || Object.keys(v.sets ?? {}).length > 0 || v.valuesJson !== undefined

export function buildValues(input: ValuesInput): Values {
  let out: Values = {}
  if (input.values !== undefined && input.values.trim() !== '') {
    if (input.values.length > MAX_VALUES_YAML) throw new ValidationError(`values is longer than ${MAX_VALUES_YAML} characters`, 'values')
    try {
      out = parseValuesYaml(input.values)
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(err.message.replace(/^values\.yaml/, 'values'), 'values')
      throw err
    }
  }
  const sets = Object.entries(input.sets ?? {})
  if (sets.length > MAX_SETS) throw new ValidationError(`more than ${MAX_SETS} sets`, 'sets')
  for (const [path, raw] of sets) out = setPath(out, path, typed(raw))
  if (input.valuesJson !== undefined) out = { ...out, ...input.valuesJson }
  return out
}

/** strvals' typing of a --set value: integers, booleans and null; everything else a string. */
function typed(raw: string): unknown {
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  if (/^-?(0|[1-9][0-9]{0,15})$/.test(raw)) return Number(raw)
  return raw
}

/** Sets `a.b.c` (a `\.` is a literal dot), making tables on the way; fresh objects, so "__proto__" stays a key. */
function setPath(target: Values, path: string, value: unknown): Values {
  const parts = path.split(/(?<!\\)\./).map((p) => p.replaceAll('\\.', '.'))
  if (path === '' || parts.some((p) => p === '')) throw new ValidationError(`invalid set key "${path.slice(0, 100)}"`, 'sets')
  const put = (obj: Values, i: number): Values => {
    const key = parts[i]!
    const current = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined
    const next = i === parts.length - 1 ? value : put(isTable(current) ? current : {}, i + 1)
    return Object.fromEntries([...Object.entries(obj).filter(([k]) => k !== key), [key, next]])
  }
  return put(target, 0)
}

const isTable = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v)
