/**
 * Server-side verifier for Huawei Cloud's `SDK-HMAC-SHA256` AK/SK request signing, the scheme the
 * Python, Go and Java SDKs use by default (spec: huawei-sdk-wire.md §1). Pure: no HTTP framework,
 * no clock, no key store; the caller passes the request as received plus `now` and a key lookup.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const SDK_HMAC_SHA256 = 'SDK-HMAC-SHA256'
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
/** Lower-cased, as headers are compared. */
export const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256'
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
/** The real API gateway refuses an X-Sdk-Date more than 15 minutes from its clock, either way (§1.4). */
export const DEFAULT_MAX_SKEW_MS = 15 * 60_000

export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'unsupported_algorithm'

export type VerifyResult =
  | { ok: true; accessKey: string }
  | { ok: false; reason: AuthFailureReason; message: string }

export type HeaderMap = Record<string, string | string[] | undefined>

export interface ParsedAuthorization {
  algorithm: string
  accessKey: string
  signedHeaders: string[]
  signature: string
}

// ---------------------------------------------------------------------------------------------
// Gateway error texts. Auth failures are answered by Huawei's API gateway, not by CCE, so they use
// the gateway's code and message style rather than the CCE catalogue.
// ---------------------------------------------------------------------------------------------

export const AUTH_ERROR_STATUS = 401
/** Every IAM (AK/SK or token) authentication failure at the gateway uses this code (§1.4, §6). */
export const APIGW_IAM_AUTH_ERROR_CODE = 'APIGW.0301'

const IAM_PREFIX = 'Incorrect IAM authentication information: '

export const APIGW_MESSAGES = {
  /** Verbatim from the spec (§1.4, §6): wrong SK, tampered request, or any signature mismatch. */
  badSignature: `${IAM_PREFIX}verify aksk signature fail`,
  /**
   * Not in the spec. Huawei's API-signing FAQ ("Common Errors Related to IAM Authentication
   * Information", support.huaweicloud.com .../devg-apisign/api-sign-0001.html) documents this text
   * under APIGW.0301 for an AK that does not exist.
   */
  unknownKey: (ak: string): string => `${IAM_PREFIX}Get secretKey failed,ak:${ak},err:ak not exist`,
  /**
   * The spec only cites the *app*-auth form (`APIG.0303` "Incorrect app authentication information:
   * signature expired, signature time:…,server time:…"). CCE endpoints use IAM auth, so we keep the
   * IAM code APIGW.0301 and the IAM wording Huawei documents for this case ("calc ak sk signature
   * fail:signature expired"), with the app-auth form's time details appended to help debugging.
   */
  expired: (signed: string, server: string): string =>
    `${IAM_PREFIX}calc ak sk signature fail:signature expired, signature time:${signed},server time:${server}`,
  /**
   * Not in the spec, and no Huawei page found for it: a request without credentials. The wording
   * follows the gateway's token path (an IAM-auth API with neither AK/SK nor token). Our choice.
   */
  missing: `${IAM_PREFIX}x-auth-token not found`,
  /**
   * Not in the spec: an X-Auth-Token the emulator does not know. The wording is the gateway's
   * text for a token it cannot decode, as users commonly report it under APIGW.0301. Our choice.
   */
  badToken: `${IAM_PREFIX}decrypt token fail`,
  /** Our choice: the gateway's signature-failure text plus what was wrong, as the real one appends detail. */
  malformed: (detail: string): string => `${IAM_PREFIX}verify aksk signature fail, ${detail}`,
  unsupportedAlgorithm: (alg: string): string =>
    `${IAM_PREFIX}verify aksk signature fail, unsupported signing algorithm ${alg}`,
} as const

/** The JSON error body the wire layer should send (with status 401 and an X-Request-Id header). */
export function authErrorBody(failure: { message: string }): { error_code: string; error_msg: string } {
  return { error_code: APIGW_IAM_AUTH_ERROR_CODE, error_msg: failure.message }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/**
 * Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`. Returns null unless
 * all three fields are present and non-empty; the algorithm is returned as sent so the caller can
 * tell an unsupported scheme from garbage.
 */
export function parseAuthorization(header: string): ParsedAuthorization | null {
  const trimmed = header.trim()
  const space = trimmed.indexOf(' ')
  if (space <= 0) return null
  const algorithm = trimmed.slice(0, space)
  const fields = new Map<string, string>()
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq <= 0) return null
    const key = part.slice(0, eq).trim()
    if (fields.has(key)) return null
    fields.set(key, part.slice(eq + 1).trim())
  }
  const accessKey = fields.get('Access')
  const signed = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (!accessKey || !signed || !signature) return null
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase())
  if (signedHeaders.some((h) => h === '')) return null
  return { algorithm, accessKey, signedHeaders, signature }
}

/** Parses the basic ISO-8601 `YYYYMMDDTHHMMSSZ` form; null for anything else, including 20240230. */
export function parseSdkDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  const roundTrips =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  return roundTrips ? date : null
}

export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
}

// ---------------------------------------------------------------------------------------------
// Canonicalisation (§1.3)
// ---------------------------------------------------------------------------------------------

