/**
 * Verify mode against a man in the middle: a genuine signed create, upgrade and chart upload are
 * captured, and every part is tampered with, one at a time (method, path, each query pair, each
 * signed header, the body, the date, the key, the secret, the signature). Every copy must be
 * refused by the "gateway" with 401 and the APIGW body, and leave the data exactly as it was; the
 * untampered original is then accepted, so the refusals are the tampering's doing.
 */
import type { InjectOptions } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { formatSdkDate, sha256Hex } from '../../src/auth/signature.js'
import { buildTestApp, TEST_CHART_ID, testChartPackage, type TestApp } from '../helpers/app.js'
import { chartUpload } from '../helpers/multipart.js'
import { signRequest, type SignedRequest, type SignOptions } from '../helpers/signing.js'

const AK = 'AKTAMPERBOUND000000'
const SK = 'SKtamperBound00000000000000000000000000a'
const AK_OTHER = 'AKTAMPEROTHER000000'
const SK_OTHER = 'SKtamperOther00000000000000000000000000b'
const PROJECT = '0123456789abcdef0123456789abcdef'
const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210'
const CCE = '/cce/cam/v3/clusters/c1'
const item = (name: string, base = CCE, namespace = 'default') => `${base}/namespace/${namespace}/releases/${name}`

let h: TestApp | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

async function build(): Promise<TestApp> {
  h = await buildTestApp(
    { auth: 'verify', credentials: [{ accessKey: AK, secretKey: SK, projectId: PROJECT }, { accessKey: AK_OTHER, secretKey: SK_OTHER }] },
    { seedCharts: [PROJECT] },
  )
  return h
}

type Unsigned = Omit<SignOptions, 'ak' | 'sk' | 'projectId' | 'date'> & Partial<Pick<SignOptions, 'ak' | 'sk' | 'date'>>
const signed = (o: Unsigned): SignedRequest => signRequest({ ak: AK, sk: SK, projectId: PROJECT, date: h!.clock.now(), ...o })

/** Headers may be given twice (an array), which app.inject sends as repeated header lines. */
interface Wire {
  method: string
  url: string
  headers: Record<string, string | string[]>
  payload?: string | Buffer
}
const send = (req: Wire) => h!.app.inject(req as InjectOptions)
const clone = (req: SignedRequest): Wire => ({ ...req, headers: { ...req.headers } })

/** Every row of every table, read straight from SQLite so that looking cannot change anything. */
function snapshot(): string {
  const tables = h!.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
  // A WITHOUT ROWID table (release_answers) has no rowid; it reads in primary-key order.
  const order = (name: string) => (h!.db.prepare('SELECT wr FROM pragma_table_list WHERE name = ?').pluck().get(name) ? '' : ' ORDER BY rowid')
  return JSON.stringify(tables.map(({ name }) => [name, h!.db.prepare(`SELECT * FROM "${name}"${order(name)}`).all()]))
}

/** What a user sees through the API: genuine signed reads. */
async function view(urls: string[]): Promise<unknown[]> {
  const out: unknown[] = []
  for (const url of urls) {
    const res = await send(signed({ method: 'GET', url }))
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200)
    out.push(res.json())
  }
  return out
}

interface Scenario {
  /** The genuine request, before signing. */
  genuine: Unsigned
  /** Other methods with a route on the same path (a tampered copy must reach the gateway check, not a 404). */
  methods: string[]
  /** Other paths with a route for the same method. */
  paths: string[]
  /** A different body the attacker wants through; undefined when the signer chose not to cover the body. */
  swappedBody?: string | Buffer
  /** Reads whose answers must not change. */
  reads: string[]
  /** The original's status once the tampering is over. */
  accepted: number
}

interface Tamper {
  what: string
  req: Wire
  /** Refused before the gateway check, by CCE's own header validation (still changing nothing). */
  refusedAs?: { status: number; code: string }
}

