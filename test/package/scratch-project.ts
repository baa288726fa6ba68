/**
 * A project that is not this one, with the package installed from its packed tarball, offline:
 * what a user gets from `npm install cce-release-emulator`.
 *
 * Offline needs two stand-ins for the network, neither of which changes what is installed:
 *   - npm's cache holds the dependency tarballs (this checkout's `npm ci` put them there) but not
 *     the registry's metadata that resolving version ranges needs, so the scratch project gets a
 *     lockfile: the tarball plus this repository's locked production dependencies, the exact
 *     versions an install resolves to today;
 *   - better-sqlite3's install script (prebuild-install) downloads a prebuilt addon from GitHub,
 *     else compiles for minutes; it is handed the addon this checkout built, as a local prebuild
 *     (npm_config_better_sqlite3_local_prebuilds, prebuild-install's own offline option).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
const repoPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> }

type LockEntry = { version?: string; dev?: boolean; devOptional?: boolean; [k: string]: unknown }

export interface Packed {
  tarball: string
  /** Environment for npm commands that install it offline. */
  env: NodeJS.ProcessEnv
}

/** `npm pack` of the current build (npm test builds first) into a fresh folder. */
export function pack(): Packed {
  const dir = mkdtempSync(join(tmpdir(), 'cce-pack-'))
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' })
  const { filename } = (JSON.parse(out) as Array<{ filename: string }>)[0]!
  const prebuilds = join(dir, 'prebuilds')
  mkdirSync(prebuilds)
  const sqlite = JSON.parse(readFileSync(join(REPO, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }
  const asset = `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  execFileSync('tar', ['czf', join(prebuilds, asset), 'build/Release/better_sqlite3.node'], { cwd: join(REPO, 'node_modules/better-sqlite3') })
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_better_sqlite3_local_prebuilds: prebuilds }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_') || key === 'NODE_OPTIONS' || key.startsWith('VITEST')) delete env[key]
  return { tarball: join(dir, filename), env }
}

/** package.json and package-lock.json for a project depending on the tarball (copied beside them). */
export function seedProject(dir: string, packed: Packed, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true })
  const file = 'cce-release-emulator.tgz'
  cpSync(packed.tarball, join(dir, file))
  const spec = `file:${file}`
  const manifest = { name: 'scratch-project', version: '1.0.0', private: true, dependencies: { [repoPackage.name]: spec }, ...extra }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const repoLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const packages: Record<string, LockEntry> = { '': { name: 'scratch-project', version: '1.0.0', dependencies: manifest.dependencies } }
  const integrity = `sha512-${execFileSync('openssl', ['dgst', '-sha512', '-binary', packed.tarball]).toString('base64')}`
  packages[`node_modules/${repoPackage.name}`] = {
    version: repoPackage.version,
    resolved: spec,
    integrity,
    dependencies: repoPackage.dependencies,
    bin: { 'cce-release-emulator': 'dist/bin.cjs' },
  }
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    if (key === '' || entry.dev || entry.devOptional) continue
    packages[key] = entry
  }
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify({ name: 'scratch-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`)
}

/** A scratch project with the package installed (`npm ci`, offline). */
export function installScratchProject(packed: Packed): string {
  const dir = mkdtempSync(join(tmpdir(), 'cce-scratch-'))
  seedProject(dir, packed)
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: packed.env, stdio: ['ignore', 'pipe', 'pipe'] })
  return dir
}
