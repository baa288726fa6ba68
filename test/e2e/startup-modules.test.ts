/**
 * Start-up to the first answer is budgeted against a bare `node` server (issue 11): the built CLI
 * loads Node's modules for threads, heap figures, assertions, HTTP/2, HTTPS, DNS, timing and
 * module resolution only when something uses them (scripts/bundle.mjs), never to start, answer
 * its health probe and stop. Seen from outside: the modules the process loads (NODE_DEBUG=module).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'

const ON_FIRST_USE = ['worker_threads', 'perf_hooks', 'module', 'v8', 'assert', 'http2', 'https', 'dns', 'fs/promises']

const running: RunningCli[] = []
const folders: string[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

describe('start-up', () => {
  it('starts on a database file, answers its health probe and stops without loading the modules it needs only later', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cce-startup-'))
    folders.push(folder)
    const cli = await startCli(['--port', '0', '--db', join(folder, 'emulator.db')], { NODE_DEBUG: 'module' })
    running.push(cli)
    const health = await fetch(`${cli.url}/_emulator/health`)
    expect(health.status).toBe(200)
    await health.text()
    expect(await cli.stop()).toBe(0)
    const builtins = cli
      .output()
      .split('\n')
      .map((line) => /load built-in module (?:node:)?(\S+)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined)
    // The log does list the modules it loads: the check below is not vacuous.
    expect(builtins).toContain('http')
    expect(builtins.filter((name) => ON_FIRST_USE.includes(name))).toEqual([])
  })
})
