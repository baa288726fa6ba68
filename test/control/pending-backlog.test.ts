/**
 * A backlog of due work larger than one settle batch: a clock jump (or a restart, see
 * test/e2e/restart.test.ts) must not leave a read showing PENDING_* for work that is due.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, type TestApp } from '../helpers/app.js'

const BACKLOG = 1500
const LIST = '/cce/cam/v3/clusters/c1/releases'

let t: TestApp
afterEach(async () => {
  await t?.close()
})

const control = (method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown) =>
  t.app.inject({ method, url: `/_emulator${path}`, ...(payload === undefined ? {} : { payload: payload as object }) })

/** Creates `count` releases whose installs finish an hour (of emulator time) after they start. */
async function pendingInstalls(count: number): Promise<void> {
  expect((await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 3_600_000 } } })).statusCode).toBe(200)
  for (let i = 0; i < count; i++) {
    const r = await t.app.inject({ method: 'POST', url: LIST, headers: AUTH, payload: createBody(`app-${i}`) })
    if (r.statusCode !== 201) expect(r.json()).toBeUndefined()
  }
}

const statuses = async (): Promise<Map<string, number>> => {
  const r = await t.app.inject({ method: 'GET', url: LIST, headers: AUTH })
  expect(r.statusCode).toBe(200)
  const counts = new Map<string, number>()
  for (const { status } of r.json() as Array<{ status: string }>) counts.set(status, (counts.get(status) ?? 0) + 1)
  return counts
}

describe('a backlog of due work', () => {
  it(`settles all ${BACKLOG} installs on one clock advance and reports the true count`, async () => {
    t = await buildTestApp()
    await pendingInstalls(BACKLOG)
    expect(await statuses()).toEqual(new Map([['PENDING_INSTALL', BACKLOG]]))

    const advance = await control('POST', '/clock/advance', { seconds: 3600 })
    expect(advance.statusCode).toBe(200)
    expect(advance.json().settled).toBe(BACKLOG)
    expect(await statuses()).toEqual(new Map([['DEPLOYED', BACKLOG]]))
  }, 60_000)

  it(`shows all ${BACKLOG} due installs finished on the first read after time passed`, async () => {
    t = await buildTestApp()
    await pendingInstalls(BACKLOG)
    // Time passing without an advance request (as across a restart): the read must settle it all.
    t.clock.advance(3_600_000)
    expect(await statuses()).toEqual(new Map([['DEPLOYED', BACKLOG]]))
    expect((await control('POST', '/clock/advance', { seconds: 0 })).json().settled).toBe(0)
  }, 60_000)

  it('ends, leaving the release stuck, when a stuck operation carries a due time (a hand-edited database)', async () => {
    t = await buildTestApp()
    await pendingInstalls(3)
    t.db.prepare("UPDATE pending_operations SET outcome = 'stick' WHERE name = 'app-1'").run()
    expect((await control('POST', '/clock/advance', { seconds: 3600 })).json().settled).toBe(2)
    expect(await statuses()).toEqual(new Map([['DEPLOYED', 2], ['PENDING_INSTALL', 1]]))
    expect(t.db.prepare("SELECT due_at FROM pending_operations WHERE name = 'app-1'").pluck().get()).toBeNull()
  })
})
