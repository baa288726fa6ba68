/**
 * --charts with Cloudpods repo subfolders on the real CLI and a database file: top-level packages
 * still fill the CCE chart stores, `bitnami-new/` becomes a Cloudpods repo under the id derived
 * from its name, and a restart on the same file loads it again without duplicating anything.
 * (The /api routes are mounted by the Cloudpods dialect plugin; this checks start-up and storage.)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { repoId } from '../../src/cloudpods/ids.js'
import { startCli } from '../helpers/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const FIXTURES = fileURLToPath(new URL('../fixtures/cloudpods-charts', import.meta.url))

const dir = mkdtempSync(join(tmpdir(), 'cp-e2e-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('--charts DIR with Cloudpods repo subfolders', () => {
  it('loads top-level packages for CCE and subfolders as repos, again after a restart, into one database file', async () => {
    const charts = join(dir, 'charts')
    cpSync(EXAMPLES, charts, { recursive: true })
    cpSync(join(FIXTURES, 'bitnami-new'), join(charts, 'bitnami-new'), { recursive: true })
    const db = join(dir, 'state.db')
    const args = ['--port', '0', '--db', db, '--charts', charts]

    for (let run = 0; run < 2; run++) {
      const cli = await startCli(args)
      try {
        expect(cli.output()).toContain(`loaded Cloudpods repo bitnami-new (2 chart versions) as ${repoId('bitnami-new')}`)
        const res = await fetch(`${cli.url}/v2/charts`, { headers: { 'x-auth-token': 'e2e' } })
        expect(res.status).toBe(200)
        const names = ((await res.json()) as Array<{ name: string; version: string }>).map((c) => `${c.name}-${c.version}`)
        expect(names).toEqual(['nginx-demo-1.0.0', 'nginx-demo-1.1.0', 'redis-lite-0.3.0'])
      } finally {
        await cli.stop()
      }
    }

    const check = new Database(db, { readonly: true })
    try {
      expect(check.prepare('SELECT id, name, type, origin FROM cloudpods_repos').all()).toEqual([{ id: repoId('bitnami-new'), name: 'bitnami-new', type: 'external', origin: 'folder' }])
      expect(check.prepare('SELECT name, version FROM cloudpods_repo_charts ORDER BY version').all()).toEqual([
        { name: 'etcd', version: '8.11.1' },
        { name: 'etcd', version: '8.11.2' },
      ])
      expect(check.prepare('SELECT count(*) FROM cloudpods_chart_packages').pluck().get()).toBe(2)
    } finally {
      check.close()
    }
  })
})
