#!/usr/bin/env node
// `npm start`: runs the built server in this process, building first only when dist/ is missing
// or older than a source, so a start on a built checkout is as fast as the command itself. The
// server runs in this process: when npm is stopped, so is it (see src/npm-parent.ts).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'

const root = new URL('../', import.meta.url)
const path = (p) => new URL(p, root).pathname
const mtime = (p) => {
  try {
    return statSync(p).mtimeMs
  } catch {
    return -1
  }
}

function newestSource() {
  let newest = Math.max(...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs', 'scripts/precompile-schemas.mjs'].map((f) => mtime(path(f))))
  for (const file of readdirSync(path('src'), { recursive: true })) newest = Math.max(newest, mtime(path(`src/${file}`)))
  return newest
}

const built = mtime(path('dist/.build-stamp'))
if (built < 0 || newestSource() > built) {
  process.stderr.write(built < 0 ? 'cce-release-emulator: no build yet, building…\n' : 'cce-release-emulator: sources changed since the last build, rebuilding…\n')
  const npm = process.env.npm_execpath
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', '--silent', 'build'], { cwd: path(''), stdio: ['ignore', 2, 'inherit'] })
    : spawnSync('npm', ['run', '--silent', 'build'], { cwd: path(''), stdio: ['ignore', 2, 'inherit'], shell: process.platform === 'win32' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

createRequire(import.meta.url)('../dist/bin.cjs')
