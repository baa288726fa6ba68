/** Hand-built multipart/form-data bodies for app.inject, so part order and filenames are exact. */
export type Part =
  | { name: string; value: string; contentType?: string }
  | { name: string; file: Buffer; filename?: string; contentType?: string }

export interface Multipart {
  payload: Buffer
  headers: { 'content-type': string }
}

export function multipart(parts: Part[], boundary = '----cce-emulator-test-boundary-7d1f'): Multipart {
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if ('file' in part) head += `; filename="${part.filename ?? 'chart.tgz'}"`
    head += '\r\n'
    const type = part.contentType ?? ('file' in part ? 'application/octet-stream' : undefined)
    if (type !== undefined) head += `Content-Type: ${type}\r\n`
    chunks.push(Buffer.from(`${head}\r\n`), 'file' in part ? part.file : Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** The usual upload: the package in `content`, optional `parameters` text first (as the SDKs send). */
export function chartUpload(pkg: Buffer, opts: { parameters?: string; filename?: string; fileFirst?: boolean } = {}): Multipart {
  const file: Part = { name: 'content', file: pkg, filename: opts.filename ?? 'chart.tgz' }
  const params: Part[] = opts.parameters === undefined ? [] : [{ name: 'parameters', value: opts.parameters }]
  return multipart(opts.fileFirst ? [file, ...params] : [...params, file])
}
