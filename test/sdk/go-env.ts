/** Where the Go tiers keep Go's caches, shared by go.test.ts (the driver) and readme.test.ts (the README snippet). */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './venv.js'

export const GO_CACHE = join(REPO_ROOT, '.cache', 'go')

/** Go's caches under .cache/go; the proxy and checksum database stay the caller's (default: proxy.golang.org). */
export function goEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GOMODCACHE: join(GO_CACHE, 'mod'),
    GOPATH: join(GO_CACHE, 'path'),
    GOCACHE: join(GO_CACHE, 'build'),
    GOFLAGS: '-modcacherw -mod=readonly',
    GOTOOLCHAIN: 'local',
  }
}

/** `go version`, or undefined when there is no usable `go`. */
export function findGo(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('go', ['version'], { timeout: 30_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim()))
  })
}
