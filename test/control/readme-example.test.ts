/** The README's startEmulator example, verbatim apart from the import path: the docs must run. */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { exampleCharts, startEmulator, type Emulator } from '../../src/index.js'

let emu: Emulator
beforeAll(async () => {
  // Port 0, ':memory:', no logging, presence auth (send any X-Auth-Token), installs take 30 s.
  emu = await startEmulator({
    seed: 1,
    operations: { install: { mode: 'time', delay_ms: 30_000 } },
    charts: exampleCharts, // the package's example charts, under stable ids; a reset keeps them
  })
})
afterAll(() => emu?.close()) // emu is unset if the start failed: report that, not a TypeError
beforeEach(() => emu.reset())

const headers = { 'content-type': 'application/json', 'x-auth-token': 'x' }
const release = () => `${emu.url}/cce/cam/v3/clusters/c1/namespace/default/releases/web`
const status = async () => ((await (await fetch(release(), { headers })).json()) as { status: string }).status

it('waits for the install, then survives a failed upgrade', async () => {
  const chartId = '01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd' // nginx-demo 1.0.0
  await fetch(`${emu.url}/cce/cam/v3/clusters/c1/releases`, {
    method: 'POST', headers,
    body: JSON.stringify({ name: 'web', namespace: 'default', chart_id: chartId, version: '1.0.0', values: {} }),
  })
  expect(await status()).toBe('PENDING_INSTALL')
  emu.clock.advance(30)                                   // no sleeping
  expect(await status()).toBe('DEPLOYED')

  emu.faults.add({ match: { operation: 'upgrade' }, count: 1, lifecycle: { outcome: 'fail' } })
  await fetch(release(), { method: 'PUT', headers, body: JSON.stringify({ chart_id: chartId, action: 'upgrade', parameters: {}, values: { replicas: 2 } }) })
  emu.clock.advance(30)
  expect(await status()).toBe('FAILED')                   // "Upgrade \"web\" failed: timed out waiting for the condition"
  expect(emu.journal.list({ operation: 'upgrade' })).toHaveLength(1)
})

it('starts each test from a clean slate', async () => {
  expect((await fetch(release(), { headers })).status).toBe(404)
  expect(emu.faults.list()).toEqual([])
})