function withQuery(url: string, pairs: Array<[string, string]>): string {
  const path = url.split('?')[0]!
  return pairs.length === 0 ? path : `${path}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`
}

const signedNames = (req: SignedRequest): string[] => /SignedHeaders=([^,]+)/.exec(req.headers.authorization!)![1]!.split(';')

/** A different value of the same form, so that only the signature can tell. */
function otherValue(name: string, value: string): string {
  switch (name) {
    case 'x-sdk-date':
      return formatSdkDate(new Date(h!.clock.now().getTime() + 1000))
    case 'x-project-id':
      return OTHER_PROJECT
    case 'host':
      return 'localhost:8080'
    case 'content-type':
      return value.startsWith('multipart/') ? `${value}x` : 'application/json; charset=utf-8'
    case 'x-sdk-content-sha256':
      return sha256Hex('anything')
    default:
      return `${value} tampered`
  }
}

function tampers(s: Scenario): Tamper[] {
  const req = signed(s.genuine)
  const out: Tamper[] = []
  const add = (what: string, edit: (w: Wire) => void) => {
    const w = clone(req)
    edit(w)
    out.push({ what, req: w })
  }

  for (const m of s.methods) add(`method ${req.method} → ${m}`, (w) => (w.method = m))
  for (const p of s.paths) add(`path → ${p}`, (w) => (w.url = withQuery(p, [...new URL(req.url, 'http://x').searchParams])))

  const pairs = [...new URL(req.url, 'http://x').searchParams] as Array<[string, string]>
  pairs.forEach(([k, v], i) => {
    const others = pairs.filter((_, j) => j !== i)
    add(`query ${k}: value changed`, (w) => (w.url = withQuery(req.url, [...others, [k, `${v}x`]])))
    add(`query ${k}: key changed`, (w) => (w.url = withQuery(req.url, [...others, [`${k}x`, v]])))
    add(`query ${k}: removed`, (w) => (w.url = withQuery(req.url, others)))
    add(`query ${k}: duplicated`, (w) => (w.url = withQuery(req.url, [...pairs, [k, v]])))
    add(`query ${k}: duplicated with another value`, (w) => (w.url = withQuery(req.url, [...pairs, [k, `${v}x`]])))
  })
  add('query: a pair added', (w) => (w.url = withQuery(req.url, [...pairs, ['extra', '1']])))

  for (const name of signedNames(req)) {
    const value = req.headers[name]!
    add(`header ${name}: changed`, (w) => (w.headers[name] = otherValue(name, value)))
    add(`header ${name}: removed`, (w) => delete w.headers[name])
    if (name.startsWith('x-')) add(`header ${name}: sent twice`, (w) => (w.headers[name] = [value, value]))
    // Two X-Project-Id lines arrive joined ("a, a", as Node joins them), which the request context
    // refuses as a malformed project id before any route-level hook runs.
    if (name === 'x-project-id') out.at(-1)!.refusedAs = { status: 400, code: 'CCE.01400001' }
    add(`header ${name}: dropped from SignedHeaders`, (w) => {
      w.headers.authorization = req.headers.authorization!.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${signedNames(req).filter((n) => n !== name).join(';')}`)
    })
  }

  if (s.swappedBody !== undefined) {
    const original = Buffer.from(s.genuine.body ?? '')
    const swapped = Buffer.from(s.swappedBody)
    add('body: swapped', (w) => (w.payload = swapped))
    add('body: swapped, with a forged unsigned X-Sdk-Content-Sha256 of the original body', (w) => {
      w.payload = swapped
      w.headers['x-sdk-content-sha256'] = sha256Hex(original)
    })
    add('body: swapped, with a forged unsigned X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD', (w) => {
      w.payload = swapped
      w.headers['x-sdk-content-sha256'] = 'UNSIGNED-PAYLOAD'
    })
    add('body: truncated by one byte', (w) => (w.payload = original.subarray(0, original.length - 1)))
    add('body: one byte appended', (w) => (w.payload = Buffer.concat([original, Buffer.from(' ')])))
    add('body: removed', (w) => {
      delete w.payload
      w.headers['content-length'] = '0'
    })
  }

  const now = h!.clock.now().getTime()
  const skew = 15 * 60_000 + 1000
  out.push({ what: 'date: signed 15 min 1 s before the emulator clock', req: signed({ ...s.genuine, date: new Date(now - skew) }) })
  out.push({ what: 'date: signed 15 min 1 s after the emulator clock', req: signed({ ...s.genuine, date: new Date(now + skew) }) })

  add('access key: another known key', (w) => (w.headers.authorization = req.headers.authorization!.replace(`Access=${AK}`, `Access=${AK_OTHER}`)))
  add('access key: unknown', (w) => (w.headers.authorization = req.headers.authorization!.replace(`Access=${AK}`, 'Access=AKUNKNOWN')))
  out.push({ what: 'secret: another known key’s secret', req: signed({ ...s.genuine, sk: SK_OTHER }) })
  out.push({ what: 'secret: wrong', req: signed({ ...s.genuine, sk: `${SK}x` }) })
  add('signature: one digit changed', (w) => {
    w.headers.authorization = req.headers.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`)
  })
  return out
}

