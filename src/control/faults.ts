/**
 * Fault injection: an ordered list of rules, LocalStack-chaos style (first match wins). A rule
 * matches on operation, dialect (cce / cloudpods), flavor (cce / autopilot), path prefix, cluster, namespace, release name and chart, fires
 * with a probability (seeded, so a run repeats) at most `count` times, and has one kind of
 * outcome:
 *   - HTTP: an error answer (status + the dialect's error body) and/or added latency, decided before the
 *     handler runs, so nothing changes state;
 *   - lifecycle: the operation is accepted as usual but ends FAILED (Helm's text), UNKNOWN, or
 *     never ends by itself ('stick': PENDING_* / DELETING until a rollback, a delete or a trigger).
 *
 * Rules are test configuration, not emulator state: they live in memory, start from --faults
 * FILE, and a full reset restores that start-up list. The data model is the control plane's
 * wire format (snake_case), as with LocalStack's chaos rules.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Value } from '@sinclair/typebox/value'
import { AlreadyExistsError, ValidationError } from '../errors.js'
import type { ScheduleContext } from '../releases/ports.js'
import type { CceFlavor, Flavor, Operation, ReleaseKey } from '../releases/release.js'
import type { OutcomeOverride, OutcomeSource } from '../releases/scheduler.js'
import { DIALECT_NAMES, FaultRuleInputSchema, MAX_LATENCY_MS, operationProblem, unknownOperation, type FaultMatch, type FaultRule, type FaultRuleInput } from './fault-schema.js'

/** The HTTP dialect a request speaks (src/wire/<name>/). */
export type DialectName = (typeof DIALECT_NAMES)[number]
export type FaultLifecycle = NonNullable<FaultRule['lifecycle']>
export type FaultError = NonNullable<FaultRule['error']>
export { MAX_LATENCY_MS, type FaultMatch, type FaultRule, type FaultRuleInput }

/** What the HTTP hook knows about a request. */
export interface RequestFacts {
  /** Every name the operation answers to (lower case), e.g. ['update', 'upgrade', 'updaterelease']. */
  operations: string[]
  dialect: DialectName
  /** CCE or Autopilot; null where the dialect has no flavours. */
  flavor: CceFlavor | null
  path: string
  clusterId?: string | undefined
  namespace?: string | undefined
  name?: string | undefined
  chart?: string | undefined
}

/** A rule that can never be valid; a ValidationError, so every API answers it with a 400. */
export class FaultRuleError extends ValidationError {}

/** A rule has one kind of outcome: HTTP (error and/or latency_ms) or lifecycle. Null when it does. */
export function outcomeProblem(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null
  const r = input as Record<string, unknown>
  const http = r.error !== undefined || r.latency_ms !== undefined
  if (http !== (r.lifecycle !== undefined)) return null
  return 'a fault rule needs either an HTTP outcome (error and/or latency_ms) or a lifecycle outcome, not both'
}

/**
 * Default codes and texts per status: CCE's and its API gateway's. Other dialects render a fault
 * from its status and text and use `error_code` only when it is one of their own (see their error maps).
 */
const DEFAULT_ERRORS: Record<number, [string, string]> = {
  400: ['CCE.01400001', 'Invalid request.'],
  401: ['APIGW.0301', 'Incorrect IAM authentication information'],
  403: ['CCE.01403001', 'Forbidden.'],
  404: ['CCE.01404001', 'Resource not found.'],
  409: ['CCE.01409001', 'The resource already exists.'],
  429: ['APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit'],
  500: ['CCE.01500001', 'Internal error.'],
  502: ['APIGW.0202', 'Bad gateway.'],
  503: ['APIGW.0203', 'Service unavailable.'],
  504: ['APIGW.0204', 'Gateway timeout.'],
}

/** Helm's most common real failure text: `helm install --wait` running out of time. */
export const DEFAULT_FAILURE_REASON = 'timed out waiting for the condition'

/** The dialect whose releases a stored flavour holds (lifecycle rules have no request to ask). */
const FLAVOR_DIALECT: Record<Flavor, DialectName> = { cce: 'cce', autopilot: 'cce', cloudpods: 'cloudpods' }

/** The dialect a stored flavour belongs to (the dashboard shows releases by both). */
export const dialectOfFlavor = (flavor: Flavor): DialectName => FLAVOR_DIALECT[flavor]
/** Every stored flavour and its dialect, as data (a new flavour is one entry in FLAVOR_DIALECT). */
export const flavorDialects = (): Array<[Flavor, DialectName]> => Object.entries(FLAVOR_DIALECT) as Array<[Flavor, DialectName]>
/** The default error code and text of each status a fault rule may answer with. */
export const defaultFaultErrors = (): Array<{ status: number; error_code: string; error_msg: string }> =>
  Object.entries(DEFAULT_ERRORS).map(([status, [error_code, error_msg]]) => ({ status: Number(status), error_code, error_msg }))

