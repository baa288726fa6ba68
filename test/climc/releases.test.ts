/**
 * The seed page's `climc k8s-release-*` commands, run by the real climc (test/climc/climc.ts)
 * against the real CLI with `--charts` holding `bitnami-new/etcd` 8.11.1 and 8.11.2: what climc
 * prints and how it exits, as a user sees it. The served climc is the 3.8 line, whose upgrade is
 * the seed's `k8s-release-upgrade NAME CHARTNAME` (PUT /api/releases/NAME).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { CLIMC_VERSION, ensureClimc, runClimc, type Result } from './climc.js'

const status = await ensureClimc()
if (!status.ok) process.stderr.write(`climc release tier skipped: ${status.reason}\n`)

const FIXTURES = fileURLToPath(new URL('../fixtures/cloudpods-charts', import.meta.url))

describe.skipIf(!status.ok)(`real climc (${CLIMC_VERSION}): the seed page's k8s-release commands`, () => {
  let cli: RunningCli
  let work: string
  const climc = (...args: string[]): Promise<Result> =>
    runClimc(args, { authUrl: `${cli.url}/v3`, env: { OS_USERNAME: 'sysadmin', OS_PASSWORD: 'any', OS_PROJECT_NAME: 'system' } })

  beforeAll(async () => {
    cli = await startCli(['--port', '0', '--db', ':memory:', '--charts', FIXTURES])
    work = await mkdtemp(join(tmpdir(), 'climc-rel-'))
  })
  afterAll(async () => {
    await cli?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  /** A Field/Value table row's value (climc prints single objects so). */
  const field = (out: string, name: string): string | undefined => new RegExp(`^\\|\\s*${name}\\s*\\|\\s*(.*?)\\s*\\|$`, 'm').exec(out)?.[1]

  it('create, list, show, upgrade (values, then --version), history, rollback 2, delete', { timeout: 120_000 }, async () => {
    // climc k8s-release-create --cluster test122 --namespace default --name etcd-release --version 8.11.1 bitnami-new/etcd
    const created = await climc('k8s-release-create', '--cluster', 'test122', '--namespace', 'default', '--name', 'etcd-release', '--version', '8.11.1', 'bitnami-new/etcd')
    expect(created.code, created.stderr).toBe(0)
    expect(field(created.stdout, 'name')).toBe('etcd-release')
    expect(field(created.stdout, 'status')).toBe('creating')
    expect(field(created.stdout, 'chart_version')).toBe('8.11.1')
    const id = field(created.stdout, 'id')!
    expect(id).toMatch(/^[0-9a-f-]{36}$/)

    // climc k8s-release-list --type external / --cluster test122 / --name etcd-release
    for (const args of [['--type', 'external'], ['--cluster', 'test122'], ['--type', 'external', '--name', 'etcd-release']]) {
      const list = await climc('k8s-release-list', ...args)
      expect(list.code, list.stderr).toBe(0)
      expect(list.stdout).toMatch(new RegExp(`\\|\\s*etcd-release\\s*\\|\\s*${id}\\s*\\|\\s*deployed\\s*\\|`))
      expect(list.stdout).toContain('Total: 1')
    }
    const none = await climc('k8s-release-list', '--type', 'internal')
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('Total: 0')

    // climc k8s-release-show etcd-release: prints release.resources
    const shown = await climc('k8s-release-show', 'etcd-release')
    expect(shown.code, shown.stderr).toBe(0)
    expect(field(shown.stdout, 'statefulset')).toContain('"name":"etcd-release"')
    expect(field(shown.stdout, 'k8s_service')).toContain('"kind":"Service"')
    expect(field(shown.stdout, 'configmap')).toContain('etcd-release-configuration')

    // climc k8s-release-upgrade --values ./values.yaml etcd-release bitnami-new/etcd (the seed's form)
    const values = join(work, 'values.yaml')
    await writeFile(values, 'image:\n  tag: "3.5.8-debian-11-r9"\n')
    const up = await climc('k8s-release-upgrade', '--values', values, '--version', '8.11.1', 'etcd-release', 'bitnami-new/etcd')
    expect(up.code, up.stderr).toBe(0)
    expect(field(up.stdout, 'config')).toBe('{"image":{"tag":"3.5.8-debian-11-r9"}}')
    expect(field(up.stdout, 'version')).toBe('2')

    // climc k8s-release-upgrade --version 8.11.2 etcd-release bitnami-new/etcd: the config is kept
    const up2 = await climc('k8s-release-upgrade', '--version', '8.11.2', 'etcd-release', 'bitnami-new/etcd')
    expect(up2.code, up2.stderr).toBe(0)
    expect(field(up2.stdout, 'version')).toBe('3')
    expect(field(up2.stdout, 'chart')).toContain('"version":"8.11.2"')
    expect(field(up2.stdout, 'config')).toBe('{"image":{"tag":"3.5.8-debian-11-r9"}}')

    // climc k8s-release-history etcd-release: YAML, newest first
    const history = await climc('k8s-release-history', 'etcd-release')
    expect(history.code, history.stderr).toBe(0)
    const entries = [...history.stdout.matchAll(/- chart: (\S+)\n\s+description: (.+)\n\s+revision: (\d+)\n\s+status: (\S+)/g)].map((m) => [Number(m[3]), m[4], m[1], m[2]])
    expect(entries).toEqual([
      [3, 'deployed', 'etcd-8.11.2', 'Upgrade complete'],
      [2, 'superseded', 'etcd-8.11.1', 'Upgrade complete'],
      [1, 'superseded', 'etcd-8.11.1', 'Install complete'],
    ])

    // climc k8s-release-rollback etcd-release 2: the release, as YAML
    const back = await climc('k8s-release-rollback', 'etcd-release', '2')
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toMatch(/^status: pending-rollback$/m)
    expect(back.stdout).toMatch(/^version: 4$/m)
    expect(back.stdout).toMatch(/^\s+description: Rollback to 2$/m)

    // climc k8s-release-delete etcd-release: deleting, then gone
    const deleted = await climc('k8s-release-delete', 'etcd-release')
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(field(deleted.stdout, 'status')).toBe('deleting')
    const gone = await climc('k8s-release-show', 'etcd-release')
    expect(gone.code).toBe(1)
    expect(gone.stderr + gone.stdout).toContain('Name etcd-release not found')
    expect((await climc('k8s-release-list')).stdout).toContain('Total: 0')
  })

  it("errors print the server's flat body and exit 1", { timeout: 60_000 }, async () => {
    const dup = await climc('k8s-release-create', '--cluster', 'c1', '--namespace', 'default', '--name', 'web', 'bitnami-new/etcd')
    expect(dup.code, dup.stderr).toBe(0)
    const again = await climc('k8s-release-create', '--cluster', 'c1', '--namespace', 'default', '--name', 'web', 'bitnami-new/etcd')
    expect(again.code).toBe(1)
    expect(again.stderr + again.stdout).toMatch(/"class":"DuplicateNameError".*"code":409.*"details":"Duplicate name release web"/)
    const badChart = await climc('k8s-release-create', '--cluster', 'c1', '--namespace', 'default', '--name', 'x', 'bitnami-new/nosuch')
    expect(badChart.code).toBe(1)
    expect(badChart.stderr + badChart.stdout).toMatch(/"code":404/)
    const history = await climc('k8s-release-history', 'nosuch')
    expect(history.code).toBe(1)
    expect(history.stderr + history.stdout).toMatch(/"class":"ResourceNotFoundError".*"details":"release nosuch not found"/)
  })
})
