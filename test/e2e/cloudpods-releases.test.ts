/**
 * The seed page's Cloudpods flow on the real CLI over HTTP, with the bodies of the spec's climc
 * cheat-sheet (cloudpods-release-api.md §9, cloudpods-climc-wire.md §2): log in to Keystone,
 * create, list, show, upgrade (today's POST .../upgrade and the seed's PUT), history, rollback to
 * 2, delete → deleting → 404. `--charts` holds `bitnami-new/etcd` 8.11.1 and 8.11.2. Then a
 * restart on the same database file keeps ids, revisions and pending work.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { clusterId } from '../../src/cloudpods/ids.js'
import { startCli, type RunningCli } from '../helpers/cli.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cloudpods-charts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'cprel-e2e-'))
const charts = join(dir, 'charts')
cpSync(FIXTURES, charts, { recursive: true })

const running: RunningCli[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  rmSync(dir, { recursive: true, force: true })
})

async function start(db: string, extra: string[] = []): Promise<RunningCli> {
  const cli = await startCli(['--port', '0', '--db', db, '--charts', charts, ...extra])
  running.push(cli)
  return cli
}

interface Answer {
  status: number
  body: any
}

/** climc's login: one Keystone call, the token in X-Subject-Token, the k8s endpoint in the catalog. */
async function login(url: string): Promise<{ token: string; api: string }> {
  const res = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { context: { source: 'cli' }, identity: { methods: ['password'], password: { user: { name: 'sysadmin', password: 'pw' } } }, scope: { project: { name: 'system' } } } }),
  })
  expect(res.status).toBe(201)
  const body = (await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } }
  const k8s = body.token.catalog.find((s) => s.type === 'k8s')!.endpoints.find((e) => e.interface === 'internal')!
  return { token: res.headers.get('x-subject-token')!, api: k8s.url }
}

function client(api: string, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json', 'user-agent': 'yunioncloud-go/201708' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }
}

