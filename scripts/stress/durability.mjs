// Durability and concurrency: kill -9 under write load; concurrent upgrades of one release.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { call, Checks, EXAMPLE_CHARTS, NGINX_DEMO, releaseUrl, releasesUrl, removeDir, sleep, startServer, tempDir, watch, watched } from './lib.mjs'

const Database = createRequire(import.meta.url)('better-sqlite3')
const CLIENTS = 200
const LOAD_MS = 5000

export const kill9 = {
  name: 'kill-9-under-load',
  about: `${CLIENTS} clients creating releases as fast as they can; kill -9 after ${LOAD_MS / 1000} s; integrity_check on the file, then a restart must show every acknowledged create`,
  run: async () => {
    const dir = tempDir('kill9')
    const db = join(dir, 'emulator.db')
    const checks = new Checks()
    let stats
    let note = ''
    try {
      const server = await startServer(db, ['--charts', EXAMPLE_CHARTS])
      const w = await watch(server)
      const acknowledged = []
      let attempts = 0
      let errors = 0
      let stop = false
      const client = async (c) => {
        for (let i = 0; !stop; i++) {
          const name = `c${c}-${i}`
          attempts++
          try {
            const r = await call('POST', releasesUrl(server.url), { body: { name, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: { client: c, i } } })
            if (r.status === 201) acknowledged.push(name)
            else if (!stop) errors++
          } catch {
            if (!stop) errors++ // a request in flight at the kill
          }
        }
      }
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c))
      await sleep(LOAD_MS)
      stats = await w.stop()
      server.proc.kill('SIGKILL')
      stop = true
      const exit = await server.exited
      await Promise.all(clients)
      checks.add('server died of SIGKILL', exit.signal === 'SIGKILL', JSON.stringify(exit))
      checks.add('no refused create while it ran', errors === 0, `${errors} errors`)
      checks.add('it acknowledged creates', acknowledged.length > 0, `${acknowledged.length}`)

      // The kernel lock died with the process: any SQLite client may open the file now.
      const file = new Database(db)
      const integrity = file.pragma('integrity_check', { simple: true })
      file.close()
      checks.add('PRAGMA integrity_check = ok', integrity === 'ok', String(integrity))

      const again = await startServer(db, ['--charts', EXAMPLE_CHARTS])
      try {
        const list = await call('GET', releasesUrl(again.url))
        const present = new Set((list.json ?? []).map((r) => r.name))
        const lost = acknowledged.filter((n) => !present.has(n))
        checks.add(`every acknowledged create (${acknowledged.length}) present after the restart`, lost.length === 0, `${lost.length} lost: ${lost.slice(0, 5).join(', ')}`)
        const one = acknowledged.length ? await call('GET', releaseUrl(again.url, acknowledged.at(-1))) : { status: 0 }
        checks.add('the last acknowledged release reads back', one.status === 200, `${one.status}`)
        note = `${acknowledged.length} of ${attempts} creates acknowledged in ${LOAD_MS / 1000} s (${present.size - acknowledged.length} more stored, in flight at the kill); restart ready in ${again.readyMs.toFixed(0)} ms`
      } finally {
        await again.stop()
      }
    } finally {
      removeDir(dir)
    }
    return { stats, checks, note }
  },
}

const ROUNDS = 5
const RACERS = 50

export const upgrades = {
  name: 'concurrent-upgrades',
  about: `${ROUNDS} rounds of ${RACERS} concurrent upgrades of one release (upgrades take 10 emulated minutes): exactly one accepted per round`,
  run: () =>
    watched('upgrades', ['--charts', EXAMPLE_CHARTS], async ({ url }, checks) => {
      await call('PUT', `${url}/_emulator/lifecycle`, { body: { operations: { upgrade: { mode: 'time', delay_ms: 600_000 } } } })
      const made = await call('POST', releasesUrl(url), { body: { name: 'race', namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: {} } })
      checks.add('create answered 201', made.status === 201, `${made.status} ${made.text.slice(0, 200)}`)
      await call('GET', releaseUrl(url, 'race'))
      const outcomes = []
      for (let round = 1; round <= ROUNDS; round++) {
        const answers = await Promise.all(Array.from({ length: RACERS }, (_, i) =>
          call('PUT', releaseUrl(url, 'race'), { body: { chart_id: NGINX_DEMO, action: 'upgrade', parameters: {}, values: { racer: i, round } } })))
        const accepted = answers.filter((a) => a.status === 200)
        const conflicts = answers.filter((a) => a.status === 409)
        outcomes.push(`${accepted.length}/${conflicts.length}`)
        checks.add(`round ${round}: exactly one 200, ${RACERS - 1} × 409`, accepted.length === 1 && conflicts.length === RACERS - 1, answers.map((a) => a.status).join(','))
        const winner = accepted[0]?.json
        const advanced = await call('POST', `${url}/_emulator/clock/advance`, { body: { seconds: 601 } })
        const shown = await call('GET', releaseUrl(url, 'race'))
        checks.add(`round ${round}: revision ${round + 1} DEPLOYED with the winner's values`,
          shown.json?.version === round + 1 && shown.json?.status === 'DEPLOYED' && JSON.stringify(shown.json?.values) === JSON.stringify(winner?.values),
          `${advanced.status} ${shown.text.slice(0, 200)}`)
      }
      const history = await call('GET', `${releaseUrl(url, 'race')}/history`)
      checks.add(`history holds ${ROUNDS + 1} revisions`, history.json?.length === ROUNDS + 1, `${history.json?.length}`)
      return `accepted/conflicts per round: ${outcomes.join(' ')}`
    }),
}
