import { describe, expect, it } from 'vitest'
import {
  APIGW_IAM_AUTH_ERROR_CODE,
  APIGW_MESSAGES,
  EMPTY_BODY_SHA256,
  authErrorBody,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  payloadClaim,
  sha256Hex,
  sign,
  stringToSign,
  verifySignature,
  type HeaderMap,
  type VerifyInput,
} from '../../src/auth/signature.js'

// Vectors from huawei-sdk-wire.md §1.6. (a) are the Go SDK's own signer_test.go cases;
// (b) were produced by the Python SDK's Signer for CCE-shaped requests.

interface Vector {
  name: string
  method: string
  url: string
  headers: HeaderMap
  body: string
  ak: string
  sk: string
  authorization: string
  canonical?: string
  canonicalHash?: string
  payloadHash?: string
}

const goHeaders = (extra: HeaderMap = {}): HeaderMap => ({
  host: 'example.huaweicloud.com',
  'x-sdk-date': '20060102T150405Z',
  test_underscore: 'TEST_VALUE',
  ...extra,
})

const cceHeaders = (extra: HeaderMap = {}): HeaderMap => ({
  'content-type': 'application/json',
  host: '127.0.0.1:8080',
  'user-agent': 'huaweicloud-usdk-python/3.0',
  'x-project-id': '0123456789abcdef0123456789abcdef',
  'x-sdk-date': '20240102T030405Z',
  ...extra,
})

const PY_SIGNED = 'content-type;host;user-agent;x-project-id;x-sdk-date'
const CCE_CREATE_BODY = '{"chart_id":"ch-1","name":"r1","namespace":"default","version":"1.0.0"}'

const vectors: Vector[] = [
  {
    name: 'Go official case 1: GET /path?limit=1',
    method: 'GET',
    url: '/path?limit=1',
    headers: goHeaders(),
    body: '',
    ak: 'AccessKey',
    sk: 'SecretKey',
    authorization:
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    canonical: [
      'GET',
      '/path/',
      'limit=1',
      'x-sdk-date:20060102T150405Z',
      '',
      'x-sdk-date',
      EMPTY_BODY_SHA256,
    ].join('\n'),
    canonicalHash: '85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4',
  },
  {
    name: 'Go official case 2: POST /path?key=value with trailing-newline JSON',
    method: 'POST',
    url: '/path?key=value',
    headers: goHeaders({ 'content-type': 'application/json' }),
    body: '{"Name":"test","Id":1}\n',
    ak: 'AccessKey',
    sk: 'SecretKey',
    authorization:
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
  },
  {
    name: 'CCE Python case 1: GET list releases with chart_id and namespace',
    method: 'GET',
    url: '/cce/cam/v3/clusters/c1/releases?chart_id=ch-1&namespace=default',
    headers: cceHeaders(),
    body: '',
    ak: 'AKEXAMPLE',
    sk: 'SKEXAMPLE',
    authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=${PY_SIGNED}, Signature=cc08e048bdcb6834056b706ff1de417bdb49a3f2cfc0c1db41f71819fb636945`,
    canonical: [
      'GET',
      '/cce/cam/v3/clusters/c1/releases/',
      'chart_id=ch-1&namespace=default',
      'content-type:application/json',
      'host:127.0.0.1:8080',
      'user-agent:huaweicloud-usdk-python/3.0',
      'x-project-id:0123456789abcdef0123456789abcdef',
      'x-sdk-date:20240102T030405Z',
      '',
      PY_SIGNED,
      EMPTY_BODY_SHA256,
    ].join('\n'),
    canonicalHash: 'c328c64dc8ed4e5acbd3f8c75f65afe7f4f0eb1fad1e14534f367e4cb3a8edd7',
  },
  {
    name: 'CCE Python case 2: POST create release',
    method: 'POST',
    url: '/cce/cam/v3/clusters/c1/releases',
    headers: cceHeaders({ 'content-length': String(Buffer.byteLength(CCE_CREATE_BODY)) }),
    body: CCE_CREATE_BODY,
    ak: 'AKEXAMPLE',
    sk: 'SKEXAMPLE',
    authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=${PY_SIGNED}, Signature=32b7a57965c2698bc10f7b9288ebbad299fba423b1b3db6fa7674a2f6976d36c`,
    payloadHash: '943a08f8edd3c1160a6c57acb8f8287b1ca1f6068cd6b3e6264216c13d565467',
    canonicalHash: '3b598ceb9bbef56bf77cfc01e37e5360d8f1604af0711d6105542d0d403a436f',
  },
]

