/** A loopback HTTP server serving fixed files, standing in for a Helm chart repository. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildTgz, chartEntries, chartYaml } from './tgz.js'

export type Route = Buffer | string | ((req: IncomingMessage, res: ServerResponse) => void)

export interface FileServer {
  url: string
  files: Map<string, Route>
  /** Paths requested, in order. */
  requests: string[]
  close(): Promise<void>
}

export async function serveFiles(files: Record<string, Route> = {}): Promise<FileServer> {
  const map = new Map(Object.entries(files))
  const requests: string[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    requests.push(path)
    const route = map.get(path)
    if (route === undefined) {
      res.writeHead(404).end('not found')
      return
    }
    if (typeof route === 'function') return route(req, res)
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(route)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    files: map,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A small valid chart package `name`-`version` with a values.yaml and one Deployment template. */
export function chartPackage(name: string, version: string, valuesYaml = 'replicaCount: 1\n'): Promise<Buffer> {
  return buildTgz(
    chartEntries({
      folder: name,
      chartYaml: chartYaml({ name, version, appVersion: '1.0' }),
      valuesYaml,
      extra: [{ name: `${name}/templates/deployment.yaml`, content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n' }],
    }),
  )
}

export interface IndexEntry {
  name: string
  version: string
  url: string
  digest?: string
}

export function indexYaml(entries: IndexEntry[]): string {
  const byName = new Map<string, IndexEntry[]>()
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e])
  const lines = ['apiVersion: v1', 'entries:']
  for (const [name, list] of byName) {
    lines.push(`  ${name}:`)
    for (const e of list) {
      lines.push(`    - name: ${e.name}`, `      version: ${e.version}`, '      urls:', `        - ${e.url}`)
      if (e.digest) lines.push(`      digest: ${e.digest}`)
    }
  }
  lines.push('generated: "2024-01-01T00:00:00Z"')
  return `${lines.join('\n')}\n`
}
