/**
 * Builds the Java SDK driver (test/sdk/java, a Maven project) into <repo>/.cache/java (git-ignored)
 * and hands back the classpath to run it with.
 *
 * Three speeds: the classes are current (the sha256 of pom.xml and the sources matches the stamp of
 * the last good build) → no Maven at all; only sources changed → `mvn -o` (the local repository
 * already holds every pinned artifact); pom.xml changed or first run → `mvn -B -q` online, from
 * Maven Central. The local repository is .cache/java/m2, so the user's ~/.m2 is neither read nor
 * filled (their settings.xml, mirrors included, still applies).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join, relative } from 'node:path'
import { REPO_ROOT } from './venv.js'

export const JAVA_SRC = join(REPO_ROOT, 'test', 'sdk', 'java')
export const JAVA_CACHE = join(REPO_ROOT, '.cache', 'java')
const M2 = join(JAVA_CACHE, 'm2')
const TARGET = join(JAVA_CACHE, 'target')
const CLASSES = join(TARGET, 'classes')
const DEPS_CLASSPATH = join(JAVA_CACHE, 'classpath.txt')
const BUILD_STAMP = join(JAVA_CACHE, 'build.sha256')
const DEPS_STAMP = join(JAVA_CACHE, 'deps.sha256')
const LOCK = join(JAVA_CACHE, 'build.lock')
const STALE_LOCK_MS = 15 * 60_000

/** The driver lives ~2 s: C1 only and the serial collector halve its CPU time on a busy 2-core machine. */
export const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']

export type JavaDriver =
  | { java: string; javaVersion: string; classpath: string; depsClasspath: string; build: 'cached' | 'offline' | 'online'; buildMs: number }
  | { skip: string }

interface Result {
  code: number
  stdout: string
  stderr: string
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

async function version(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await run(cmd, args, { timeoutMs: 60_000 })
    // `java -version` prints to stderr; `mvn -v` to stdout.
    return r.code === 0 ? ((r.stdout + r.stderr).split('\n')[0] ?? '').trim() : undefined
  } catch {
    return undefined
  }
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)))
    else if (entry.name.endsWith('.java')) out.push(path)
  }
  return out.sort()
}

async function hashes(): Promise<{ deps: string; build: string }> {
  const pom = await readFile(join(JAVA_SRC, 'pom.xml'))
  const deps = createHash('sha256').update(pom).digest('hex')
  const build = createHash('sha256').update(pom)
  for (const file of await sourceFiles(join(JAVA_SRC, 'src'))) build.update(relative(JAVA_SRC, file)).update('\0').update(await readFile(file))
  return { deps, build: build.digest('hex') }
}

async function stamp(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trim()
}

async function acquireLock(): Promise<() => Promise<void>> {
  await mkdir(dirname(LOCK), { recursive: true })
  for (;;) {
    try {
      await mkdir(LOCK)
      return () => rm(LOCK, { recursive: true, force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 500))
    }
  }
}

function mvnArgs(offline: boolean): string[] {
  return [
    '-B', '-q', ...(offline ? ['-o'] : []),
    `-Dmaven.repo.local=${M2}`,
    `-Ddriver.buildDir=${TARGET}`,
    'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${DEPS_CLASSPATH}`,
  ]
}

/**
 * Returns how to run the driver, building it first when needed. Without `java` or `mvn` it returns
 * `{ skip }`, except under CI=true, where it throws: CI must run the Java tier.
 */
export async function ensureJavaDriver(): Promise<JavaDriver> {
  const [javaVersion, mvnVersion] = await Promise.all([version('java', ['-version']), version('mvn', ['-v'])])
  const missing = [javaVersion ? '' : 'java', mvnVersion ? '' : 'mvn'].filter(Boolean).join(' and ')
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${missing} not found, and CI=true requires the Java SDK conformance tier`)
    return { skip: `${missing} not found` }
  }
  const started = Date.now()
  const ready = (build: 'cached' | 'offline' | 'online'): Promise<JavaDriver> =>
    readFile(DEPS_CLASSPATH, 'utf8').then((deps) => ({
      java: 'java',
      javaVersion: javaVersion!,
      classpath: `${CLASSES}${delimiter}${deps.trim()}`,
      depsClasspath: deps.trim(),
      build,
      buildMs: Date.now() - started,
    }))

  const want = await hashes()
  const current = async (): Promise<boolean> => existsSync(CLASSES) && existsSync(DEPS_CLASSPATH) && (await stamp(BUILD_STAMP)) === want.build
  if (await current()) return ready('cached')

  const release = await acquireLock()
  try {
    if (await current()) return ready('cached')
    // The stamp goes first, so an interrupted build is redone rather than trusted.
    await rm(BUILD_STAMP, { force: true })
    let offline = existsSync(M2) && (await stamp(DEPS_STAMP)) === want.deps
    let r = await run('mvn', mvnArgs(offline), { cwd: JAVA_SRC, timeoutMs: 15 * 60_000 })
    if (r.code !== 0 && offline) {
      // The local repository lost something (pruned by hand?): fetch it once more.
      offline = false
      r = await run('mvn', mvnArgs(false), { cwd: JAVA_SRC, timeoutMs: 15 * 60_000 })
    }
    if (r.code !== 0) {
      const tail = (r.stdout + r.stderr).split('\n').slice(-40).join('\n')
      throw new Error(`mvn build of the Java SDK driver failed (exit ${r.code}):\n${tail}`)
    }
    await writeFile(DEPS_STAMP, `${want.deps}\n`)
    await writeFile(BUILD_STAMP, `${want.build}\n`)
    return ready(offline ? 'offline' : 'online')
  } finally {
    await release()
  }
}