/** Runs every tampered copy; collects what got through instead of stopping at the first. */
async function expectAllRefused(s: Scenario): Promise<void> {
  const before = snapshot()
  const seen = await view(s.reads)
  const list = tampers(s)
  const through: string[] = []
  let last = before
  for (const t of list) {
    const res = await send(t.req)
    const body = res.json() as Record<string, unknown>
    const refused = t.refusedAs
      ? res.statusCode === t.refusedAs.status && body.error_code === t.refusedAs.code
      : res.statusCode === 401 &&
        body.error_code === 'APIGW.0301' &&
        typeof body.error_msg === 'string' &&
        body.error_msg.startsWith('Incorrect IAM authentication information: ') &&
        /^[0-9a-f]{32}$/.test(String(res.headers['x-request-id']))
    if (!refused) through.push(`${t.what}: ${res.statusCode} ${res.body.slice(0, 120)}`)
    else if (snapshot() !== last) through.push(`${t.what}: refused, but the data changed`)
    last = snapshot()
  }
  expect(through, 'tampered copies not refused with 401').toEqual([])
  expect(list.length).toBeGreaterThan(30)
  expect(await view(s.reads)).toEqual(seen)
  expect(snapshot()).toBe(before)
  const original = await send(signed(s.genuine))
  expect(original.statusCode, original.body).toBe(s.accepted)
}

const createJson = (name: string) => JSON.stringify({ chart_id: TEST_CHART_ID, name, namespace: 'default', version: '1.0.0', values: { imageTag: 'v1' } })
const upgradeJson = (tag: string) => JSON.stringify({ chart_id: TEST_CHART_ID, action: 'upgrade', parameters: {}, values: { imageTag: tag } })