const LIFECYCLE_NAMES: Record<Operation, string[]> = {
  install: ['install', 'create'],
  upgrade: ['upgrade', 'update'],
  rollback: ['rollback', 'update'],
  uninstall: ['uninstall', 'delete'],
}

export class FaultStore implements OutcomeSource {
  #rules: FaultRule[] = []
  #initial: FaultRuleInput[]
  #nextId = 1
  #random: () => number

  constructor(initial: FaultRuleInput[], random: () => number) {
    this.#initial = initial
    this.#random = random
    this.replace(initial)
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => structuredClone(r))
  }

  /** Appends a rule (or inserts it at `position`, 0 = first) and returns it as stored. */
  add(input: FaultRuleInput, position?: number): FaultRule {
    const rule = this.#normalise(input)
    // A conflict (409), not a malformed rule: the same rule is valid once the other is removed.
    if (this.#rules.some((r) => r.id === rule.id)) throw new AlreadyExistsError(`a fault rule with id "${rule.id}" already exists`)
    const at = position === undefined ? this.#rules.length : Math.min(Math.max(0, position), this.#rules.length)
    this.#rules.splice(at, 0, rule)
    return structuredClone(rule)
  }

  /** Replaces the whole list atomically: either every rule is valid or nothing changes. */
  replace(inputs: FaultRuleInput[]): FaultRule[] {
    const saved = { rules: this.#rules, nextId: this.#nextId }
    this.#rules = []
    try {
      for (const input of inputs) this.add(input)
    } catch (err) {
      this.#rules = saved.rules
      this.#nextId = saved.nextId
      throw err
    }
    return this.list()
  }

  remove(id: string): boolean {
    const before = this.#rules.length
    this.#rules = this.#rules.filter((r) => r.id !== id)
    return this.#rules.length < before
  }

  clear(): number {
    const n = this.#rules.length
    this.#rules = []
    return n
  }

  /** Back to the start-up rules (--faults FILE) with fresh randomness. */
  reset(random: () => number): void {
    this.#nextId = 1
    this.#random = random
    this.replace(this.#initial)
  }

  /** False when no rule could produce an HTTP outcome: callers skip building request facts. */
  get hasHttpRules(): boolean {
    return this.#rules.some((r) => !r.lifecycle)
  }

  /** The first HTTP rule that matches and fires, if any. */
  decideHttp(facts: RequestFacts): FaultRule | null {
    for (const rule of this.#rules) {
      if (rule.lifecycle || !this.#live(rule)) continue
      if (!matches(rule.match, facts, true)) continue
      if (this.#fire(rule)) return structuredClone(rule)
    }
    return null
  }

  /** OutcomeSource for the scheduler: the first lifecycle rule that matches and fires. */
  decide(operation: Operation, key: ReleaseKey, context: ScheduleContext): OutcomeOverride | null {
    const facts: RequestFacts = {
      operations: LIFECYCLE_NAMES[operation],
      dialect: FLAVOR_DIALECT[key.flavor],
      // Flavours are CCE's (cce / autopilot); a Cloudpods release has none.
      flavor: key.flavor === 'cloudpods' ? null : key.flavor,
      path: '',
      clusterId: key.clusterId,
      namespace: key.namespace,
      name: key.name,
      chart: context.chart?.id,
    }
    for (const rule of this.#rules) {
      if (!rule.lifecycle || !this.#live(rule)) continue
      const chartMatches = rule.match.chart === undefined || rule.match.chart === context.chart?.id || rule.match.chart === context.chart?.name
      if (!chartMatches || !matches({ ...rule.match, chart: undefined }, facts, false)) continue
      if (this.#fire(rule)) {
        const reason = rule.lifecycle.reason ?? (rule.lifecycle.outcome === 'stick' ? null : DEFAULT_FAILURE_REASON)
        return { outcome: rule.lifecycle.outcome, reason }
      }
    }
    return null
  }

  #live(rule: FaultRule): boolean {
    return rule.remaining === null || rule.remaining > 0
  }

  #fire(rule: FaultRule): boolean {
    if (rule.probability < 1 && !(this.#random() < rule.probability)) return false
    if (rule.remaining !== null) rule.remaining -= 1
    rule.fired += 1
    return true
  }

  #normalise(input: FaultRuleInput): FaultRule {
    // The HTTP routes validate already; in-process callers (startEmulator) and files come through here too.
    // An unknown operation first: its message names the allowed ones, the schema's pattern does not.
    const badOperation = operationProblem(input)
    if (badOperation) throw new FaultRuleError(badOperation, 'match.operation')
    const problem = Value.Errors(FaultRuleInputSchema, input).First()
    if (problem) throw new FaultRuleError(`invalid fault rule${problem.path ? ` at ${problem.path}` : ''}: ${problem.message}`)
    const outcome = outcomeProblem(input)
    if (outcome) throw new FaultRuleError(outcome)
    const probability = input.probability ?? 1
    if (!(probability >= 0 && probability <= 1)) throw new FaultRuleError('probability must be between 0 and 1')
    const count = input.count ?? null
    if (count !== null && !(Number.isInteger(count) && count >= 1)) throw new FaultRuleError('count must be a positive integer, or null for unlimited')
    const latency = input.latency_ms ?? null
    if (latency !== null && !(Number.isInteger(latency) && latency >= 0 && latency <= MAX_LATENCY_MS)) {
      throw new FaultRuleError(`latency_ms must be an integer from 0 to ${MAX_LATENCY_MS}`)
    }
    let error: FaultError | null = null
    if (input.error) {
      const { status } = input.error
      if (!(Number.isInteger(status) && status >= 400 && status <= 599)) throw new FaultRuleError('error.status must be an HTTP error status (400-599)')
      const fallback = DEFAULT_ERRORS[status] ?? (status >= 500 ? DEFAULT_ERRORS[500]! : DEFAULT_ERRORS[400]!)
      error = { status, error_code: input.error.error_code ?? fallback[0], error_msg: input.error.error_msg ?? fallback[1] }
    }
    const lifecycle: FaultLifecycle | null = input.lifecycle ? { outcome: input.lifecycle.outcome, reason: input.lifecycle.reason ?? null } : null
    if (lifecycle && !['fail', 'stick', 'unknown'].includes(lifecycle.outcome)) throw new FaultRuleError('lifecycle.outcome must be fail, stick or unknown')
    const { operation, ...rest } = input.match ?? {}
    const match: FaultRule['match'] = { ...rest }
    if (operation !== undefined) {
      const names = typeof operation === 'string' ? [operation] : operation
      const unknown = unknownOperation(names)
      if (unknown) throw new FaultRuleError(unknown, 'match.operation')
      match.operation = names.map((o) => o.toLowerCase())
    }
    return {
      id: input.id ?? `f${this.#nextId++}`,
      match,
      probability,
      remaining: count,
      fired: 0,
      error,
      latency_ms: latency,
      lifecycle,
    }
  }
}

function matches(m: FaultRule['match'], f: RequestFacts, http: boolean): boolean {
  const ops = typeof m.operation === 'string' ? [m.operation] : m.operation
  if (ops && ops.length > 0 && !ops.some((o) => f.operations.includes(o))) return false
  if (m.dialect !== undefined && m.dialect !== f.dialect) return false
  if (m.flavor !== undefined && m.flavor !== f.flavor) return false
  if (http && m.path_prefix !== undefined && !f.path.startsWith(m.path_prefix)) return false
  if (m.cluster_id !== undefined && m.cluster_id !== f.clusterId) return false
  if (m.namespace !== undefined && m.namespace !== f.namespace) return false
  if (m.name !== undefined && m.name !== f.name) return false
  if (m.chart !== undefined && m.chart !== f.chart) return false
  return true
}

/** Reads a --faults file: JSON or YAML, either a list of rules or `{ rules: [...] }`. */
export function loadFaultFile(path: string): FaultRuleInput[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new FaultRuleError(`cannot read --faults file ${path}: ${(err as Error).message}`)
  }
  let doc: unknown
  try {
    // The YAML parser loads only when a YAML fault file is given, not on every start.
    doc = /\.ya?ml$/i.test(path) ? (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text) : JSON.parse(text)
  } catch (err) {
    throw new FaultRuleError(`--faults file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`)
  }
  const rules = Array.isArray(doc) ? doc : (doc as { rules?: unknown } | null)?.rules
  if (!Array.isArray(rules)) throw new FaultRuleError(`--faults file ${path} must hold a list of rules or {"rules": [...]}`)
  rules.forEach((rule, i) => {
    const badOperation = operationProblem(rule)
    if (badOperation) throw new FaultRuleError(`--faults file ${path}: rule ${i + 1}: ${badOperation}`, 'match.operation')
    const problem = Value.Errors(FaultRuleInputSchema, rule).First()
    if (problem) throw new FaultRuleError(`--faults file ${path}: rule ${i + 1}${problem.path}: ${problem.message}`)
  })
  return rules as FaultRuleInput[]
}
