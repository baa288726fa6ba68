/**
 * `--db` against the real CLI: one emulator process per database file (a second is refused
 * before it listens, naming the file and the holder's pid), a kill -9 leaves no stale lock, and a
 * path that cannot hold a database fails at once with the flag, the path and the reason.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { runCli, startCli, type RunningCli } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'cce-emu-dbfile-'))
const running: RunningCli[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  rmSync(dir, { recursive: true, force: true })
})

const EXAMPLE_CHARTS = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const NGINX_DEMO = stableChartId('nginx-demo', '1.0.0')

async function start(db: string): Promise<RunningCli> {
  const cli = await startCli(['--port', '0', '--db', db, '--charts', EXAMPLE_CHARTS])
  running.push(cli)
  return cli
}

const headers = { 'x-auth-token': 'e2e', 'content-type': 'application/json' }
const releases = (url: string) => `${url}/cce/cam/v3/clusters/c1/releases`
const names = async (url: string) => ((await (await fetch(releases(url), { headers })).json()) as Array<{ name: string }>).map((r) => r.name)
const create = async (url: string, name: string) => {
  const body = JSON.stringify({ name, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO })
  expect((await fetch(releases(url), { method: 'POST', headers, body })).status).toBe(201)
}

describe('--db: one emulator process per database file', () => {
  it('refuses a second process on the same file before it listens, naming the file and the holder pid', async () => {
    const db = join(dir, 'shared.db')
    const first = await start(db)
    await create(first.url, 'web')
    const second = await runCli(['--port', '0', '--db', db], 10_000)
    expect(second.code).toBe(1)
    expect(second.stderr).toBe(
      `cce-release-emulator: --db ${db}: in use by another emulator (pid ${first.proc.pid}); one database file serves one emulator process: stop that one, or give this one a file of its own\n`,
    )
    expect(second.stdout).not.toContain('ready at')
    // The holder is untouched and still the only writer; once it stops, the file is free again.
    await create(first.url, 'api')
    expect(await first.stop('SIGTERM')).toBe(0)
    expect(existsSync(`${db}-pid`)).toBe(false)
    const next = await start(db)
    expect(await names(next.url)).toEqual(['api', 'web'])
    await next.stop('SIGTERM')
  })

  it('after kill -9 the next start opens the file (the lock died with the holder) and keeps its data', async () => {
    const db = join(dir, 'killed.db')
    const first = await start(db)
    await create(first.url, 'web')
    await first.stop('SIGKILL')
    // The killed holder's pid file is still there: it must not block, nor be believed.
    expect(readFileSync(`${db}-pid`, 'utf8').trim()).toBe(String(first.proc.pid))

    const second = await start(db)
    expect(await names(second.url)).toEqual(['web'])
    expect(readFileSync(`${db}-pid`, 'utf8').trim()).toBe(String(second.proc.pid))
    const third = await runCli(['--port', '0', '--db', db], 10_000)
    expect(third.code).toBe(1)
    expect(third.stderr).toContain(`--db ${db}: in use by another emulator (pid ${second.proc.pid})`)
    await second.stop('SIGTERM')
  })
})

describe('--db: paths that cannot hold a database', () => {
  it('a path under /proc fails at once with exit code 2 instead of spinning in folder creation', async () => {
    const res = await runCli(['--port', '0', '--db', '/proc/x/y.db'], 10_000)
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/^cce-release-emulator: --db \/proc\/x\/y\.db: cannot create the folder \/proc\/x \(ENOENT: [^)]*\); \/proc is a kernel pseudo-filesystem, not a disk: give a path on one\n$/)
  })

  it('a folder, a file in place of a folder, a file that is not a database, and an empty path', async () => {
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'plain text, not SQLite\n'.repeat(50))
    const cases: Array<[string, string]> = [
      [dir, `--db ${dir}: is not a regular file (SQLite needs one)`],
      [join(text, 'x.db'), `--db ${join(text, 'x.db')}: ${text} is not a folder`],
      [text, `--db ${text}: is not an SQLite database`],
      ['', '--db must be a file path or :memory: (got "")'],
    ]
    for (const [path, message] of cases) {
      const res = await runCli(['--port', '0', '--db', path])
      expect(res.code, path).toBe(2)
      expect(res.stderr).toBe(`cce-release-emulator: ${message}\n`)
    }
    expect(readFileSync(text, 'utf8')).toBe('plain text, not SQLite\n'.repeat(50))
  })
})