describe('verify mode: every part of a signed request is covered', () => {
  it('create: a captured POST /releases, tampered part by part, creates nothing', async () => {
    await build()
    await expectAllRefused({
      genuine: { method: 'POST', url: `${CCE}/releases?client=ci&trace=abc`, body: createJson('r1') },
      methods: ['GET'],
      paths: ['/cce/cam/v3/clusters/c2/releases', '/autopilot/cam/v3/clusters/c1/releases'],
      swappedBody: createJson('evil'),
      reads: [`${CCE}/releases`, '/autopilot/cam/v3/clusters/c1/releases', '/cce/cam/v3/clusters/c2/releases'],
      accepted: 201,
    })
  })

  it('upgrade: a captured PUT, tampered part by part, neither upgrades nor deletes', async () => {
    await build()
    expect((await send(signed({ method: 'POST', url: `${CCE}/releases`, body: createJson('r1') }))).statusCode).toBe(201)
    expect((await send(signed({ method: 'POST', url: `${CCE}/releases`, body: createJson('r2') }))).statusCode).toBe(201)
    h!.clock.advance(60_000)
    expect((await send(signed({ method: 'GET', url: item('r1') }))).json().status).toBe('DEPLOYED')
    await expectAllRefused({
      genuine: { method: 'PUT', url: `${item('r1')}?show_resources=true&trace=abc`, body: upgradeJson('v2') },
      methods: ['GET', 'DELETE'],
      paths: [item('r2'), item('r1', CCE, 'other'), item('r1', '/cce/cam/v3/clusters/c2'), item('r1', '/autopilot/cam/v3/clusters/c1')],
      swappedBody: upgradeJson('evil'),
      reads: [`${CCE}/releases`, item('r1'), `${item('r1')}/history`, item('r2')],
      accepted: 200,
    })
  })

  it('chart upload signed over its body: tampered part by part, uploads nothing', async () => {
    await build()
    const genuine = chartUpload(await testChartPackage('2.0.0'))
    await expectAllRefused({
      genuine: { method: 'POST', url: '/v2/charts?trace=abc', body: genuine.payload, headers: genuine.headers },
      methods: ['GET'],
      paths: ['/autopilot/v2/charts'],
      swappedBody: chartUpload(await testChartPackage('6.6.6')).payload,
      reads: ['/v2/charts', '/autopilot/v2/charts'],
      accepted: 201,
    })
  })

  it('chart upload as the SDKs sign it (X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, signed): everything but the body is covered', async () => {
    await build()
    const genuine = chartUpload(await testChartPackage('2.0.0'))
    const headers = { ...genuine.headers, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }
    await expectAllRefused({
      genuine: { method: 'POST', url: '/v2/charts?trace=abc', body: genuine.payload, headers },
      methods: ['GET'],
      paths: ['/autopilot/v2/charts'],
      reads: ['/v2/charts', '/autopilot/v2/charts'],
      accepted: 201,
    })
  })
})

describe('verify mode: X-Sdk-Content-Sha256 counts only when it is signed', () => {
  it('a captured create replayed with another body and the old body hash in an unsigned X-Sdk-Content-Sha256 is refused', async () => {
    await build()
    const req: Wire = clone(signed({ method: 'POST', url: `${CCE}/releases`, body: createJson('r1') }))
    req.payload = createJson('evil')
    req.headers['x-sdk-content-sha256'] = sha256Hex(createJson('r1'))
    const res = await send(req)
    expect(res.statusCode, res.body).toBe(401)
    expect(res.json()).toMatchObject({ error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: verify aksk signature fail' })
    expect(await view([`${CCE}/releases`])).toEqual([[]])
  })

  it('a captured upgrade replayed with the attacker’s values that way stores nothing', async () => {
    await build()
    expect((await send(signed({ method: 'POST', url: `${CCE}/releases`, body: createJson('r1') }))).statusCode).toBe(201)
    h!.clock.advance(60_000)
    const before = await view([item('r1'), `${item('r1')}/history`])
    const req: Wire = clone(signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') }))
    req.payload = upgradeJson('evil')
    req.headers['x-sdk-content-sha256'] = sha256Hex(upgradeJson('v2'))
    expect((await send(req)).statusCode).toBe(401)
    expect(await view([item('r1'), `${item('r1')}/history`])).toEqual(before)
    expect(JSON.stringify(before)).not.toContain('evil')
  })

  it('a signed UNSIGNED-PAYLOAD leaves the body uncovered (the SDKs’ choice for uploads), so the upload is read as sent', async () => {
    await build()
    const genuine = chartUpload(await testChartPackage('2.0.0'))
    const req: Wire = clone(signed({ method: 'POST', url: '/v2/charts', body: genuine.payload, headers: { ...genuine.headers, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } }))
    req.payload = chartUpload(await testChartPackage('2.0.1')).payload
    const res = await send(req)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ version: '2.0.1' })
  })
})
