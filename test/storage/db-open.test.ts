/**
 * The durability settings every connection runs with, whether openDatabase created the file or
 * found it: a new file's WAL switch runs unsynced (nothing in it yet), and that must not leak into
 * the writes that follow.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { closeDatabase, openDatabase } from '../../src/storage/db.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cce-emu-open-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

it('runs WAL with synchronous=NORMAL on a new file and on the same file reopened', () => {
  const file = join(dir, 'nested', 'emulator.db')
  for (const pass of ['created', 'reopened']) {
    const db = openDatabase(file)
    try {
      expect({ pass, mode: db.pragma('journal_mode', { simple: true }), synchronous: db.pragma('synchronous', { simple: true }) }).toEqual({ pass, mode: 'wal', synchronous: 1 })
    } finally {
      closeDatabase(db)
    }
  }
})
