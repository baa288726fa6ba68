/**
 * The Cloudpods repo/chart route module, mounted under /api in a bare Fastify with a minimal
 * flat-error handler (the Cloudpods dialect plugin, with the real one, mounts it later). The
 * RepoService comes from the real app factory started with --charts, so the wiring is covered too.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoId } from '../../src/cloudpods/ids.js'
import { repoRoutes } from '../../src/wire/cloudpods/repo-routes.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { chartPackage, indexYaml, serveFiles, type FileServer } from '../helpers/http-repo.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/cloudpods-charts')
const BITNAMI_ID = repoId('bitnami-new')

/** The app's own /api scope (the Cloudpods error handler included); with openapi, the routes alone under swagger. */
async function routesApp(built: TestApp, opts: { openapi?: boolean } = {}): Promise<FastifyInstance> {
  if (!opts.openapi) return built.app
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register((await import('@fastify/swagger')).default, { openapi: { openapi: '3.0.3', info: { title: 't', version: '0' } } })
  await app.register(repoRoutes, { prefix: '/api', repos: built.cloudpods.repos })
  await app.ready()
  return app
}

let built: TestApp
let api: FastifyInstance
let server: FileServer
let workDir: string

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'cp-wire-'))
  cpSync(join(FIXTURES, 'bitnami-new'), join(workDir, 'bitnami-new'), { recursive: true })
  built = await buildTestApp({ charts: workDir })
  api = await routesApp(built)
  server = await serveFiles({ '/index.yaml': indexYaml([{ name: 'app', version: '1.0.0', url: 'app-1.0.0.tgz' }]), '/app-1.0.0.tgz': await chartPackage('app', '1.0.0') })
})
afterAll(async () => {
  await api.close()
  await built.close()
  await server.close()
  rmSync(workDir, { recursive: true, force: true })
})

// climc sends the Keystone token on every /api call; presence mode accepts any.
const headers = { 'x-auth-token': 'any' }
const get = (url: string) => api.inject({ method: 'GET', url, headers })
const post = (url: string, payload?: unknown) => api.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
const del = (url: string) => api.inject({ method: 'DELETE', url, headers })
// The real framework stamps every error with the server's time (RFC 3339).
const error = (code: number, cls: string, details: string | RegExp) => ({ code, class: cls, details: typeof details === 'string' ? details : expect.stringMatching(details), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })

describe('the /api token check', () => {
  it('refuses a known route without X-Auth-Token (401 Unauthorized) and changes nothing, but an unknown path stays a 404', async () => {
    const refused = await api.inject({ method: 'POST', url: '/api/repos', payload: { repo: { name: 'sneaky', url: 'file:///tmp' } } })
    expect(refused.statusCode).toBe(401)
    expect(refused.json()).toEqual(error(401, 'UnauthorizedError', 'Unauthorized'))
    expect((await get('/api/repos/sneaky')).statusCode).toBe(404)
    const unknown = await api.inject({ method: 'GET', url: '/api/nothing-here' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 404, class: 'NotFoundError' })
  })
})

describe('GET /api/repos, GET /api/repos/{id}', () => {
  it('lists the --charts subfolder repo in the framework envelope', async () => {
    const res = await get('/api/repos')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      repos: [
        {
          id: BITNAMI_ID,
          name: 'bitnami-new',
          url: pathToFileURL(join(workDir, 'bitnami-new')).href,
          type: 'external',
          status: 'available',
          release_count: 0,
          created_at: '2026-03-01T08:00:00.000000Z',
          updated_at: '2026-03-01T08:00:00.000000Z',
          synced_at: '2026-03-01T08:00:00.000000Z',
          domain_id: 'default',
          project_domain: 'Default',
          public_scope: 'system',
          is_public: true,
          is_emulated: false,
          deleted: false,
          can_delete: true,
          can_update: true,
        },
      ],
      total: 1,
      limit: 2048,
    })
  })

  it('filters by type and name, pages with limit/offset, and answers an empty page as {"repos": []}', async () => {
    expect((await get('/api/repos?type=internal')).json()).toEqual({ repos: [] })
    expect((await get('/api/repos?name=bitnami-new&limit=20&offset=0&details=false&all=true')).json()).toMatchObject({ total: 1, limit: 20 })
    expect((await get('/api/repos?search=nami')).json().repos).toHaveLength(1)
    expect((await get('/api/repos?offset=1')).json()).toEqual({ repos: [], total: 1, limit: 2048, offset: 1 })
    expect((await get('/api/repos?limit=abc')).json()).toMatchObject({ code: 400, class: 'InputParameterError' })
  })

  it('shows a repo by id or name; an unknown one is 404 ResourceNotFoundError', async () => {
    for (const ref of [BITNAMI_ID, 'bitnami-new']) expect((await get(`/api/repos/${ref}`)).json()).toMatchObject({ repo: { id: BITNAMI_ID, name: 'bitnami-new' } })
    const res = await get('/api/repos/nope')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual(error(404, 'ResourceNotFoundError', 'repo nope not found'))
  })
})

