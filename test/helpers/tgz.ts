import { gzipSync, createGzip } from 'node:zlib'
import tar from 'tar-stream'

type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo'

export interface TarEntry {
  name: string
  type?: EntryType
  content?: string | Buffer
  linkname?: string
  /** Emit a pax header for this entry (long names, or just to prove pax is handled). */
  pax?: Record<string, string>
}

/** Builds an uncompressed tar in memory; entries are written in the order given. */
export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => {
      chunks.push(chunk as Buffer)
    })
    pack.on('end', () => resolve())
    pack.on('error', reject)
  })
  for (const e of entries) {
    const type = e.type ?? 'file'
    const content = type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0)
    const header = {
      name: e.name,
      type,
      size: content.length,
      mode: type === 'directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.pax !== undefined ? { pax: e.pax } : {}),
    }
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, content, (err) => (err ? reject(err) : resolve())),
    )
  }
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}

export async function buildTgz(entries: TarEntry[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries))
}

export const gzip = (data: Buffer | string): Buffer => gzipSync(data)

export interface ChartFiles {
  folder?: string
  chartYaml?: string
  valuesYaml?: string
  extra?: TarEntry[]
}

export function chartYaml(fields: Record<string, string> = {}): string {
  const all = { apiVersion: 'v2', name: 'demo', version: '1.0.0', description: 'demo chart', ...fields }
  return Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')
}

/** A minimal valid chart named `demo` unless overridden; omit a file by passing `undefined` explicitly via extra. */
export function chartEntries(files: ChartFiles = {}): TarEntry[] {
  const folder = files.folder ?? 'demo'
  const entries: TarEntry[] = [{ name: `${folder}/Chart.yaml`, content: files.chartYaml ?? chartYaml() }]
  if (files.valuesYaml !== undefined) entries.push({ name: `${folder}/values.yaml`, content: files.valuesYaml })
  return [...entries, ...(files.extra ?? [])]
}

/**
 * Streams a tar of `files` entries of `fileSize` zero bytes each, then `trailingZeros` zero
 * bytes, through gzip. Zeros compress ~1000:1, so hundreds of MiB shrink to a few hundred KiB
 * while never being held in memory.
 */
export async function zeroBomb(opts: { files: number; fileSize: number; trailingZeros?: number }): Promise<Buffer> {
  const zeros = Buffer.alloc(1024 * 1024)
  const pack = tar.pack()
  const gz = createGzip({ level: 9 })
  const out: Buffer[] = []
  gz.on('data', (chunk: Buffer) => out.push(chunk))
  const gzDone = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve)
    gz.on('error', reject)
  })
  pack.on('data', (chunk) => {
    if (!gz.write(chunk as Buffer)) {
      pack.pause()
      gz.once('drain', () => pack.resume())
    }
  })
  const packDone = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve())
    pack.on('error', reject)
  })

  for (let i = 0; i < opts.files; i++) {
    const entry = pack.entry({ name: `bomb/zeros-${i}.bin`, size: opts.fileSize, mtime: new Date(0) })
    const written = new Promise<void>((resolve, reject) => {
      entry.on('finish', () => resolve())
      entry.on('error', reject)
    })
    for (let left = opts.fileSize; left > 0; left -= zeros.length) {
      const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left)
      if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()))
    }
    entry.end(null)
    await written
  }
  pack.finalize()
  await packDone
  for (let left = opts.trailingZeros ?? 0; left > 0; left -= zeros.length) {
    const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left)
    if (!gz.write(chunk)) await new Promise<void>((resolve) => gz.once('drain', () => resolve()))
  }
  gz.end()
  await gzDone
  return Buffer.concat(out)
}
