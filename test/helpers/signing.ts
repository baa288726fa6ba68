/** Requests signed here exactly as the Huawei SDKs sign them (spec huawei-sdk-wire.md §1), for app.inject. */
import { canonicalRequest, formatSdkDate, sha256Hex, sign, stringToSign } from '../../src/auth/signature.js'

export const SIGNING_HOST = '127.0.0.1:8080'
export const PY_SIGNED = ['content-type', 'host', 'user-agent', 'x-project-id', 'x-sdk-date']
export const GO_SIGNED = ['user-agent', 'x-project-id', 'x-sdk-date']

export interface SignOptions {
  method: string
  url: string
  body?: string | Buffer
  /** Merged over the Python SDK's usual set; `x-sdk-content-sha256` here is signed, as every SDK does. */
  headers?: Record<string, string>
  ak: string
  sk: string
  projectId: string
  date: Date
  /** Default: the Python SDK's set. Only names present in the headers are signed (host always). */
  signedHeaders?: string[]
}

export interface SignedRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

export function signRequest(o: SignOptions): SignedRequest {
  const date = formatSdkDate(o.date)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: SIGNING_HOST,
    'user-agent': 'huaweicloud-usdk-python/3.0; test',
    'x-project-id': o.projectId,
    'x-sdk-date': date,
    ...o.headers,
  }
  const wanted = new Set([...(o.signedHeaders ?? PY_SIGNED), 'x-sdk-content-sha256'])
  const names = [...wanted].filter((n) => n in headers || n === 'host').sort()
  const q = o.url.indexOf('?')
  const declared = headers['x-sdk-content-sha256']
  const body = o.body === undefined ? Buffer.alloc(0) : Buffer.from(o.body)
  const canonical = canonicalRequest({
    method: o.method,
    rawPath: q < 0 ? o.url : o.url.slice(0, q),
    rawQuery: q < 0 ? '' : o.url.slice(q + 1),
    headers,
    signedHeaders: names,
    bodyHash: declared !== undefined && body.length > 0 ? declared : sha256Hex(body),
  })
  const signature = sign(o.sk, stringToSign(date, canonical))
  headers.authorization = `SDK-HMAC-SHA256 Access=${o.ak}, SignedHeaders=${names.join(';')}, Signature=${signature}`
  return { method: o.method, url: o.url, headers, ...(o.body === undefined ? {} : { payload: o.body }) }
}
