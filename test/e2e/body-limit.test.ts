/**
 * Bodies over the limits, sent by the clients people use (Node fetch, curl, Python requests) to
 * the real CLI: each must read the 413 in the dialect's error body. Before the server drained
 * what it had not read, the socket closed under a client still sending and fetch often got
 * EPIPE instead of an answer; the repetitions make that race show.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request, Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'

const run = promisify(execFile)
const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'cce-emu-bodies-'))
let cli: RunningCli

beforeAll(async () => {
  cli = await startCli(['--port', '0', '--db', join(dir, 'e.db'), '--chart-max-bytes', String(MiB)])
})
afterAll(async () => {
  await cli?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const releases = () => `${cli.url}/cce/cam/v3/clusters/c1/releases`
const headers = { 'x-auth-token': 'e2e', 'content-type': 'application/json' }
const jsonOf = (size: number): Buffer => Buffer.from(JSON.stringify({ name: 'big', namespace: 'default', version: '1.0.0', chart_id: 'x', values: { pad: 'x'.repeat(size) } }))

function multipartOf(pkg: Buffer): { body: Buffer; contentType: string } {
  const b = '----e2e-body-limit'
  const head = Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="content"; filename="big.tgz"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  return { body: Buffer.concat([head, pkg, Buffer.from(`\r\n--${b}--\r\n`)]), contentType: `multipart/form-data; boundary=${b}` }
}

async function viaFetch(url: string, body: Buffer | ReadableStream<Uint8Array>, contentType: string): Promise<{ status: number | string; body: string }> {
  try {
    const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers: { ...headers, 'content-type': contentType }, body: body as unknown as RequestInit['body'] }
    if (body instanceof ReadableStream) init.duplex = 'half'
    const res = await fetch(url, init)
    return { status: res.status, body: await res.text() }
  } catch (err) {
    return { status: `${(err as Error).message} ${((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? ''}`, body: '' }
  }
}

async function viaCurl(url: string, file: string, contentType: string): Promise<{ status: number | string; body: string }> {
  const { stdout } = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '-H', 'X-Auth-Token: e2e', '-H', `Content-Type: ${contentType}`, '--data-binary', `@${file}`, url]).catch(
    (e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stderr ?? ''}\nerror` }),
  )
  const lines = stdout.trimEnd().split('\n')
  const status = lines.pop()!
  return { status: /^\d+$/.test(status) ? Number(status) : status, body: lines.join('\n') }
}

// Python requests when installed (urllib3 reads an early answer after a failed send), else the
// standard library's http.client, which sends the whole body before reading.
const PY = `
import sys
url, path, ctype = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path, 'rb').read()
try:
    import requests
    r = requests.post(url, data=data, headers={'X-Auth-Token': 'e2e', 'Content-Type': ctype}, timeout=60)
    print(r.status_code); print(r.text)
except ImportError:
    import http.client, urllib.parse
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request('POST', u.path, body=data, headers={'X-Auth-Token': 'e2e', 'Content-Type': ctype})
    r = c.getresponse(); print(r.status); print(r.read().decode())
except Exception as e:
    print('error'); print(type(e).__name__, e)
`
async function viaPython(url: string, file: string, contentType: string): Promise<{ status: number | string; body: string }> {
  const { stdout } = await run('python3', ['-c', PY, url, file, contentType])
  const [first, ...rest] = stdout.trimEnd().split('\n')
  return { status: /^\d+$/.test(first!) ? Number(first) : `${first} ${rest.join(' ')}`, body: rest.join('\n') }
}

const CCE_413 = { error_code: 'CCE.01400001' }

describe('a body over the limit is answered 413, and every client reads the answer', () => {
  it('JSON over --body-limit (1 MiB): Node fetch, 20 times, with a length and streamed (chunked)', async () => {
    const body = jsonOf(8 * MiB)
    for (let i = 0; i < 20; i++) {
      const stream = i % 4 === 3
      const answer = await viaFetch(
        releases(),
        stream ? new ReadableStream({ start: (c) => { for (let o = 0; o < body.length; o += 64 * 1024) c.enqueue(body.subarray(o, o + 64 * 1024)); c.close() } }) : body,
        'application/json',
      )
      expect(answer.status, `attempt ${i + 1}${stream ? ' (chunked)' : ''}`).toBe(413)
      expect(JSON.parse(answer.body)).toMatchObject(CCE_413)
    }
  }, 60_000)

  it('JSON over --body-limit: curl and Python', async () => {
    const file = join(dir, 'big.json')
    writeFileSync(file, jsonOf(8 * MiB))
    for (const client of [viaCurl, viaPython]) {
      for (let i = 0; i < 3; i++) {
        const answer = await client(releases(), file, 'application/json')
        expect(answer.status, `${client.name} attempt ${i + 1}: ${answer.body}`).toBe(413)
        expect(JSON.parse(answer.body)).toMatchObject(CCE_413)
      }
    }
  }, 60_000)

  it('a chart upload over --chart-max-bytes: fetch, curl and Python', async () => {
    const { body, contentType } = multipartOf(Buffer.alloc(6 * MiB, 7))
    const file = join(dir, 'upload.bin')
    writeFileSync(file, body)
    for (let i = 0; i < 10; i++) {
      const answer = await viaFetch(`${cli.url}/v2/charts`, body, contentType)
      expect(answer.status, `fetch attempt ${i + 1}`).toBe(413)
      expect(JSON.parse(answer.body)).toMatchObject(CCE_413)
    }
    for (const client of [viaCurl, viaPython]) {
      const answer = await client(`${cli.url}/v2/charts`, file, contentType)
      expect(answer.status, `${client.name}: ${answer.body}`).toBe(413)
      expect(JSON.parse(answer.body)).toMatchObject(CCE_413)
    }
  }, 60_000)

  it('in the Cloudpods body under /api', async () => {
    for (let i = 0; i < 10; i++) {
      const answer = await viaFetch(`${cli.url}/api/repos`, jsonOf(8 * MiB), 'application/json')
      expect(answer.status, `attempt ${i + 1}`).toBe(413)
      expect(JSON.parse(answer.body)).toMatchObject({ code: 413, class: 'TooLargeEntityError' })
    }
  }, 60_000)

  it('keeps the connection usable: the next request on the same socket is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const req = request(`${cli.url}${path}`, { method, agent, headers: body ? { ...headers, 'content-length': body.length } : { 'x-auth-token': 'e2e' } }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode!, socket: req.socket }))
        })
        req.on('error', reject)
        req.end(body)
      })
    const refused = await send('POST', '/cce/cam/v3/clusters/c1/releases', jsonOf(4 * MiB))
    const next = await send('GET', '/cce/cam/v3/clusters/c1/releases')
    agent.destroy()
    expect(refused.status).toBe(413)
    expect(next.status).toBe(200)
    expect(next.socket).toBe(refused.socket)
  }, 30_000)
})
