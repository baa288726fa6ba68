/** One commit per turn for every write; a refused write rolls back alone; answers wait for the commit. */
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/storage/db.js'
import { GroupCommit } from '../../src/storage/group-commit.js'

function setup() {
  const db = openDatabase(':memory:')
  db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)')
  const commits: Array<() => void> = []
  let lost = 0
  const batch = new GroupCommit(db, (commit) => commits.push(commit), () => (lost += 1))
  return { db, batch, commits, lost: () => lost }
}

describe('GroupCommit', () => {
  it('runs every write of a turn in one transaction, committed once, and resolves durable() only then', async () => {
    const { db, batch, commits } = setup()
    const insert = db.prepare('INSERT INTO t VALUES (?)')
    for (let i = 0; i < 5; i++) batch.run(() => insert.run(i))
    expect(commits).toHaveLength(1)
    expect(db.inTransaction).toBe(true)
    let acknowledged = false
    const durable = batch.durable().then(() => (acknowledged = true))
    await Promise.resolve()
    expect(acknowledged).toBe(false)
    commits[0]!()
    await durable
    expect(acknowledged).toBe(true)
    expect(db.inTransaction).toBe(false)
    expect(batch.pending).toBe(false)
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 5 })
    await batch.durable() // nothing open: at once
  })

  it('rolls a refused write back alone; the others of the turn commit', () => {
    const { db, batch, commits } = setup()
    const insert = db.prepare('INSERT INTO t VALUES (?)')
    batch.run(() => insert.run(1))
    expect(() =>
      batch.run(() => {
        insert.run(2)
        insert.run(1) // duplicate: the whole write is refused
      }),
    ).toThrow(/UNIQUE/)
    batch.run(() => insert.run(3))
    commits[0]!()
    expect(db.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 3])
  })

  it('fails the waiting answers and reports the loss when SQLite rolled the batch back', async () => {
    const { db, batch, commits, lost } = setup()
    batch.run(() => db.prepare('INSERT INTO t VALUES (1)').run())
    const durable = batch.durable()
    db.exec('ROLLBACK') // as SQLite does by itself on an I/O or full-disk error
    commits[0]!()
    await expect(durable).rejects.toThrow(/rolled back/)
    expect(lost()).toBe(1)
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 })
  })

  it('runs beforeCommit work inside the batch, in the same commit; work that throws is undone alone', async () => {
    const { db, batch, commits } = setup()
    const insert = db.prepare('INSERT INTO t VALUES (?)')
    const events: string[] = []
    batch.onCommitted(() => events.push('committed'))
    batch.onRolledBack(() => events.push('rolled back'))
    batch.beforeCommit(() => {
      insert.run(100)
      events.push('settled')
    })
    batch.beforeCommit(() => {
      insert.run(200)
      throw new Error('refused')
    })
    batch.run(() => insert.run(1))
    const durable = batch.durable()
    commits[0]!()
    await durable
    expect(commits).toHaveLength(1)
    expect(events).toEqual(['settled', 'rolled back', 'committed'])
    expect(db.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 100])
    expect(db.inTransaction).toBe(false)
  })

  it('tells its listeners of every undone write: a refused one, and a lost batch', async () => {
    const { db, batch, commits } = setup()
    let undone = 0
    batch.onRolledBack(() => (undone += 1))
    expect(() => batch.run(() => { throw new Error('refused') })).toThrow('refused')
    expect(undone).toBe(1)
    batch.run(() => db.prepare('INSERT INTO t VALUES (1)').run())
    const durable = batch.durable()
    db.exec('ROLLBACK')
    commits[0]!()
    await expect(durable).rejects.toThrow(/rolled back/)
    expect(undone).toBe(2)
  })
})

