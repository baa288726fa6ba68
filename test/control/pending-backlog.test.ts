/**
 * A backlog of due work larger than one settle batch: a clock jump (or a restart, see
 * test/e2e/restart.test.ts) must not leave a read showing PENDING_* for work that is due.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_V2_ID, type TestApp } from '../helpers/app.js'

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

  it('drains a backlog a slice per turn: the health probe answers meanwhile, the read waits and sees all of it', async () => {
    t = await buildTestApp()
    await pendingInstalls(450)
    t.clock.advance(3_600_000)
    const stillPending = () => t.db.prepare("SELECT COUNT(*) FROM release_revisions WHERE status = 'PENDING_INSTALL'").pluck().get() as number
    const order: string[] = []
    let pendingWhenHealthAnswered = -1
    const list = t.app.inject({ method: 'GET', url: LIST, headers: AUTH }).then((r) => (order.push('list'), r))
    const health = t.app.inject({ method: 'GET', url: '/_emulator/health' }).then((r) => {
      order.push('health')
      pendingWhenHealthAnswered = stillPending()
      return r
    })
    const [listed, healthy] = await Promise.all([list, health])
    expect(healthy.statusCode).toBe(200)
    expect(order).toEqual(['health', 'list'])
    // The probe was answered between two slices, not after the whole backlog.
    expect(pendingWhenHealthAnswered).toBeGreaterThan(0)
    expect(pendingWhenHealthAnswered).toBeLessThan(450)
    const statuses = new Set((listed.json() as Array<{ status: string }>).map((r) => r.status))
    expect([listed.json().length, [...statuses]]).toEqual([450, ['DEPLOYED']])
    expect(stillPending()).toBe(0)
  }, 60_000)

  it("a write settles its own release's due work first; others' due work completes in the batch it commits with", async () => {
    t = await buildTestApp()
    await pendingInstalls(2)
    // Time passes with no request (in-process), so nothing has settled yet.
    t.clock.advance(3_600_000)
    const up = await t.app.inject({ method: 'PUT', url: `/cce/cam/v3/clusters/c1/namespace/project01/releases/app-0`, headers: AUTH, payload: { chart_id: TEST_CHART_V2_ID, action: 'upgrade', values: { v: 2 } } })
    expect(up.statusCode).toBe(200)
    expect(up.json()).toMatchObject({ status: 'PENDING_UPGRADE', version: 2 })
    // app-1 was no part of that write, yet its due install is settled and committed with it.
    const status = t.db.prepare("SELECT status FROM release_revisions WHERE name = ? ORDER BY revision").pluck()
    expect(status.all('app-1')).toEqual(['DEPLOYED'])
    // Upgrades are fast here: due at once, so the answer shows it pending and the commit ends it.
    expect(status.all('app-0')).toEqual(['SUPERSEDED', 'DEPLOYED'])
  })
})