const HEX = '0123456789ABCDEF'

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e // - _ . ~
  )
}

function encodeBytes(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`
  return out
}

/** UTF-8 percent-encoding with the SDKs' unreserved set `A-Za-z0-9-_.~` and upper-case hex. */
export function sdkEncode(s: string): string {
  return encodeBytes(Buffer.from(s, 'utf8'))
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/**
 * Lenient percent-decoding to bytes: a malformed escape such as `%zz` is kept literally, as
 * Python's `unquote` does, instead of throwing like `decodeURIComponent`.
 */
function percentDecode(s: string, plusIsSpace: boolean): Buffer {
  const src = Buffer.from(s, 'utf8')
  const out: number[] = []
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexVal(src[i + 1] as number)
      const lo = hexVal(src[i + 2] as number)
      if (hi >= 0 && lo >= 0) {
        out.push(hi * 16 + lo)
        i += 2
        continue
      }
    }
    out.push(plusIsSpace && c === 0x2b ? 0x20 : c)
  }
  return Buffer.from(out)
}

/**
 * Decode, split on `/` (so an encoded `%2F` becomes a separator, as in every SDK), re-encode each
 * segment, and always end with `/`. Working on bytes keeps non-UTF-8 escapes byte-exact, as Go does.
 */
export function canonicalUri(rawPath: string): string {
  const decoded = percentDecode(rawPath, false)
  const segments: string[] = []
  let start = 0
  for (let i = 0; i <= decoded.length; i++) {
    if (i === decoded.length || decoded[i] === 0x2f) {
      segments.push(encodeBytes(decoded.subarray(start, i)))
      start = i + 1
    }
  }
  const joined = segments.join('/')
  return joined.endsWith('/') ? joined : `${joined}/`
}

/**
 * Mirrors Python's `parse_qsl(keep_blank_values=True)` then sort: `+` is a space, a bare `k` is
 * `k=` (Go sends empty values that way), empty pieces are dropped, and pairs sort by (key, value).
 * Sorting compares UTF-8 bytes, which orders by code point exactly as Python compares strings.
 */
export function canonicalQuery(rawQuery: string): string {
  const q = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery
  const pairs: Array<[Buffer, Buffer]> = []
  for (const piece of q.split('&')) {
    if (piece === '') continue
    const eq = piece.indexOf('=')
    const k = eq < 0 ? piece : piece.slice(0, eq)
    const v = eq < 0 ? '' : piece.slice(eq + 1)
    pairs.push([percentDecode(k, true), percentDecode(v, true)])
  }
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]))
  return pairs.map(([k, v]) => `${encodeBytes(k)}=${encodeBytes(v)}`).join('&')
}

/** Lower-cased names; repeated headers are joined with `,` as HTTP folds them. */
export function normalizeHeaders(headers: HeaderMap): Map<string, string> {
  const out = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const v = Array.isArray(value) ? value.join(',') : value
    const key = name.toLowerCase()
    const prev = out.get(key)
    out.set(key, prev === undefined ? v : `${prev},${v}`)
  }
  return out
}

export interface CanonicalRequestInput {
  method: string
  rawPath: string
  rawQuery: string
  headers: HeaderMap
  /** As listed in the request's own Authorization header; never a fixed set (SDKs differ, §1.2). */
  signedHeaders: string[]
  bodyHash: string
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const h = normalizeHeaders(input.headers)
  const names = input.signedHeaders.map((n) => n.toLowerCase())
  // A signed header that is absent canonicalises to an empty value, as in the reference recipe (§1.5).
  const canonicalHeaders = names.map((n) => `${n}:${(h.get(n) ?? '').trim()}\n`).join('')
  return [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalQuery(input.rawQuery),
    canonicalHeaders,
    names.join(';'),
    input.bodyHash,
  ].join('\n')
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SDK_HMAC_SHA256}\n${sdkDate}\n${sha256Hex(canonical)}`
}

export function sign(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign, 'utf8').digest('hex')
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

export interface VerifyInput {
  method: string
  /** Path and query exactly as received (request line target), before any router decoding. */
  url: string
  headers: HeaderMap
  /**
   * The body bytes as received; null when a body was sent but deliberately not read, which only
   * a signed `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` allows (see payloadClaim).
   */
  body: Buffer | null
  now: Date
  lookupSecret: (ak: string) => string | undefined
  maxSkewMs?: number
}

function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  // An absolute-form target (`http://host/path`) is legal on the wire; signing covers only the path.
  const withoutOrigin = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  const hash = withoutOrigin.indexOf('#')
  const target = hash < 0 ? withoutOrigin : withoutOrigin.slice(0, hash)
  const q = target.indexOf('?')
  const rawPath = q < 0 ? target : target.slice(0, q)
  return { rawPath: rawPath === '' ? '/' : rawPath, rawQuery: q < 0 ? '' : target.slice(q + 1) }
}

