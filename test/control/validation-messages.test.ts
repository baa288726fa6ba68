/**
 * Control-plane input that cannot be right is refused with a 400 whose message names the key
 * and lists what is allowed: unknown operations, misspelled keys, values outside an enum.
 */
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FAULT_OPERATION_IDS } from '../../src/control/fault-schema.js'
import { startEmulator, type Emulator } from '../../src/index.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})
afterEach(() => t.app.close())

async function refused(method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown): Promise<string> {
  const res = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })
  expect(res.statusCode, res.body).toBe(400)
  const body = res.json() as { error_code: string; error_msg: string }
  expect(body.error_code).toBe('CCE.01400001')
  return body.error_msg
}

describe('fault rules', () => {
  it('refuses an operation no request can have, listing the names that exist', async () => {
    const msg = await refused('POST', '/_emulator/faults', { match: { operation: 'nonsense' }, error: { status: 500 } })
    expect(msg).toContain('match.operation')
    expect(msg).toContain('"nonsense"')
    expect(msg).toMatch(/allowed: create, install, list, show, update, upgrade, rollback, delete, uninstall, history, perform, or a route operationId: CreateRelease/)
    // One bad name in a list is enough; nothing is stored.
    await refused('POST', '/_emulator/faults', { match: { operation: ['upgrade', 'upgarde'] }, error: { status: 500 } })
    expect((await t.app.inject({ method: 'GET', url: '/_emulator/faults' })).json().rules).toEqual([])
  })

  it('accepts every documented name and operationId, in any case', async () => {
    for (const operation of ['create', 'Uninstall', 'CreateRelease', 'uploadautopilotchart', 'cloudpodsUpgradeRelease', 'perform']) {
      const res = await t.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { operation }, error: { status: 500 } } })
      expect(res.statusCode, res.body).toBe(201)
    }
  })

  it('names a misspelled key and lists the keys allowed where it was found', async () => {
    expect(await refused('POST', '/_emulator/faults', { match: { opertion: 'create' }, error: { status: 500 } })).toBe(
      'Invalid request: match: unknown key "opertion"; allowed: operation, dialect, flavor, path_prefix, cluster_id, namespace, name, chart',
    )
    expect(await refused('POST', '/_emulator/faults', { match: { operation: 'create' }, errr: { status: 500 } })).toBe(
      'Invalid request: body: unknown key "errr"; allowed: id, match, probability, count, error, latency_ms, lifecycle',
    )
    expect(await refused('PUT', '/_emulator/faults', { rules: [{ match: { cluster: 'c1' }, error: { status: 500 } }] })).toMatch(
      /^Invalid request: rules\.0\.match: unknown key "cluster"; allowed: operation, /,
    )
  })

  it('lists the allowed values of an enum', async () => {
    expect(await refused('POST', '/_emulator/faults', { match: { flavor: 'cc' }, error: { status: 500 } })).toBe('Invalid request: match.flavor: must be one of cce, autopilot')
    expect(await refused('POST', '/_emulator/faults', { match: { dialect: 'aws' }, error: { status: 500 } })).toBe('Invalid request: match.dialect: must be one of cce, cloudpods')
    expect(await refused('POST', '/_emulator/faults', { lifecycle: { outcome: 'explode' } })).toBe('Invalid request: lifecycle.outcome: must be one of fail, stick, unknown')
  })

  it('keeps FAULT_OPERATION_IDS equal to the operationIds the emulated routes publish', () => {
    const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, { operationId: string; tags: string[] }>>
    }
    const published = Object.values(doc.paths)
      .flatMap((methods) => Object.values(methods))
      .filter((op) => !op.tags.includes('Emulator control'))
      .map((op) => op.operationId)
    expect([...FAULT_OPERATION_IDS].sort()).toEqual(published.sort())
  })
})

describe('other controls', () => {
  it('lifecycle, reset and the journal query name the key and the choices too', async () => {
    expect(await refused('PUT', '/_emulator/lifecycle', { profile: 'slow' })).toBe('Invalid request: profile: must be one of fast, realistic, manual')
    expect(await refused('PUT', '/_emulator/lifecycle', { operations: { instal: { mode: 'manual' } } })).toBe(
      'Invalid request: operations: unknown key "instal"; allowed: install, upgrade, rollback, uninstall',
    )
    expect(await refused('POST', '/_emulator/reset', { flavour: 'cce' })).toBe('Invalid request: body: unknown key "flavour"; allowed: project_id, flavor, dialect, cluster_id, namespace')
    expect(await refused('GET', '/_emulator/requests?dialekt=cce')).toMatch(/^Invalid request: querystring: unknown key "dialekt"; allowed: limit, since_id, /)
    // Other problems keep Ajv's wording, with the field.
    expect(await refused('POST', '/_emulator/clock/advance', { seconds: -1 })).toBe('Invalid request: seconds: must be >= 0')
  })
})

describe('in process', () => {
  let emu: Emulator | undefined
  afterEach(() => emu?.close())

  it('startEmulator refuses an unknown operation the same way, before it starts', async () => {
    await expect(startEmulator({ faults: [{ match: { operation: 'nonsense' }, error: { status: 500 } }] })).rejects.toThrow(/"nonsense" is not an operation/)
    emu = await startEmulator()
    expect(() => emu!.faults.add({ match: { operation: 'upgarde' }, lifecycle: { outcome: 'fail' } })).toThrow(/allowed: create, install/)
  })

  it('a charts folder that is not there is named as resolved, with the way to the bundled examples', async () => {
    await expect(startEmulator({ charts: 'no/such/charts' })).rejects.toThrow(`--charts no/such/charts (${process.cwd()}/no/such/charts): cannot read the folder`)
    await expect(startEmulator({ charts: 'no/such/charts' })).rejects.toThrow(/--charts @examples \(in process: charts: exampleCharts\)/)
  })
})
