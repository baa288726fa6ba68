/**
 * Reads a chart upload (spec §2.6): multipart/form-data with the package in the file part
 * `content` and an optional text part `parameters` holding a JSON string. Parts may come in any
 * order (the SDKs send `parameters` first, Terraform the file first), the filename may carry a
 * path (only its base name is kept), and `parameters=""` (an old Terraform provider) means none.
 * The file is streamed by @fastify/multipart under the package size limit; going over it is a 413.
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart'
import type { FastifyRequest, RequestPayload } from 'fastify'
import type { UploadParameters } from '../../charts/chart-service.js'
import { ValidationError } from '../../errors.js'
import { WireError } from '../errors.js'

export interface ChartUpload {
  bytes: Buffer
  /** Base name of the file part's filename ('' when none was sent). */
  filename: string
  parameters: UploadParameters
}

/** Part limits beside the package size: one file, a handful of small text fields. */
export const UPLOAD_FIELD_LIMITS = { files: 1, fields: 8, parts: 16, fieldSize: 64 * 1024, fieldNameSize: 100, headerPairs: 100 } as const

const CONTENT = 'content'
const PARAMETERS = 'parameters'

declare module 'fastify' {
  interface FastifyRequest {
    /** A multipart body an earlier preParsing hook already read (see `keepBufferedUpload`). */
    bufferedUpload: Buffer | undefined
  }
}

/** How much a buffered upload may hold beyond the package: the other parts and the multipart framing. */
const FRAMING_BYTES = 64 * 1024

/**
 * A preParsing hook for the chart scope, after the gateway check. @fastify/multipart reads the
 * raw request, so when the gateway (verify mode, a signed upload without X-Sdk-Content-Sha256)
 * has already read the body to hash it, that raw stream is spent and only the replayed payload
 * holds the bytes: keep them for `readChartUpload`.
 */
export function keepBufferedUpload(maxPackageBytes: number) {
  return async (req: FastifyRequest, _reply: unknown, payload: RequestPayload): Promise<RequestPayload> => {
    // isMultipart() is only known after parsing; the header is what the parser will go by.
    if (payload === (req.raw as unknown) || !/^multipart\/form-data/i.test(String(req.headers['content-type'] ?? ''))) return payload
    const chunks: Buffer[] = []
    let total = 0
    for await (const chunk of payload) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      total += buf.length
      if (total > maxPackageBytes + FRAMING_BYTES) throw tooLarge(maxPackageBytes)
      chunks.push(buf)
    }
    req.bufferedUpload = Buffer.concat(chunks, total)
    return payload
  }
}

const tooLarge = (maxPackageBytes: number) =>
  new WireError(413, 'CCE.01400001', `Invalid request: content: the chart package exceeds ${maxPackageBytes} bytes`)

export async function readChartUpload(req: FastifyRequest, maxPackageBytes: number): Promise<ChartUpload> {
  if (req.isMultipart() && req.bufferedUpload !== undefined) return readBufferedUpload(req, req.bufferedUpload, maxPackageBytes)
  if (!req.isMultipart()) {
    throw new WireError(
      415,
      'CCE.01400006',
      'Content type not supported: upload the chart as multipart/form-data with the package in a file part named "content" (curl -F content=@mychart-1.0.0.tgz)',
    )
  }
  let bytes: Buffer | undefined
  let filename = ''
  let rawParameters: unknown
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === CONTENT && bytes === undefined) {
          bytes = await part.toBuffer()
          filename = baseName(part.filename ?? '')
        } else {
          await drain(part)
        }
      } else if (part.fieldname === CONTENT) {
        throw new ValidationError('"content" must be a file part holding the chart package (curl -F content=@mychart-1.0.0.tgz), not a text field', CONTENT)
      } else if (part.fieldname === PARAMETERS) {
        if ((part as MultipartValue).valueTruncated) throw new ValidationError(`is longer than ${UPLOAD_FIELD_LIMITS.fieldSize} bytes`, PARAMETERS)
        rawParameters = part.value
      }
      // Unknown text fields are ignored, as the real service ignores unknown keys.
    }
  } catch (err) {
    throw translateMultipartError(err, maxPackageBytes)
  }
  if (bytes === undefined) {
    throw new ValidationError('a chart package is required in the multipart file part "content"', CONTENT)
  }
  return { bytes, filename, parameters: parseParameters(rawParameters) }
}

