/**
 * The route schemas are compiled at build time (scripts/precompile-schemas.mjs): the built CLI and
 * the package's CommonJS entry validate requests and serialize answers of every dialect without
 * loading a schema compiler (Ajv, fast-json-stringify, Fastify's wrappers of them), whose loading
 * and compilations held the event loop 10-130 ms at a time on a fresh server. Seen from outside:
 * the modules a process loads (NODE_DEBUG=module for the CLI, require.cache in process).
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { startCli, type RunningCli } from '../helpers/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
// fast-json-stringify's serializer runtime is not its compiler: Fastify's own error serializer
// (standalone code shipped in Fastify) requires it, in every process.
const COMPILERS = /node_modules[\\/](ajv|ajv-formats|@fastify[\\/]ajv-compiler|@fastify[\\/]fast-json-stringify-compiler|fast-json-stringify(?![\\/]lib[\\/](serializer|v8)\.js))[\\/.]/
const AUTH = { 'x-auth-token': 'e2e' }
const CHART = stableChartId('nginx-demo', '1.0.0')
const BASE = '/cce/cam/v3/clusters/c1'

/** [method, path, body, expected status, expected text in the answer]: each dialect's valid and refused requests. */
const REQUESTS: Array<[string, string, unknown, number, string?]> = [
  ['POST', `${BASE}/releases`, { chart_id: CHART, name: 'web', namespace: 'default', version: '1.0.0', values: { replicas: 2 } }, 201],
  ['POST', `${BASE}/releases`, { name: 'web' }, 400, "chart_id: must have required property 'chart_id'"],
  ['GET', `${BASE}/releases`, undefined, 200],
  ['GET', `${BASE}/namespace/default/releases/web`, undefined, 200],
  ['GET', `${BASE}/namespace/default/releases/web/history`, undefined, 200],
  ['PUT', `${BASE}/namespace/default/releases/web`, { chart_id: CHART, action: 'upgrade', values: {} }, 200],
  ['GET', '/autopilot/cam/v3/clusters/c1/releases', undefined, 200],
  ['GET', '/v2/charts', undefined, 200],
  ['GET', `/v2/charts/${CHART}`, undefined, 200],
  ['GET', `/v2/charts/${CHART}/values`, undefined, 200],
  ['GET', '/autopilot/v2/charts', undefined, 200],
  ['POST', '/v3/auth/tokens', { auth: {} }, 400, 'Missing parameter auth.identity'],
  ['GET', '/api/repos', undefined, 200],
  ['POST', '/api/repos', { repo: 5 }, 400, 'repo: must be object'],
  ['GET', '/api/releases', undefined, 200],
  ['POST', '/api/releases', {}, 400, 'No request key: release'],
  ['GET', '/_emulator/clock', undefined, 200],
  ['POST', '/_emulator/clock/advance', { seconds: 5 }, 200],
  ['GET', '/_emulator/lifecycle', undefined, 200],
  ['PUT', '/_emulator/lifecycle', { bogus: 1 }, 400, 'body: unknown key \\"bogus\\"'],
  ['GET', '/_emulator/releases', undefined, 200],
  ['GET', '/_emulator/faults', undefined, 200],
  ['GET', '/_emulator/pending', undefined, 200],
  ['GET', '/_emulator/requests', undefined, 200],
  ['GET', '/_emulator/charts', undefined, 200],
]

async function sendAll(url: string): Promise<void> {
  for (const [method, path, body, status, text] of REQUESTS) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const answer = await res.text()
    expect(`${method} ${path} ${res.status}`, answer).toBe(`${method} ${path} ${status}`)
    if (text) expect(answer).toContain(text)
  }
}

const running: RunningCli[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
})

describe('schemas compiled at build time', () => {
  it('the built CLI answers every dialect, refusals included, without loading a schema compiler', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--charts', EXAMPLES], { NODE_DEBUG: 'module' })
    running.push(cli)
    await sendAll(cli.url)
    expect(await cli.stop()).toBe(0)
    const loads = cli.output().split('\n').filter((line) => /\bload\b/.test(line) && COMPILERS.test(line))
    expect(loads).toEqual([])
  })

  it('so does the CommonJS entry, in process', async () => {
    const require = createRequire(import.meta.url)
    const loaded = () => Object.keys(require.cache).filter((file) => COMPILERS.test(file))
    expect(loaded()).toEqual([])
    const { startEmulator } = require('../../dist/index.cjs') as typeof import('../../src/index.js')
    const emulator = await startEmulator({ charts: EXAMPLES })
    try {
      await sendAll(emulator.url)
    } finally {
      await emulator.close()
    }
    expect(loaded()).toEqual([])
  })
})
