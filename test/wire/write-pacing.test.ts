/**
 * A burst of writes is spread over several turns (at most 32 start per turn) so no turn holds the
 * event loop long; each part commits with its own batch, and no answer leaves before its commit.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WritePacer } from '../../src/wire/write-pacing.js'
import { AUTH, buildTestApp, createBody, type TestApp } from '../helpers/app.js'

const LIST = '/cce/cam/v3/clusters/c1/releases'

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('write pacing', () => {
  it('starts at most perTurn writes a turn, the rest in arrival order in the turns after', () => {
    const turns: Array<() => void> = []
    const pacer = new WritePacer(2, 2, (fn) => turns.push(fn))
    const started: number[] = []
    for (let i = 0; i < 5; i++) pacer.admit(() => started.push(i))
    expect(started).toEqual([0, 1])
    expect(pacer.waiting).toBe(3)
    turns.shift()!()
    expect(started).toEqual([0, 1, 2, 3])
    // A write arriving now queues behind the one still waiting.
    pacer.admit(() => started.push(5))
    expect(started).toEqual([0, 1, 2, 3])
    turns.shift()!()
    expect(started).toEqual([0, 1, 2, 3, 4, 5])
    turns.shift()!()
    expect(turns).toHaveLength(0)
    pacer.admit(() => started.push(6))
    expect(started.at(-1)).toBe(6)
  })

  it('gives writes the smaller allowance while reads arrive, this turn and the next', () => {
    const turns: Array<() => void> = []
    const pacer = new WritePacer(3, 1, (fn) => turns.push(fn))
    const started: number[] = []
    pacer.noteRead()
    for (let i = 0; i < 4; i++) pacer.admit(() => started.push(i))
    expect(started).toEqual([0])
    turns.shift()!() // the turn after a read: still 1
    expect(started).toEqual([0, 1])
    turns.shift()!() // no read for a whole turn: 3 again
    expect(started).toEqual([0, 1, 2, 3])
  })

  it('stops starting writes once the turn\'s writes took the budget, and starts what it fits after', () => {
    const turns: Array<() => void> = []
    let now = 0
    const pacer = new WritePacer(32, 32, (fn) => turns.push(fn), { ms: 10, now: () => now })
    const started: number[] = []
    // Costly writes (a chart's 250 KiB of defaults merged each): 4 ms apiece.
    const write = (i: number) => () => {
      started.push(i)
      now += 4
    }
    for (let i = 0; i < 30; i++) pacer.admit(write(i))
    // 0, 1, 2 took 12 ms: the rest wait, although the count allows 32.
    expect(started).toEqual([0, 1, 2])
    turns.shift()!()
    // The next turn starts what 10 ms fits at the cost measured (~4 ms, not the first guess).
    expect(started.length).toBeGreaterThan(3)
    expect(started.length).toBeLessThanOrEqual(3 + 5)
    while (turns.length > 0) turns.shift()!()
    expect(started).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })

  it('spends the shorter connecting budget in a turn that accepted a connection and the next, then the whole budget again', () => {
    const turns: Array<() => void> = []
    let now = 0
    const pacer = new WritePacer(32, 32, (fn) => turns.push(fn), { ms: 10, connectingMs: 2, now: () => now })
    const started: number[] = []
    const write = (i: number) => () => {
      started.push(i)
      now += 1
    }
    // Node 20 accepts one connection per turn: this turn's writes stop at 2 ms, so the loop comes
    // back for the next connection waiting.
    pacer.noteConnection()
    for (let i = 0; i < 40; i++) pacer.admit(write(i))
    expect(started).toHaveLength(2)
    const grows = () => {
      const before = started.length
      turns.shift()!()
      return started.length - before
    }
    // The turn after a connection: what 2 ms fits at the cost measured (~1 ms a write, first guessed lower).
    expect(grows()).toBeLessThanOrEqual(3)
    // No connection for a whole turn: what 10 ms fits.
    expect(grows()).toBeGreaterThanOrEqual(8)
    pacer.noteConnection()
    expect(grows()).toBeLessThanOrEqual(2)
  })

  it('holds every write while held, and starts them in order once released', () => {
    const turns: Array<() => void> = []
    const pacer = new WritePacer(4, 4, (fn) => turns.push(fn))
    const started: number[] = []
    const release = pacer.hold()
    for (let i = 0; i < 3; i++) pacer.admit(() => started.push(i))
    while (turns.length > 0) turns.shift()!()
    expect(started).toEqual([])
    release()
    release()
    while (turns.length > 0) turns.shift()!()
    expect(started).toEqual([0, 1, 2])
  })

  it('a burst of 100 creates spans several commits, answers none before a commit, and lets the health probe through', async () => {
    t = await buildTestApp()
    const events: string[] = []
    const exec = t.db.exec.bind(t.db)
    t.db.exec = (sql: string) => {
      if (sql === 'COMMIT') events.push('commit')
      return exec(sql)
    }
    const creates = Array.from({ length: 100 }, (_, i) =>
      t!.app.inject({ method: 'POST', url: LIST, headers: AUTH, payload: createBody(`burst-${i}`) }).then((r) => (events.push('answer'), r)))
    const health = t.app.inject({ method: 'GET', url: '/_emulator/health' }).then((r) => (events.push('health'), r))
    const answers = await Promise.all(creates)
    expect((await health).statusCode).toBe(200)
    expect(answers.map((r) => r.statusCode)).toEqual(Array(100).fill(201))
    expect(events.indexOf('commit')).toBeLessThan(events.indexOf('answer'))
    expect(events.filter((e) => e === 'commit').length).toBeGreaterThanOrEqual(2)
    expect(events.indexOf('health')).toBeLessThan(events.lastIndexOf('answer'))
    const listed = await t.app.inject({ method: 'GET', url: LIST, headers: AUTH })
    expect(listed.json()).toHaveLength(100)
  })
})
