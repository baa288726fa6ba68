/**
 * POST /_emulator/reset empties a large scope a slice per turn of the event loop, so the other
 * clients of a shared emulator are served while it runs (one DELETE of 20,000 releases held
 * every request ~400 ms). What existed when the reset began is gone when it answers; a release
 * made while it runs is kept.
 */
import { afterEach, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, type TestApp } from '../helpers/app.js'

const BASE = '/cce/cam/v3/clusters/c1'
const json = { ...AUTH, 'content-type': 'application/json' }
// More than two slices of the app's reset (250 releases a turn).
const RELEASES = 600

let t: TestApp
afterEach(async () => t?.close())

async function seed(): Promise<void> {
  for (let i = 0; i < RELEASES; i += 50) {
    const batch = Array.from({ length: Math.min(50, RELEASES - i) }, (_, j) =>
      t.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: json, payload: JSON.stringify(createBody(`r-${i + j}`)) }),
    )
    for (const res of await Promise.all(batch)) expect(res.statusCode).toBe(201)
  }
}

const names = async (): Promise<string[]> =>
  ((await t.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })).json() as Array<{ name: string }>).map((r) => r.name)

it('serves other clients between its slices (a read meanwhile sees it part-way), and removes every release it found', async () => {
  t = await buildTestApp()
  await seed()
  let done = false
  const reset = t.app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': 'application/json' }, payload: '{}' }).finally(() => {
    done = true
  })
  const seen: number[] = []
  while (!done) {
    seen.push((await names()).length)
    // inject settles through promises only: let the timers and setImmediate turns run too.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const r = await reset
  expect(r.statusCode).toBe(200)
  expect(r.json()).toMatchObject({ scoped: false, deleted: { releases: RELEASES } })
  // One DELETE for all of them would have shown every read all or nothing.
  expect(seen.some((n) => n > 0 && n < RELEASES)).toBe(true)
  expect(await names()).toEqual([])
})

it('keeps a release created while a reset runs, and removes the ones that were there', async () => {
  t = await buildTestApp()
  await seed()
  const reset = t.app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': 'application/json' }, payload: '{}' })
  const created = t.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: json, payload: JSON.stringify(createBody('made-meanwhile')) })
  const [r, c] = await Promise.all([reset, created])
  expect(c.statusCode).toBe(201)
  expect(r.json()).toMatchObject({ deleted: { releases: RELEASES } })
  expect(await names()).toEqual(['made-meanwhile'])
})

it('a scoped reset removes its namespace only, slice by slice', async () => {
  t = await buildTestApp()
  await seed()
  const other = await t.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: json, payload: JSON.stringify(createBody('elsewhere', { namespace: 'other' })) })
  expect(other.statusCode).toBe(201)
  const r = await t.app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ namespace: 'project01' }) })
  expect(r.json()).toMatchObject({ scoped: true, deleted: { releases: RELEASES } })
  expect(await names()).toEqual(['elsewhere'])
})