describe('POST /api/repos, POST /api/repos/{id}/sync, DELETE /api/repos/{id}', () => {
  it('creates a repo from an HTTP Helm repository (wrapped body), syncs it, deletes it', async () => {
    const res = await post('/api/repos', { repo: { name: 'web', type: 'internal', url: server.url } })
    expect(res.statusCode).toBe(200)
    const repo = res.json().repo
    expect(repo).toMatchObject({ name: 'web', type: 'internal', url: server.url, release_count: 0 })
    expect(repo.id).toMatch(/^[0-9a-f-]{36}$/)
    expect((await get('/api/charts?repo=web')).json().charts.map((c: { version: string }) => c.version)).toEqual(['1.0.0'])

    server.files.set('/index.yaml', indexYaml([{ name: 'app', version: '1.0.0', url: 'app-1.0.0.tgz' }, { name: 'app', version: '1.2.0', url: 'app-1.2.0.tgz' }]))
    server.files.set('/app-1.2.0.tgz', await chartPackage('app', '1.2.0'))
    built.clock.advance(1500)
    const synced = await post(`/api/repos/${repo.id}/sync`, {})
    expect(synced.statusCode).toBe(200)
    expect(synced.json().repo).toMatchObject({ id: repo.id, updated_at: '2026-03-01T08:00:01.500000Z' })
    expect((await get('/api/charts?repo=web')).json().charts.map((c: { version: string }) => c.version)).toEqual(['1.2.0'])

    const gone = await del('/api/repos/web')
    expect(gone.statusCode).toBe(200)
    expect(gone.json().repo).toMatchObject({ id: repo.id, name: 'web' })
    expect((await get(`/api/repos/${repo.id}`)).statusCode).toBe(404)
    expect((await del('/api/repos/web')).json()).toEqual(error(404, 'ResourceNotFoundError', 'repo web not found'))
    expect((await post('/api/repos/web/sync', {})).statusCode).toBe(404)
  })

  it('requires the wrapped body (400 "No request key: repo") and refuses bad fields', async () => {
    expect((await post('/api/repos', { name: 'x', url: server.url })).json()).toEqual(error(400, 'InputParameterError', 'No request key: repo'))
    expect((await post('/api/repos', { repo: { url: server.url } })).json()).toEqual(error(400, 'InputParameterError', 'Missing name'))
    expect((await post('/api/repos', { repo: { name: 'x' } })).json()).toEqual(error(400, 'InputParameterError', 'Missing repo url'))
    expect((await post('/api/repos', { repo: { name: 'x', type: 'cloud', url: server.url } })).json()).toEqual(error(400, 'InputParameterError', 'Not support type "cloud"'))
    expect((await post('/api/repos', { repo: 'x' })).json()).toMatchObject({ code: 400, class: 'InputParameterError' })
    expect((await post('/api/repos', { repo: { name: 'x', url: 'oci://r/c' } })).json()).toMatchObject({ code: 406, class: 'NotAcceptableError' })
    expect((await post('/api/repos', { repo: { name: 'x', url: `${server.url}/missing` } })).json()).toEqual(error(406, 'NotAcceptableError', /^Add helm repo .* failed: GET .*index\.yaml \(index\.yaml\) answered HTTP 404$/))
    expect((await get('/api/repos?name=x')).json()).toEqual({ repos: [] })
  })

  it('answers 409 DuplicateNameError for a name in use', async () => {
    const res = await post('/api/repos', { repo: { name: 'bitnami-new', url: server.url } })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual(error(409, 'DuplicateNameError', 'Duplicate name repo bitnami-new'))
  })
})