const NOW_BY_AK: Record<string, Date> = {
  AccessKey: new Date('2006-01-02T15:04:05Z'),
  AKEXAMPLE: new Date('2024-01-02T03:04:05Z'),
}

function inputFor(v: Vector, overrides: Partial<VerifyInput> = {}): VerifyInput {
  return {
    method: v.method,
    url: v.url,
    headers: { ...v.headers, authorization: v.authorization },
    body: Buffer.from(v.body, 'utf8'),
    now: NOW_BY_AK[v.ak] ?? new Date(),
    lookupSecret: (ak) => (ak === v.ak ? v.sk : undefined),
    ...overrides,
  }
}

function canonicalOf(v: Vector): string {
  const parsed = parseAuthorization(v.authorization)
  if (!parsed) throw new Error('vector authorization does not parse')
  const [rawPath, rawQuery = ''] = v.url.split('?')
  return canonicalRequest({
    method: v.method,
    rawPath: rawPath ?? '',
    rawQuery,
    headers: v.headers,
    signedHeaders: parsed.signedHeaders,
    bodyHash: sha256Hex(Buffer.from(v.body, 'utf8')),
  })
}

describe('§1.6 signing vectors', () => {
  it.each(vectors)('$name verifies', (v) => {
    expect(verifySignature(inputFor(v))).toEqual({ ok: true, accessKey: v.ak })
  })

  it.each(vectors.filter((v) => v.canonical))('$name: canonical request text', (v) => {
    expect(canonicalOf(v)).toBe(v.canonical)
  })

  it.each(vectors.filter((v) => v.canonicalHash))('$name: canonical request hash', (v) => {
    expect(sha256Hex(canonicalOf(v))).toBe(v.canonicalHash)
  })

  it.each(vectors.filter((v) => v.payloadHash))('$name: payload hash', (v) => {
    expect(sha256Hex(Buffer.from(v.body, 'utf8'))).toBe(v.payloadHash)
  })

  it('Go case 1 string-to-sign and signature', () => {
    const v = vectors[0] as Vector
    const sts = stringToSign('20060102T150405Z', canonicalOf(v))
    expect(sts).toBe('SDK-HMAC-SHA256\n20060102T150405Z\n85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4')
    expect(sign('SecretKey', sts)).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624')
  })

  it('Go case 2 fails without the trailing newline (the body is hashed as sent)', () => {
    const v = vectors[1] as Vector
    const r = verifySignature(inputFor(v, { body: Buffer.from('{"Name":"test","Id":1}') }))
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' })
  })

  it('Go official canonical query string', () => {
    // Same parameters as signer_test.go, deliberately shuffled and encoded differently on the wire.
    const raw =
      'test=%E4%B8%80+(%26%3D%3F!%23%25.*)&multi=3&path=/tmp/123&multi=1&limit=1&enable=true&multi=2'
    expect(canonicalQuery(raw)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    )
  })
})