/**
 * What stands for the body in the canonical request (§1.3). `X-Sdk-Content-Sha256` counts only
 * when it is itself a signed header (the SDKs sign it whenever they send it, §1.3): an unsigned
 * one can be set by anyone holding a captured request, so the bytes received are hashed instead.
 *
 *   body      hash the body bytes
 *   unsigned  signed `UNSIGNED-PAYLOAD` (multipart chart uploads): the body is not covered
 *   declared  a signed hex digest: stands in for the body hash, and the body must still match it
 *   invalid   signed, but neither of those: refused rather than taken as an opaque hash
 */
export type PayloadClaim =
  | { kind: 'body' }
  | { kind: 'unsigned'; value: string }
  | { kind: 'declared'; value: string }
  | { kind: 'invalid' }

function claimOf(h: Map<string, string>, signedHeaders: readonly string[]): PayloadClaim {
  if (!signedHeaders.includes(CONTENT_SHA256_HEADER)) return { kind: 'body' }
  const value = (h.get(CONTENT_SHA256_HEADER) ?? '').trim()
  if (value === UNSIGNED_PAYLOAD) return { kind: 'unsigned', value }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: 'declared', value }
  return { kind: 'invalid' }
}

/** The claim a request makes, read from its own Authorization header; `body` when that is unreadable. */
export function payloadClaim(headers: HeaderMap): PayloadClaim {
  const h = normalizeHeaders(headers)
  const auth = parseAuthorization(h.get('authorization') ?? '')
  return claimOf(h, auth?.signedHeaders ?? [])
}

/**
 * Candidate payload hashes; none when the body cannot be vouched for. With an empty body the SDKs
 * disagree about a signed header: Python still hashes the empty body, Go and Java use the header
 * value (§1.3), so both are accepted there. `body` null means a body was sent but not read, which
 * only an `unsigned` claim allows.
 */
function payloadHashes(claim: PayloadClaim, body: Buffer | null): string[] {
  switch (claim.kind) {
    case 'body':
      return body === null ? [] : [sha256Hex(body)]
    case 'unsigned':
      return body !== null && body.length === 0 ? [EMPTY_BODY_SHA256, claim.value] : [claim.value]
    case 'declared':
      return body !== null && sha256Hex(body) === claim.value.toLowerCase() ? [claim.value] : []
    case 'invalid':
      return []
  }
}

function safeEqualHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(received.toLowerCase(), 'utf8')
  // timingSafeEqual needs equal lengths; comparing against itself keeps the timing uniform.
  if (a.length !== b.length) {
    timingSafeEqual(a, a)
    return false
  }
  return timingSafeEqual(a, b)
}

function fail(reason: AuthFailureReason, message: string): VerifyResult {
  return { ok: false, reason, message }
}

export function verifySignature(input: VerifyInput): VerifyResult {
  const h = normalizeHeaders(input.headers)
  const authorization = h.get('authorization')?.trim()
  if (!authorization) return fail('missing', APIGW_MESSAGES.missing)

  const algorithm = authorization.split(/\s/, 1)[0] ?? ''
  if (algorithm !== SDK_HMAC_SHA256) return fail('unsupported_algorithm', APIGW_MESSAGES.unsupportedAlgorithm(algorithm))

  const auth = parseAuthorization(authorization)
  if (!auth) return fail('malformed', APIGW_MESSAGES.malformed('malformed Authorization header'))
  if (!/^[0-9a-fA-F]{64}$/.test(auth.signature)) {
    return fail('malformed', APIGW_MESSAGES.malformed('signature is not 64 hex digits'))
  }
  // Without a signed date the signature could be replayed forever.
  if (!auth.signedHeaders.includes('x-sdk-date')) {
    return fail('malformed', APIGW_MESSAGES.malformed('x-sdk-date is not a signed header'))
  }
  const sdkDate = h.get('x-sdk-date')?.trim() ?? ''
  const signedAt = parseSdkDate(sdkDate)
  if (!signedAt) return fail('malformed', APIGW_MESSAGES.malformed('X-Sdk-Date missing or not YYYYMMDDTHHMMSSZ'))

  const maxSkew = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > maxSkew) {
    return fail('expired', APIGW_MESSAGES.expired(sdkDate, formatSdkDate(input.now)))
  }

  const secret = input.lookupSecret(auth.accessKey)
  if (secret === undefined) return fail('unknown_key', APIGW_MESSAGES.unknownKey(auth.accessKey))

  const claim = claimOf(h, auth.signedHeaders)
  if (claim.kind === 'invalid') {
    return fail('malformed', APIGW_MESSAGES.malformed('X-Sdk-Content-Sha256 is neither UNSIGNED-PAYLOAD nor a hex SHA-256'))
  }
  const { rawPath, rawQuery } = splitUrl(input.url)
  for (const bodyHash of payloadHashes(claim, input.body)) {
    const canonical = canonicalRequest({
      method: input.method,
      rawPath,
      rawQuery,
      headers: input.headers,
      signedHeaders: auth.signedHeaders,
      bodyHash,
    })
    if (safeEqualHex(sign(secret, stringToSign(sdkDate, canonical)), auth.signature)) {
      return { ok: true, accessKey: auth.accessKey }
    }
  }
  return fail('bad_signature', APIGW_MESSAGES.badSignature)
}
