/** Fault store, fault files, journal ring buffer and redaction; and faults on the chart API. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { FaultRuleError, FaultStore, loadFaultFile } from '../../src/control/faults.js'
import { clipBody, Journal, JOURNAL_BODY_LIMIT, redactHeaders } from '../../src/control/journal.js'
import { seededRandom } from '../../src/releases/progression.js'
import { AUTH, buildTestApp, createBody } from '../helpers/app.js'

const dir = mkdtempSync(join(tmpdir(), 'cce-faults-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const key = { projectId: 'p', flavor: 'cce' as const, clusterId: 'c1', namespace: 'ns', name: 'web' }

describe('FaultStore', () => {
  it('decides lifecycle outcomes in order, first match wins, counting down', () => {
    const store = new FaultStore(
      [
        { id: 'other-chart', match: { operation: 'install', chart: 'redis' }, lifecycle: { outcome: 'unknown' } },
        { id: 'stick-once', match: { operation: 'upgrade' }, count: 1, lifecycle: { outcome: 'stick' } },
        { id: 'fail', match: { operation: ['upgrade', 'rollback'] }, lifecycle: { outcome: 'fail', reason: 'boom' } },
      ],
      seededRandom(1),
    )
    const chart = { id: 'id-1', name: 'nginx', version: '1.0.0', public: false }
    expect(store.decide('install', key, { chart })).toBeNull()
    expect(store.decide('install', key, { chart: { ...chart, name: 'redis' } })).toEqual({ outcome: 'unknown', reason: 'timed out waiting for the condition' })
    expect(store.decide('upgrade', key, {})).toEqual({ outcome: 'stick', reason: null })
    expect(store.decide('upgrade', key, {})).toEqual({ outcome: 'fail', reason: 'boom' })
    expect(store.decide('uninstall', key, {})).toBeNull()
    // HTTP rules never answer for lifecycle decisions, and the reverse.
    expect(store.decideHttp({ operations: ['update', 'upgrade'], dialect: 'cce', flavor: 'cce', path: '/cce/cam/v3/x' })).toBeNull()
  })

  it('keeps the list unchanged when a replacement has an invalid rule', () => {
    const store = new FaultStore([{ latency_ms: 5 }], seededRandom(1))
    expect(() => store.replace([{ latency_ms: 1 }, { error: { status: 302 } }])).toThrow(FaultRuleError)
    expect(store.list().map((r) => r.id)).toEqual(['f1'])
    expect(() => store.add({ id: 'f1', latency_ms: 1 })).toThrow(/already exists/)
  })
})

describe('--faults FILE', () => {
  it('loads JSON or YAML, as a list or {rules}, and starts the app with those rules', async () => {
    const yaml = join(dir, 'faults.yaml')
    writeFileSync(yaml, 'rules:\n  - id: slow-list\n    match: { operation: list }\n    latency_ms: 1\n  - match: { operation: create }\n    error: { status: 503 }\n')
    const json = join(dir, 'faults.json')
    writeFileSync(json, JSON.stringify([{ match: { operation: 'show' }, count: 2, error: { status: 500 } }]))
    expect(loadFaultFile(yaml)).toHaveLength(2)
    expect(loadFaultFile(json)).toHaveLength(1)

    const parsed = loadConfig(['--faults', yaml, '--seed', '7', '--journal-size', '5', '--db', ':memory:'], {})
    if (parsed.help) throw new Error('unexpected help')
    expect(parsed.config).toMatchObject({ faults: yaml, seed: 7, journalSize: 5 })
    const t = await buildTestApp({ faults: yaml, seed: 7, journalSize: 5 })
    try {
      const rules = (await t.app.inject({ method: 'GET', url: '/_emulator/faults' })).json()
      expect(rules).toMatchObject({ seed: 7, rules: [{ id: 'slow-list' }, { id: 'f1', error: { status: 503, error_code: 'APIGW.0203' } }] })
    } finally {
      await t.close()
    }
  })

  it('names the file and the rule when a file is wrong', () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ rules: [{ latency_ms: 1 }, { match: { operation: 3 }, latency_ms: 1 }] }))
    expect(() => loadFaultFile(bad)).toThrow(/bad\.json: rule 2\/match\/operation/)
    writeFileSync(bad, '{ not json')
    expect(() => loadFaultFile(bad)).toThrow(/is not valid JSON/)
    expect(() => loadFaultFile(join(dir, 'missing.json'))).toThrow(/cannot read --faults file/)
  })

  it('validates --seed and --journal-size', () => {
    expect(() => loadConfig(['--seed=1.5'], {})).toThrow(/--seed must be an integer/)
    expect(() => loadConfig([], { CCE_EMULATOR_JOURNAL_SIZE: 'lots' })).toThrow(/CCE_EMULATOR_JOURNAL_SIZE must be an entry count/)
    const parsed = loadConfig([], {})
    if (parsed.help) throw new Error('unexpected help')
    expect(parsed.config).toMatchObject({ faults: null, seed: null, journalSize: 1000 })
  })
})

describe('Journal', () => {
  const entry = (n: number) =>
    ({
      time: '', method: 'GET', path: `/p${n}`, query: '', route: null, operation: null, dialect: null, flavor: null, project_id: null, cluster_id: null,
      namespace: null, name: null, status: 200, duration_ms: 0, request_id: String(n), request_headers: {}, request_body: null,
      request_body_truncated: false, response_body: null, response_body_truncated: false, fault: null,
    }) as const

  it('is a ring: never more than capacity, newest first, ids keep counting', () => {
    const j = new Journal(3)
    for (let i = 1; i <= 10; i++) j.record(entry(i))
    expect(j.size).toBe(3)
    expect(j.total).toBe(10)
    expect(j.list().map((e) => e.id)).toEqual([10, 9, 8])
    expect(j.list({ limit: 1 }).map((e) => e.path)).toEqual(['/p10'])
  })

  it('records nothing with capacity 0', () => {
    const j = new Journal(0)
    j.record(entry(1))
    expect(j.list()).toEqual([])
    expect(j.enabled).toBe(false)
  })

  it('redacts credentials and caps bodies and header values', () => {
    expect(redactHeaders({ 'x-auth-token': 't', 'X-Security-Token': 's', authorization: 'Bearer abc', 'x-other': ['a', 'b'] })).toEqual({
      'x-auth-token': 'REDACTED',
      'X-Security-Token': 'REDACTED',
      authorization: 'REDACTED',
      'x-other': 'a, b',
    })
    expect(redactHeaders({ 'user-agent': 'x'.repeat(2000) })['user-agent']!.length).toBeLessThan(600)
    const clipped = clipBody('é'.repeat(5000))
    expect(clipped.truncated).toBe(true)
    expect(Buffer.byteLength(clipped.text!)).toBeLessThanOrEqual(JOURNAL_BODY_LIMIT + 3)
    expect(clipBody(undefined)).toEqual({ text: null, truncated: false })
  })
})

describe('the journal of large answers', () => {
  it("keeps each answer's first JOURNAL_BODY_LIMIT bytes, flagged, referring to the kept list bytes instead of copying them", async () => {
    const t = await buildTestApp()
    try {
      const base = '/cce/cam/v3/clusters/c1/releases'
      for (let i = 0; i < 30; i++) {
        const res = await t.app.inject({ method: 'POST', url: base, headers: AUTH, payload: createBody(`r${i}`) })
        expect(res.statusCode).toBe(201)
      }
      const answers = []
      for (let i = 0; i < 3; i++) answers.push(await t.app.inject({ method: 'GET', url: base, headers: AUTH }))
      expect(answers[0]!.rawPayload.length).toBeGreaterThan(JOURNAL_BODY_LIMIT)
      // The same kept bytes answered three times: held once.
      expect(t.control.journal.heldBytes).toBe(answers[0]!.rawPayload.length)
      const entries = t.control.journal.list({ operation: 'list' })
      expect(entries).toHaveLength(3)
      for (const e of entries) {
        expect(e.response_body_truncated).toBe(true)
        expect(e.response_body).toBe(answers[0]!.rawPayload.subarray(0, JOURNAL_BODY_LIMIT).toString('utf8'))
      }
      expect(t.control.journal.heldBytes).toBe(0)
    } finally {
      await t.close()
    }
  })
})

describe('faults on the chart API', () => {
  it('match by path prefix and by operationId under /v2/charts and /autopilot/v2/charts', async () => {
    const t = await buildTestApp()
    try {
      await t.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { rules: [{ match: { operation: 'ListCharts', flavor: 'autopilot' }, error: { status: 429 } }, { match: { path_prefix: '/v2/charts' }, count: 1, error: { status: 503 } }] } })
      expect((await t.app.inject({ method: 'GET', url: '/autopilot/v2/charts', headers: AUTH })).statusCode).toBe(429)
      expect((await t.app.inject({ method: 'GET', url: '/v2/charts', headers: AUTH })).statusCode).toBe(503)
      expect((await t.app.inject({ method: 'GET', url: '/v2/charts', headers: AUTH })).statusCode).toBe(200)
      const journal = (await t.app.inject({ method: 'GET', url: '/_emulator/requests' })).json().requests
      expect(journal.map((e: { operation: string; status: number }) => [e.operation, e.status])).toEqual([
        ['list-charts', 200],
        ['list-charts', 503],
        ['list-charts', 429],
      ])
    } finally {
      await t.close()
    }
  })
})
