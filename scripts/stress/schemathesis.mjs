// Schema-driven fuzzing of the served /openapi.json with schemathesis (--checks all): the document
// must say what the server enforces, and no input may produce a 5xx.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { EXAMPLE_CHARTS, REPO, watched } from './lib.mjs'

const run = promisify(execFile)
const REQUIREMENTS = new URL('./requirements.txt', import.meta.url).pathname
const CONFIG = new URL('./schemathesis.toml', import.meta.url).pathname
const VENV = join(REPO, '.cache', 'stress-venv')
const MAX_EXAMPLES = Number(process.env.STRESS_ST_EXAMPLES ?? 30)

/** The pinned schemathesis in .cache/stress-venv; pip runs only when requirements.txt changed. */
async function ensureVenv() {
  const python = join(VENV, 'bin', 'python')
  const stamp = join(VENV, '.requirements.sha256')
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex')
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted) return join(VENV, 'bin', 'st')
  if (!existsSync(python)) await run('python3', ['-m', 'venv', VENV])
  await run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], { maxBuffer: 64 * 1024 * 1024 })
  writeFileSync(stamp, `${wanted}\n`)
  return join(VENV, 'bin', 'st')
}

export const schemathesis = {
  name: 'schemathesis',
  about: `schemathesis ${readFileSync(REQUIREMENTS, 'utf8').trim().split('==')[1]} against the served /openapi.json, --checks all, ${MAX_EXAMPLES} examples per operation, all phases`,
  run: async () => {
    const st = await ensureVenv()
    return watched('st', ['--charts', EXAMPLE_CHARTS, '--log-level', 'info'], async ({ url }, checks, dir) => {
      // Two passes on one server: the emulated APIs first, then the control plane. Fuzzed fault
      // rules and clock advances change how the APIs answer (on purpose), never the control plane.
      const passes = [
        ['apis', ['--exclude-path-regex', '^/_emulator']],
        ['control', ['--include-path-regex', '^/_emulator']],
      ]
      const notes = []
      for (const [pass, filter] of passes) {
        const report = join(dir, `st-${pass}.json`)
        const args = ['--config-file', CONFIG, 'run', `${url}/openapi.json`, ...filter, '--checks', 'all', '-H', 'X-Auth-Token: stress',
          '--max-examples', String(MAX_EXAMPLES), '--seed', process.env.STRESS_ST_SEED ?? '1', '--workers', '2', '--report', 'json', '--report-json-path', report]
        const out = await run(st, args, { cwd: dir, maxBuffer: 256 * 1024 * 1024, timeout: 30 * 60_000, env: { ...process.env, NO_COLOR: '1' } }).catch((e) => e)
        if (process.env.STRESS_ST_OUTPUT) writeFileSync(`${process.env.STRESS_ST_OUTPUT}.${pass}`, `${out.stdout ?? ''}${out.stderr ?? ''}`)
        if (!existsSync(report)) {
          checks.add(`${pass}: schemathesis produced its report`, false, `${out.stderr ?? ''}${out.stdout ?? ''}`.slice(-2000))
          continue
        }
        const r = JSON.parse(readFileSync(report, 'utf8'))
        const failures = r.failures ?? []
        const total = failures.reduce((n, f) => n + f.count, 0)
        const errors = (r.errors ?? []).map((e) => `${e.title ?? JSON.stringify(e)}×${e.count ?? 1}`)
        // Errors are schemathesis's own (its generator crashing), not answers from the server:
        // reported, not held against it.
        checks.add(`${pass}: all ${r.operations?.tested} operations tested`, r.operations?.tested === r.operations?.selected, `${r.operations?.tested}/${r.operations?.selected}`)
        const serverErrors = failures.filter((f) => f.code === 'ST101')
        checks.add(`${pass}: no server error (5xx)`, serverErrors.length === 0, serverErrors.map((f) => f.operations.join(', ')).join('; '))
        for (const f of failures.filter((x) => x.code !== 'ST101')) {
          checks.add(`${pass}: no ${f.code} ${f.title}`, false, `${f.count}: ${f.operations.slice(0, 6).join(', ')}${f.operations.length > 6 ? ', …' : ''}`)
        }
        notes.push(`${pass}: ${r.test_cases?.generated} cases, ${r.operations?.tested} operations, ${total} failures${failures.length ? ` (${failures.map((f) => `${f.code}×${f.count}`).join(', ')})` : ''}${errors.length ? `, schemathesis errors: ${errors.join(', ')}` : ''}, ${r.running_time?.toFixed(0)} s`)
      }
      return notes.join('; ')
    })
  },
}