describe("the seed page's flow on the real CLI", () => {
  it('create, list, show, upgrade (POST and PUT), history, rollback to 2, delete', async () => {
    const cli = await start(join(dir, 'flow.db'))
    const { token, api } = await login(cli.url)
    expect(api).toBe(`${cli.url}/api`)
    const call = client(api, token)

    // k8s-release-create bitnami-new/etcd --name etcd-release --cluster test122 --namespace default --version 8.11.1 -f values.yaml
    const created = await call('POST', '/releases', {
      release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release', timeout: 600, values_json: { replicaCount: 3 }, version: '8.11.1' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    expect(created.body.release).toMatchObject({ name: 'etcd-release', status: 'creating', chart: 'etcd', chart_version: '8.11.1', cluster: 'test122', cluster_id: clusterId('test122'), namespace: 'default', config: { replicaCount: 3 }, version: 1 })
    const id = created.body.release.id as string

    // k8s-release-list (climc's query), and the seed's list by cluster and type
    const list = await call('GET', '/releases?all=true&details=false&limit=20&offset=0&summary_stats=false')
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ total: 1, limit: 20, releases: [{ id, name: 'etcd-release', chart: 'etcd', chart_version: '8.11.1', status: 'deployed' }] })
    const seedList = await call('GET', '/releases?all=true&cluster=test122&details=false&limit=20&offset=0&type=external')
    expect(seedList.body.releases.map((r: { id: string }) => r.id)).toEqual([id])
    expect((await call('GET', '/releases?all=true&details=false&limit=20&offset=0&type=internal')).body).toEqual({ releases: [] })

    // k8s-release-show etcd-release --cluster test122 --namespace default
    const shown = await call('GET', '/releases/etcd-release?cluster=test122&namespace=default')
    expect(shown.status).toBe(200)
    expect(shown.body.release).toMatchObject({ id, status: 'deployed', external_id: `${clusterId('test122')}/default/etcd-release`, type: 'external', version: 1 })
    expect(Object.keys(shown.body.release.resources).sort()).toEqual(['configmap', 'k8s_service', 'statefulset'])

    // k8s-release-upgrade etcd-release -f values.yaml --version 8.11.1 (climc 3.9+: POST .../upgrade)
    const up = await call('POST', '/releases/etcd-release/upgrade', {
      release: { cluster: 'test122', namespace: 'default', release_name: 'etcd-release', timeout: 600, values_json: { image: { tag: '3.5.8-debian-11-r9' } }, version: '8.11.1' },
    })
    expect(up.status, JSON.stringify(up.body)).toBe(200)
    expect(up.body.release).toMatchObject({ name: 'etcd-release', namespace: 'default', version: 2, config: { image: { tag: '3.5.8-debian-11-r9' } }, chart: { metadata: { name: 'etcd', version: '8.11.1' } } })

    // The seed's upgrade --version 8.11.2 (climc <= 3.8: PUT /api/releases/{name}); no values: the config is kept
    const put = await call('PUT', '/releases/etcd-release', {
      release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release', timeout: 600, version: '8.11.2' },
    })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    expect(put.body.release).toMatchObject({ version: 3, config: { image: { tag: '3.5.8-debian-11-r9' } }, chart: { metadata: { version: '8.11.2' } } })
    expect((await call('GET', `/releases/${id}`)).body.release).toMatchObject({ status: 'deployed', chart_version: '8.11.2', version: 3 })

    // k8s-release-history etcd-release --max 5 --cluster test122 --namespace default
    const history = await call('GET', '/releases/etcd-release/history?cluster=test122&max=5&namespace=default')
    expect(history.status).toBe(200)
    expect(history.body.release.map((h: { revision: number; status: string; chart: string; description: string }) => [h.revision, h.status, h.chart, h.description])).toEqual([
      [3, 'deployed', 'etcd-8.11.2', 'Upgrade complete'],
      [2, 'superseded', 'etcd-8.11.1', 'Upgrade complete'],
      [1, 'superseded', 'etcd-8.11.1', 'Install complete'],
    ])

    // k8s-release-rollback etcd-release 2
    const back = await call('POST', '/releases/etcd-release/rollback', { release: { cluster: 'test122', namespace: 'default', revision: 2 } })
    expect(back.status, JSON.stringify(back.body)).toBe(200)
    expect(back.body.release).toMatchObject({ id, status: 'pending-rollback', version: 4, info: { description: 'Rollback to 2' } })
    expect((await call('GET', '/releases/etcd-release')).body.release).toMatchObject({ status: 'deployed', version: 4, chart_version: '8.11.1', config: { image: { tag: '3.5.8-debian-11-r9' } } })

    // k8s-release-delete etcd-release --cluster test122 --namespace default
    const deleted = await call('DELETE', '/releases/etcd-release', { release: { cluster: 'test122', namespace: 'default' } })
    expect(deleted.status).toBe(200)
    expect(deleted.body.release).toMatchObject({ id, status: 'deleting' })
    const gone = await call('GET', '/releases/etcd-release?cluster=test122&namespace=default')
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ code: 404, class: 'ResourceNotFoundError', details: 'release etcd-release not found' })
    expect((await call('GET', '/releases?all=true&details=false&limit=20&offset=0')).body).toEqual({ releases: [] })
  })
})

describe('a restart on the same database file', () => {
  it('keeps ids, revisions and a pending install, which completes on emulator time after the restart', async () => {
    const db = join(dir, 'restart.db')
    const first = await start(db)
    const a = await login(first.url)
    const call1 = client(a.api, a.token)
    const web = (await call1('POST', '/releases', { release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'web', timeout: 600 } })).body.release
    await call1('POST', '/releases/web/upgrade', { release: { values_json: { replicaCount: 2 } } })
    await call1('GET', '/releases/web')
    // A slow install left pending across the restart.
    await fetch(`${first.url}/_emulator/lifecycle`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operations: { install: { mode: 'time', delay_ms: 600_000 } } }) })
    const slow = (await call1('POST', '/releases', { release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'slow', timeout: 600 } })).body.release
    expect(slow.status).toBe('creating')
    expect(await first.stop()).toBe(0)

    const second = await start(db)
    const b = await login(second.url)
    const call2 = client(b.api, b.token)
    expect((await call2('GET', `/releases/${web.id as string}`)).body.release).toMatchObject({ name: 'web', status: 'deployed', version: 2, config: { replicaCount: 2 }, created_at: web.created_at })
    expect((await call2('GET', '/releases/slow')).body.release).toMatchObject({ id: slow.id, status: 'creating' })
    await fetch(`${second.url}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 601 }) })
    expect((await call2('GET', `/releases/${slow.id as string}`)).body.release.status).toBe('deployed')
    const list = await call2('GET', '/releases?all=true&details=false&limit=20&offset=0')
    expect(list.body.releases.map((r: { name: string }) => r.name)).toEqual(['slow', 'web'])
  })
})
