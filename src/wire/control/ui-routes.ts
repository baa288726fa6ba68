/**
 * The web dashboard's files: GET /_emulator/ui (the page) and /_emulator/ui/assets/<file> (its
 * script and styles), built by scripts/build-ui.mjs into dist/ui/ and shipped in the package, so
 * nothing is fetched from a network. Assets carry their content hash in their name, so they are
 * cached for a year; the page itself is revalidated (ETag) so a new build is picked up at once.
 * Gzip is precompressed at build time. The folder is read on the first request, not at start.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

export const UI_PATH = '/_emulator/ui'

export interface UiRoutesOptions {
  /** Candidate folders of the built page (the first that holds index.html is used). */
  folders: readonly URL[]
}

interface Asset {
  body: Buffer
  gzip: Buffer | null
  type: string
  etag: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
}

// The page loads only its own files and talks only to this origin's /_emulator routes.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

function load(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`)
      else if (!entry.name.endsWith('.gz') && TYPES[extname(entry.name)]) {
        const body = readFileSync(path)
        const gz = `${path}.gz`
        assets.set(`${prefix}${entry.name}`, {
          body,
          gzip: existsSync(gz) ? readFileSync(gz) : null,
          type: TYPES[extname(entry.name)]!,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        })
      }
    }
  }
  walk(folder, '')
  return assets
}

export const uiRoutes: FastifyPluginAsync<UiRoutesOptions> = async (app, opts) => {
  let assets: Map<string, Asset> | null = null
  const folder = (): string | null => {
    for (const url of opts.folders) {
      const path = fileURLToPath(url)
      if (existsSync(join(path, 'index.html'))) return path
    }
    return null
  }

  const send = (req: FastifyRequest, reply: FastifyReply, name: string, cacheControl: string) => {
    if (!assets) {
      const found = folder()
      if (!found) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built: run `npm run build` (it writes dist/ui/).\n')
      }
      assets = load(found)
    }
    const asset = assets.get(name)
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send(`no such dashboard file: ${name}\n`)
    reply.headers(PAGE_HEADERS).header('cache-control', cacheControl).header('etag', asset.etag).header('vary', 'accept-encoding').type(asset.type)
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    if (asset.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(asset.gzip)
    return reply.send(asset.body)
  }

  const page = { schema: { hide: true, response: { 200: Type.String(), 304: Type.Null(), 503: Type.String() } } }
  app.get(UI_PATH, page, (req, reply) => send(req, reply, 'index.html', 'no-cache'))
  app.get(`${UI_PATH}/`, page, (req, reply) => send(req, reply, 'index.html', 'no-cache'))
  app.get(
    `${UI_PATH}/assets/:file`,
    { schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }) }), response: { 200: Type.String(), 304: Type.Null(), 404: Type.String() } } },
    (req, reply) => send(req, reply, `assets/${(req.params as { file: string }).file}`, 'public, max-age=31536000, immutable'),
  )
  // The emulator's root has nothing of its own to say: point a browser at the dashboard.
  app.get('/', { schema: { hide: true, response: { 302: Type.Null() } } }, (_req, reply) => reply.redirect(UI_PATH, 302))
}