describe('GET /api/charts, GET /api/charts/{name}', () => {
  it('lists the newest version of each chart, or all of them, in the {"charts": [...]} envelope', async () => {
    const res = await get('/api/charts?repo=bitnami-new')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ total: 1, limit: 2048 })
    expect(body.charts).toEqual([
      {
        chart: { apiVersion: 'v2', name: 'etcd', version: '8.11.2', appVersion: '3.5.8', description: expect.stringContaining('etcd 8.11.2'), digest: expect.stringMatching(/^[0-9a-f]{64}$/), created: '2026-03-01T08:00:00Z' },
        apiVersion: 'v2',
        name: 'etcd',
        version: '8.11.2',
        appVersion: '3.5.8',
        description: expect.any(String),
        repo: 'bitnami-new',
        type: 'external',
      },
    ])
    const all = (await get(`/api/charts?repo=${BITNAMI_ID}&all_version=true`)).json()
    expect(all.charts.map((c: { version: string }) => c.version)).toEqual(['8.11.2', '8.11.1'])
    expect((await get('/api/charts?repo=bitnami-new&all_version=true&limit=1&offset=1')).json()).toMatchObject({ charts: [{ version: '8.11.1' }], total: 2, limit: 1, offset: 1 })
    expect((await get('/api/charts?repo=bitnami-new&version=<8.11.2')).json().charts.map((c: { version: string }) => c.version)).toEqual(['8.11.1'])
    expect((await get('/api/charts?repo=bitnami-new&name=nginx')).json()).toEqual({ charts: [] })
  })

  it('refuses a list without repo (406 NotEmptyError), an unknown repo (404) and a bad constraint (400)', async () => {
    expect((await get('/api/charts')).json()).toEqual(error(406, 'NotEmptyError', 'repo must provided'))
    expect((await get('/api/charts?repo=nope')).json()).toEqual(error(404, 'ResourceNotFoundError', 'repo nope not found'))
    expect((await get('/api/charts?repo=bitnami-new&version=latest')).json()).toMatchObject({ code: 400, class: 'InputParameterError' })
  })

  it('shows a chart with its default values at .chart.chart.values (the seed page jq path), newest by default', async () => {
    const res = await get('/api/charts/etcd?repo=bitnami-new')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.chart.name).toBe('etcd')
    expect(body.chart.repo).toBe('bitnami-new')
    expect(body.chart.chart.metadata).toMatchObject({ apiVersion: 'v2', name: 'etcd', version: '8.11.2' })
    expect(body.chart.chart.values).toEqual({
      replicaCount: 1,
      image: { registry: 'docker.io', repository: 'bitnami/etcd', tag: '3.5.9-debian-11-r1', pullPolicy: 'IfNotPresent' },
      auth: { rbac: { create: true, rootPassword: '' } },
      service: { type: 'ClusterIP', ports: { client: 2379, peer: 2380 } },
      persistence: { enabled: true, size: '8Gi' },
    })
    const old = (await get(`/api/charts/etcd?repo=${BITNAMI_ID}&version=8.11.1`)).json()
    expect(old.chart.chart.metadata.version).toBe('8.11.1')
    expect(old.chart.chart.values.image.tag).toBe('3.5.8-debian-11-r8')
    expect((await get('/api/charts/etcd?repo=bitnami-new&version=~8.11.0')).json().chart.chart.metadata.version).toBe('8.11.2')
  })

  it('refuses a show without repo (400), an unknown repo or chart or version (404)', async () => {
    expect((await get('/api/charts/etcd')).json()).toEqual(error(400, 'InputParameterError', 'repo not provided'))
    expect((await get('/api/charts/etcd?repo=nope')).json()).toEqual(error(404, 'ResourceNotFoundError', 'repo nope not found'))
    expect((await get('/api/charts/nginx?repo=bitnami-new')).json()).toEqual(error(404, 'ResourceNotFoundError', 'chart nginx not found in repo bitnami-new'))
    expect((await get('/api/charts/etcd?repo=bitnami-new&version=9.0.0')).json()).toEqual(
      error(404, 'ResourceNotFoundError', 'chart etcd has no version matching "9.0.0" in repo bitnami-new (it has 8.11.2, 8.11.1)'),
    )
  })
})

describe('control-plane reset', () => {
  it('removes API repos and puts the --charts repos back (registered by the app factory)', async () => {
    expect((await post('/api/repos', { repo: { name: 'temp', url: server.url } })).statusCode).toBe(200)
    expect((await del('/api/repos/bitnami-new')).statusCode).toBe(200)
    // A scoped reset leaves repos alone: they belong to no project, cluster or namespace.
    expect(built.control.reset({ clusterId: 'c1' }).deleted).toMatchObject({ cloudpods_repos: 0 })
    expect(built.control.reset().deleted).toMatchObject({ cloudpods_repos: 1 })
    expect((await get('/api/repos')).json().repos.map((r: { name: string }) => r.name)).toEqual(['bitnami-new'])
    expect((await get('/api/charts?repo=bitnami-new&all_version=true')).json().total).toBe(2)
  })
})

describe('OpenAPI', () => {
  it('documents every route with an operationId and its Cloudpods tag', async () => {
    const app = await routesApp(built, { openapi: true })
    const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { operationId: string; tags: string[]; responses: Record<string, unknown> }>> }
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId} ${op.tags.join()} ${Object.keys(op.responses).join()}`))
    expect(ops.sort()).toEqual([
      'DELETE /api/repos/{id} cloudpodsDeleteRepo Cloudpods repos 200,400,404,406,409',
      'GET /api/charts cloudpodsListCharts Cloudpods charts 200,400,404,406,409',
      'GET /api/charts/{name} cloudpodsGetChart Cloudpods charts 200,400,404,406,409',
      'GET /api/repos cloudpodsListRepos Cloudpods repos 200,400,404,406,409',
      'GET /api/repos/{id} cloudpodsGetRepo Cloudpods repos 200,400,404,406,409',
      'POST /api/repos cloudpodsCreateRepo Cloudpods repos 200,400,404,406,409',
      'POST /api/repos/{id}/sync cloudpodsSyncRepo Cloudpods repos 200,400,404,406,409',
    ])
    await app.close()
  })
})