describe('canonicalisation details (§1.3)', () => {
  it.each([
    ['Python-encoded path params', '/cce/cam/v3/clusters/c1/namespace/de%3Af/releases/r~1%2A'],
    ['Go raw path params', '/cce/cam/v3/clusters/c1/namespace/de:f/releases/r~1%2A'],
    ['Go raw path params, literal *', '/cce/cam/v3/clusters/c1/namespace/de:f/releases/r~1*'],
  ])('%s canonicalise identically', (_name, path) => {
    expect(canonicalUri(path)).toBe('/cce/cam/v3/clusters/c1/namespace/de%3Af/releases/r~1%2A/')
  })

  it('keeps a trailing slash and the root', () => {
    expect(canonicalUri('/')).toBe('/')
    expect(canonicalUri('/a/b/')).toBe('/a/b/')
    expect(canonicalUri('/a%20b/%E4%B8%80')).toBe('/a%20b/%E4%B8%80/')
    expect(canonicalUri('/bad%zzescape')).toBe('/bad%25zzescape/')
  })

  it('treats a bare key as k= and drops empty pieces', () => {
    expect(canonicalQuery('b&a=1&&c=')).toBe('a=1&b=&c=')
    expect(canonicalQuery('')).toBe('')
  })

  it('lower-cases header names and trims values', () => {
    const cr = canonicalRequest({
      method: 'get',
      rawPath: '/x',
      rawQuery: '',
      headers: { 'X-Sdk-Date': '  20240102T030405Z ', Host: 'h:1' },
      signedHeaders: ['host', 'x-sdk-date'],
      bodyHash: EMPTY_BODY_SHA256,
    })
    expect(cr).toBe(`GET\n/x/\n\nhost:h:1\nx-sdk-date:20240102T030405Z\n\nhost;x-sdk-date\n${EMPTY_BODY_SHA256}`)
  })

  it('parses and rejects X-Sdk-Date values', () => {
    expect(parseSdkDate('20240102T030405Z')?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
    expect(parseSdkDate('20240230T000000Z')).toBeNull()
    expect(parseSdkDate('2024-01-02T03:04:05Z')).toBeNull()
    expect(formatSdkDate(new Date('2024-01-02T03:04:05.678Z'))).toBe('20240102T030405Z')
  })

  it('parses the Authorization header', () => {
    expect(parseAuthorization(vectors[2]?.authorization ?? '')).toEqual({
      algorithm: 'SDK-HMAC-SHA256',
      accessKey: 'AKEXAMPLE',
      signedHeaders: PY_SIGNED.split(';'),
      signature: 'cc08e048bdcb6834056b706ff1de417bdb49a3f2cfc0c1db41f71819fb636945',
    })
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK, Signature=ab')).toBeNull()
    expect(parseAuthorization('garbage')).toBeNull()
  })
})

/** Signs with this module's own primitives; trusted because the vectors above pin them. */
function signRequest(
  req: { method: string; url: string; headers: HeaderMap; body: string },
  ak: string,
  sk: string,
  signedHeaders: string[],
  bodyHash = sha256Hex(Buffer.from(req.body, 'utf8')),
): HeaderMap {
  const [rawPath = '', rawQuery = ''] = req.url.split('?')
  const cr = canonicalRequest({ method: req.method, rawPath, rawQuery, headers: req.headers, signedHeaders, bodyHash })
  const date = String(req.headers['x-sdk-date'])
  const sig = sign(sk, stringToSign(date, cr))
  return {
    ...req.headers,
    authorization: `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`,
  }
}

describe('refusals', () => {
  const list = vectors[2] as Vector
  const create = vectors[3] as Vector
  const now = new Date('2024-01-02T03:04:05Z')

  function resigned(date: Date): VerifyInput {
    const headers = cceHeaders({ 'x-sdk-date': formatSdkDate(date) })
    const req = { method: 'GET', url: list.url, headers, body: '' }
    return { ...inputFor(list), headers: signRequest(req, 'AKEXAMPLE', 'SKEXAMPLE', PY_SIGNED.split(';')), now }
  }

  type Case = [name: string, input: VerifyInput, reason: string]
  const cases: Case[] = [
    ['tampered body', inputFor(create, { body: Buffer.from(CCE_CREATE_BODY.replace('r1', 'r2')) }), 'bad_signature'],
    ['tampered path', inputFor(list, { url: '/cce/cam/v3/clusters/c2/releases?chart_id=ch-1&namespace=default' }), 'bad_signature'],
    ['tampered query', inputFor(list, { url: '/cce/cam/v3/clusters/c1/releases?chart_id=ch-1&namespace=kube-system' }), 'bad_signature'],
    ['added query param', inputFor(list, { url: `${list.url}&x=1` }), 'bad_signature'],
    ['tampered method', inputFor(list, { method: 'DELETE' }), 'bad_signature'],
    [
      'tampered signed header (X-Project-Id)',
      inputFor(list, { headers: { ...list.headers, 'x-project-id': 'ffffffffffffffffffffffffffffffff', authorization: list.authorization } }),
      'bad_signature',
    ],
    [
      'tampered Host (signed by Python)',
      inputFor(list, { headers: { ...list.headers, host: '127.0.0.1:9090', authorization: list.authorization } }),
      'bad_signature',
    ],
    ['wrong secret', inputFor(list, { lookupSecret: () => 'NOT-THE-SECRET' }), 'bad_signature'],
    ['unknown access key', inputFor(list, { lookupSecret: () => undefined }), 'unknown_key'],
    ['stale date (16 min old)', resigned(new Date(now.getTime() - 16 * 60_000)), 'expired'],
    ['future date (16 min ahead)', resigned(new Date(now.getTime() + 16 * 60_000)), 'expired'],
    [
      'x-sdk-date not in SignedHeaders',
      inputFor(list, {
        headers: signRequest(
          { method: 'GET', url: list.url, headers: cceHeaders(), body: '' },
          'AKEXAMPLE',
          'SKEXAMPLE',
          ['content-type', 'host', 'user-agent', 'x-project-id'],
        ),
      }),
      'malformed',
    ],
    [
      'X-Sdk-Date header absent',
      inputFor(list, { headers: { ...cceHeaders({ 'x-sdk-date': undefined }), authorization: list.authorization } }),
      'malformed',
    ],
    [
      'X-Sdk-Date not basic ISO-8601',
      inputFor(list, { headers: { ...cceHeaders({ 'x-sdk-date': '2024-01-02T03:04:05Z' }), authorization: list.authorization } }),
      'malformed',
    ],
    ['malformed Authorization', inputFor(list, { headers: { ...list.headers, authorization: 'SDK-HMAC-SHA256 Access=AKEXAMPLE' } }), 'malformed'],
    [
      'non-hex signature',
      inputFor(list, { headers: { ...list.headers, authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=${PY_SIGNED}, Signature=xyz` } }),
      'malformed',
    ],
    ['missing Authorization', inputFor(list, { headers: list.headers }), 'missing'],
    ['empty Authorization', inputFor(list, { headers: { ...list.headers, authorization: '' } }), 'missing'],
    [
      'V11 derived signing',
      inputFor(list, { headers: { ...list.headers, authorization: 'V11-HMAC-SHA256 Credential=AK/20240102/r/cce, SignedHeaders=x-sdk-date, Signature=00' } }),
      'unsupported_algorithm',
    ],
    ['token-style Authorization', inputFor(list, { headers: { ...list.headers, authorization: 'Bearer abc' } }), 'unsupported_algorithm'],
  ]

  it.each(cases)('%s → %s', (_name, input, reason) => {
    const r = verifySignature(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.reason).toBe(reason)
      expect(r.message).toMatch(/^Incorrect IAM authentication information: /)
    }
  })

  it('accepts a date just inside the window and honours maxSkewMs', () => {
    expect(verifySignature(resigned(new Date(now.getTime() - 14 * 60_000))).ok).toBe(true)
    expect(verifySignature({ ...resigned(new Date(now.getTime() - 60_000)), maxSkewMs: 30_000 })).toMatchObject({
      ok: false,
      reason: 'expired',
    })
  })

  it('accepts an upper-case hex signature', () => {
    const upper = list.authorization.replace(/Signature=(\w+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`)
    expect(verifySignature(inputFor(list, { headers: { ...list.headers, authorization: upper } })).ok).toBe(true)
  })
})

describe('X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD (multipart uploads)', () => {
  const headers = cceHeaders({
    'content-type': 'multipart/form-data; boundary=abc',
    'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
  })
  const signed = [...PY_SIGNED.split(';'), 'x-sdk-content-sha256'].sort()
  const now = new Date('2024-01-02T03:04:05Z')
  const base = (body: string, bodyHash: string): VerifyInput => ({
    method: 'POST',
    url: '/v2/charts',
    headers: signRequest({ method: 'POST', url: '/v2/charts', headers, body }, 'AKEXAMPLE', 'SKEXAMPLE', signed, bodyHash),
    body: Buffer.from(body),
    now,
    lookupSecret: () => 'SKEXAMPLE',
  })

  it('uses the literal instead of the body hash for a non-empty body', () => {
    const input = base('--abc\r\nbinary chart bytes\r\n--abc--\r\n', 'UNSIGNED-PAYLOAD')
    expect(verifySignature(input).ok).toBe(true)
    expect(verifySignature({ ...input, body: Buffer.from('other bytes') }).ok).toBe(true)
  })

  it('rejects a non-empty body signed with its real hash when the header says UNSIGNED-PAYLOAD', () => {
    const body = 'payload'
    expect(verifySignature(base(body, sha256Hex(body))).ok).toBe(false)
  })

  it('accepts both the Python (empty hash) and Go/Java (literal) forms for an empty body', () => {
    expect(verifySignature(base('', EMPTY_BODY_SHA256)).ok).toBe(true)
    expect(verifySignature(base('', 'UNSIGNED-PAYLOAD')).ok).toBe(true)
  })

  it('a body sent but not read (null) passes only under a signed UNSIGNED-PAYLOAD, and never with the empty-body hash', () => {
    expect(verifySignature({ ...base('chart bytes', 'UNSIGNED-PAYLOAD'), body: null }).ok).toBe(true)
    // Signed over an empty body (Python's form): a body that was sent but not read is not that empty body.
    expect(verifySignature({ ...base('', EMPTY_BODY_SHA256), body: null }).ok).toBe(false)
    const plain = cceHeaders({ 'x-sdk-date': '20240102T030405Z' })
    const hashed: VerifyInput = {
      method: 'POST',
      url: '/v2/charts',
      headers: signRequest({ method: 'POST', url: '/v2/charts', headers: plain, body: 'x' }, 'AKEXAMPLE', 'SKEXAMPLE', PY_SIGNED.split(';')),
      body: null,
      now,
      lookupSecret: () => 'SKEXAMPLE',
    }
    expect(verifySignature(hashed).ok).toBe(false)
  })

  it('ignores the header when it is not a signed header: the body received is hashed, whatever the header says', () => {
    const body = '{"name":"r1"}'
    const forged = (value: string, received: string): VerifyInput => {
      const plain = cceHeaders({ 'x-sdk-date': '20240102T030405Z' })
      const headers = signRequest({ method: 'POST', url: '/v2/charts', headers: plain, body }, 'AKEXAMPLE', 'SKEXAMPLE', PY_SIGNED.split(';'))
      return { method: 'POST', url: '/v2/charts', headers: { ...headers, 'x-sdk-content-sha256': value }, body: Buffer.from(received), now, lookupSecret: () => 'SKEXAMPLE' }
    }
    expect(payloadClaim(forged(sha256Hex(body), body).headers)).toEqual({ kind: 'body' })
    expect(verifySignature(forged(sha256Hex(body), body)).ok).toBe(true)
    expect(verifySignature(forged(sha256Hex(body), '{"name":"r2"}'))).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(verifySignature(forged('UNSIGNED-PAYLOAD', '{"name":"r2"}'))).toMatchObject({ ok: false, reason: 'bad_signature' })
  })

  it('a signed hex digest stands in for the body hash only if the body matches it; any other signed value is refused', () => {
    const body = 'chart bytes'
    const withValue = (value: string, received: string): VerifyInput => ({
      ...base(body, value),
      headers: signRequest({ method: 'POST', url: '/v2/charts', headers: { ...headers, 'x-sdk-content-sha256': value }, body }, 'AKEXAMPLE', 'SKEXAMPLE', signed, value),
      body: Buffer.from(received),
    })
    expect(payloadClaim(withValue(sha256Hex(body), body).headers)).toEqual({ kind: 'declared', value: sha256Hex(body) })
    expect(verifySignature(withValue(sha256Hex(body), body)).ok).toBe(true)
    expect(verifySignature(withValue(sha256Hex(body), 'other bytes')).ok).toBe(false)
    expect(verifySignature({ ...withValue(sha256Hex(body), body), body: null }).ok).toBe(false)
    expect(verifySignature(withValue('STREAMING-PAYLOAD', body))).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringMatching(/X-Sdk-Content-Sha256/) })
  })
})

describe('gateway error texts', () => {
  it('uses APIGW.0301 with the documented signature-failure message', () => {
    expect(APIGW_IAM_AUTH_ERROR_CODE).toBe('APIGW.0301')
    expect(APIGW_MESSAGES.badSignature).toBe('Incorrect IAM authentication information: verify aksk signature fail')
    expect(authErrorBody({ message: APIGW_MESSAGES.badSignature })).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
    })
  })

  it('has distinct messages for expired, unknown key and missing credentials', () => {
    const texts = new Set([
      APIGW_MESSAGES.badSignature,
      APIGW_MESSAGES.expired('20240102T030405Z', '20240102T040405Z'),
      APIGW_MESSAGES.unknownKey('AK'),
      APIGW_MESSAGES.missing,
    ])
    expect(texts.size).toBe(4)
  })
})
