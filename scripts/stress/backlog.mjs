// Due work: a restart that finds thousands of operations due, and a clock advance that makes
// thousands due at once while other clients call.
import { join } from 'node:path'
import { call, Checks, EXAMPLE_CHARTS, NGINX_DEMO, releaseUrl, releasesUrl, removeDir, sleep, startServer, tempDir, watch } from './lib.mjs'

const N = 3000
const CONCURRENCY = 50
const INSTALL_MS = 10_000

/** Runs `make(i)` for i < n with `concurrency` in flight; answers the statuses. */
async function pool(n, concurrency, make) {
  const statuses = new Array(n)
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++
      statuses[i] = (await make(i)).status
    }
  }))
  return statuses
}

export const backlog = {
  name: 'due-backlog',
  about: `${N} installs falling due while the server is down (kill -9), then a restart; then ${N} upgrades made due by one clock advance while other clients call`,
  run: async () => {
    const dir = tempDir('backlog')
    const db = join(dir, 'emulator.db')
    const args = ['--charts', EXAMPLE_CHARTS]
    const checks = new Checks()
    let stats
    let note = ''
    try {
      const first = await startServer(db, args)
      await call('PUT', `${first.url}/_emulator/lifecycle`, { body: { operations: { install: { mode: 'time', delay_ms: INSTALL_MS } } } })
      const t0 = performance.now()
      const created = await pool(N, CONCURRENCY, (i) =>
        call('POST', releasesUrl(first.url), { body: { name: `app-${i}`, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: { i } } }))
      const createS = (performance.now() - t0) / 1000
      checks.add(`${N} creates answered 201`, created.every((s) => s === 201), [...new Set(created)].join(','))
      first.proc.kill('SIGKILL')
      await first.exited
      // The last create falls due INSTALL_MS after it was answered.
      await sleep(INSTALL_MS + 500)

      const second = await startServer(db, args)
      try {
        const w = await watch(second)
        const list = await call('GET', releasesUrl(second.url))
        const pending = (list.json ?? []).filter((r) => r.status !== 'DEPLOYED').length
        checks.add(`after the restart, the first list shows all ${N} DEPLOYED`, list.json?.length === N && pending === 0, `${list.json?.length} listed, ${pending} not DEPLOYED`)

        await call('PUT', `${second.url}/_emulator/lifecycle`, { body: { operations: { upgrade: { mode: 'time', delay_ms: 3_600_000 } } } })
        const upgraded = await pool(N, CONCURRENCY, (i) =>
          call('PUT', releaseUrl(second.url, `app-${i}`), { body: { chart_id: NGINX_DEMO, action: 'upgrade', parameters: {}, values: { i, v: 2 } } }))
        checks.add(`${N} upgrades answered 200`, upgraded.every((s) => s === 200), [...new Set(upgraded)].join(','))
        const a0 = performance.now()
        const advanced = await call('POST', `${second.url}/_emulator/clock/advance`, { body: { seconds: 3601 } })
        const advanceMs = performance.now() - a0
        checks.add(`one advance settles all ${N} upgrades`, advanced.json?.settled === N, advanced.text.slice(0, 200))
        const after = await call('GET', releasesUrl(second.url))
        checks.add('every release is at revision 2, DEPLOYED', (after.json ?? []).every((r) => r.status === 'DEPLOYED' && r.version === 2), '')
        stats = await w.stop()
        note = `${N} creates in ${createS.toFixed(1)} s; restart with ${N} due ready in ${second.readyMs.toFixed(0)} ms; advance settling ${N} answered in ${advanceMs.toFixed(0)} ms`
      } finally {
        await second.stop()
      }
    } finally {
      removeDir(dir)
    }
    return { stats, checks, note }
  },
}