/**
 * The same rules for a body already in memory, parsed by Node's own multipart parser (undici's
 * `Response.formData()`); it was bounded while being read.
 */
async function readBufferedUpload(req: FastifyRequest, body: Buffer, maxPackageBytes: number): Promise<ChartUpload> {
  let form: FormData
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData()
  } catch (err) {
    throw new WireError(400, 'CCE.01400001', `Invalid request: malformed multipart body: ${(err as Error).message}`)
  }
  const files = [...form.values()].filter((v) => typeof v !== 'string')
  if (files.length > UPLOAD_FIELD_LIMITS.files) throw new WireError(413, 'CCE.01400001', 'Invalid request: send exactly one file part ("content")')
  const content = form.get(CONTENT)
  if (content === null) throw new ValidationError('a chart package is required in the multipart file part "content"', CONTENT)
  if (typeof content === 'string') {
    throw new ValidationError('"content" must be a file part holding the chart package (curl -F content=@mychart-1.0.0.tgz), not a text field', CONTENT)
  }
  if (content.size > maxPackageBytes) throw tooLarge(maxPackageBytes)
  const parameters = form.get(PARAMETERS)
  if (typeof parameters === 'string' && Buffer.byteLength(parameters) > UPLOAD_FIELD_LIMITS.fieldSize) {
    throw new ValidationError(`is longer than ${UPLOAD_FIELD_LIMITS.fieldSize} bytes`, PARAMETERS)
  }
  return {
    bytes: Buffer.from(await content.arrayBuffer()),
    filename: baseName(content.name),
    parameters: parseParameters(typeof parameters === 'string' ? parameters : undefined),
  }
}

async function drain(part: MultipartFile): Promise<void> {
  part.file.resume()
  await new Promise<void>((resolve) => {
    if (part.file.readableEnded) return resolve()
    part.file.once('end', resolve)
    part.file.once('close', resolve)
  })
}

/** Keeps the last path segment of a client-side file name (`./charts/x.tgz`, `C:\tmp\x.tgz`). */
export function baseName(filename: string): string {
  return filename.replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? ''
}

function translateMultipartError(err: unknown, maxPackageBytes: number): unknown {
  const code = (err as { code?: string }).code
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(maxPackageBytes)
    case 'FST_FILES_LIMIT':
      return new WireError(413, 'CCE.01400001', 'Invalid request: send exactly one file part ("content")')
    // More text parts than the document's maxProperties: a malformed body (400), not a large one.
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new WireError(400, 'CCE.01400001', `Invalid request: too many form fields (at most ${UPLOAD_FIELD_LIMITS.fields})`)
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new ValidationError('is not valid JSON', PARAMETERS)
  }
  if (err instanceof Error && /multipart|boundary|part terminated|unexpected end/i.test(err.message) && !(err instanceof WireError)) {
    return new WireError(400, 'CCE.01400001', `Invalid request: malformed multipart body: ${err.message}`)
  }
  return err
}

const BOOLEAN_KEYS = { override: 'override', skip_lint: 'skipLint', visible: 'visible' } as const

/** The `parameters` JSON string; booleans may also arrive as "true"/"false" strings. */
export function parseParameters(raw: unknown): UploadParameters {
  if (raw === undefined || raw === null) return {}
  let parsed: unknown = raw
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {}
    try {
      parsed = JSON.parse(raw)
    } catch (err) {
      throw new ValidationError(`must be a JSON object string such as {"override":true}: ${(err as Error).message}`, PARAMETERS)
    }
  }
  if (parsed === null) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('must be a JSON object string such as {"override":true}', PARAMETERS)
  }
  const obj = parsed as Record<string, unknown>
  const out: UploadParameters = {}
  for (const [wire, key] of Object.entries(BOOLEAN_KEYS)) {
    const v = obj[wire]
    if (v === undefined || v === null) continue
    if (typeof v === 'boolean') out[key] = v
    else if (v === 'true' || v === 'false') out[key] = v === 'true'
    else throw new ValidationError('must be a boolean', `${PARAMETERS}.${wire}`)
  }
  if (obj.source !== undefined && obj.source !== null) {
    if (typeof obj.source !== 'string' || obj.source.length > 256) throw new ValidationError('must be a string of at most 256 characters', `${PARAMETERS}.source`)
    out.source = obj.source
  }
  return out
}
