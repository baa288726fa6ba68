/**
 * The WAL is checkpointed on a worker thread: commits on the main connection never run a
 * checkpoint (whose fsyncs held every client 50-130 ms every ~16 MiB of WAL), and a steady write
 * load still gets its WAL restarted, with writes held for one short pass.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { closeDatabase, openDatabase, WAL_CHECKPOINT_PAGES, type DatabaseHandle } from '../../src/storage/db.js'
import { WalCheckpointer } from '../../src/storage/wal-checkpointer.js'
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig } from '../../src/config.js'
import { AUTH, testChartPackage } from '../helpers/app.js'

let dir: string
let db: DatabaseHandle | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cce-emu-ckpt-'))
})
afterEach(() => {
  if (db) closeDatabase(db)
  db = undefined
  rmSync(dir, { recursive: true, force: true })
})

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r))
const walBytes = (file: string): number => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0

describe('WalCheckpointer', () => {
  it('takes checkpoints off the main connection and copies every committed frame on its worker', async () => {
    const file = join(dir, 'emulator.db')
    db = openDatabase(file)
    db.exec('CREATE TABLE t (x TEXT)')
    const checkpointer = new WalCheckpointer(db)
    try {
      // Its thread starts with the first pass (an emulator that never writes has none).
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_CHECKPOINT_PAGES)
      await checkpointer.pass()
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
      const insert = db.prepare('INSERT INTO t VALUES (?)')
      // Far past the automatic threshold: the main connection's WAL only grows.
      for (let i = 0; i < 200; i++) db.transaction(() => { for (let j = 0; j < 30; j++) insert.run('x'.repeat(3000)) })()
      expect(walBytes(file)).toBeGreaterThan(WAL_CHECKPOINT_PAGES * 4096)
      const r = await checkpointer.pass()
      expect(r.log).toBeGreaterThan(WAL_CHECKPOINT_PAGES)
      expect(r.checkpointed).toBe(r.log)
    } finally {
      await checkpointer.close()
    }
    // Closed: SQLite checkpoints on commit again.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_CHECKPOINT_PAGES)
  })

  it('restarts the WAL under a steady write load, holding writes for one pass', async () => {
    const file = join(dir, 'emulator.db')
    db = openDatabase(file)
    db.exec('CREATE TABLE t (x TEXT)')
    let held = false
    let holds = 0
    const checkpointer = new WalCheckpointer(db, {
      passEveryMs: 0,
      restartFrames: 200,
      // Never cut short here (a loaded test machine's fsyncs): this is about the restart itself.
      holdMs: 10_000,
      holdWrites: async () => {
        held = true
        holds += 1
        return () => void (held = false)
      },
    })
    try {
      const insert = db.prepare('INSERT INTO t VALUES (?)')
      // A write every turn, never a pause: the WAL restarts only because writes are held.
      const until = Date.now() + 10_000
      let sizeAtFirstRestart = 0
      while (Date.now() < until && checkpointer.stats.restarts < 5) {
        if (checkpointer.stats.restarts === 1 && sizeAtFirstRestart === 0) sizeAtFirstRestart = walBytes(file)
        await nextTurn()
        if (held) continue
        db.transaction(() => { for (let j = 0; j < 10; j++) insert.run('y'.repeat(400)) })()
        checkpointer.committed()
      }
      expect(checkpointer.stats.restarts).toBe(5)
      expect(holds).toBeGreaterThanOrEqual(5)
      // Restarted: written again from its start, so the file no longer grows with what is written
      // (a restart a momentary lock defers is done at the next threshold: at most one more threshold's worth).
      expect(sizeAtFirstRestart).toBeGreaterThan(0)
      expect(walBytes(file)).toBeLessThanOrEqual(sizeAtFirstRestart + 2 * 200 * (4096 + 24))
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBeGreaterThan(0)
    } finally {
      await checkpointer.close()
    }
  })

  it('the app on a file database runs one: its commits never checkpoint on the event loop', async () => {
    const file = join(dir, 'app.db')
    const appDb = openDatabase(file)
    const config = defaultConfig({ db: file })
    const built = await buildApp({ config, db: appDb, clock: new ManualClock('2026-03-01T08:00:00Z'), logger: false })
    try {
      await built.app.ready()
      // A refused write changed nothing: no pass, and no thread started for it.
      const refused = await built.app.inject({ method: 'POST', url: '/v2/charts', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{}' })
      expect(refused.statusCode).toBeGreaterThanOrEqual(400)
      for (let i = 0; i < 20; i++) await nextTurn()
      expect(appDb.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_CHECKPOINT_PAGES)
      // A chart upload is written outside the write batches: it starts the checkpointer all the same.
      const form = new FormData()
      form.append('content', new Blob([await testChartPackage()]), 'demo-1.0.0.tgz')
      form.append('parameters', JSON.stringify({ override: true, skip_lint: true, source: 'package' }))
      const body = new Request('http://x', { method: 'POST', body: form })
      const uploaded = await built.app.inject({
        method: 'POST',
        url: '/v2/charts',
        headers: { ...AUTH, 'content-type': body.headers.get('content-type')! },
        payload: Buffer.from(await body.arrayBuffer()),
      })
      expect(uploaded.statusCode).toBe(201)
      for (let i = 0; i < 20 && appDb.pragma('wal_autocheckpoint', { simple: true }) !== 0; i++) await nextTurn()
      expect(appDb.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
    } finally {
      await built.app.close()
      closeDatabase(appDb)
    }
  })
})
