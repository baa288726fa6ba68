// A full reset of a large emulator while other clients call: one DELETE of 20,000 releases held
// every client ~400 ms; the API's reset now removes them a slice per turn.
import { join } from 'node:path'
import { call, Checks, EXAMPLE_CHARTS, NGINX_DEMO, releasesUrl, removeDir, sleep, startServer, tempDir, watch } from './lib.mjs'

const N = 20_000
const CONCURRENCY = 50

export const bigReset = {
  name: 'big-reset',
  about: `${N.toLocaleString('en')} releases, then a full POST /_emulator/reset, with a create sent 100 ms into it`,
  run: async () => {
    const dir = tempDir('reset')
    const checks = new Checks()
    let stats
    let note = ''
    const server = await startServer(join(dir, 'emulator.db'), ['--charts', EXAMPLE_CHARTS])
    try {
      let next = 0
      const statuses = new Set()
      const t0 = performance.now()
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++
          statuses.add((await call('POST', releasesUrl(server.url), { body: { name: `app-${i}`, namespace: `ns-${i % 100}`, version: '1.0.0', chart_id: NGINX_DEMO, values: { i } } })).status)
        }
      }))
      const loadS = (performance.now() - t0) / 1000
      checks.add(`${N} creates answered 201`, statuses.size === 1 && statuses.has(201), [...statuses].join(','))
      const w = await watch(server)
      await sleep(200)
      const r0 = performance.now()
      const reset = call('POST', `${server.url}/_emulator/reset`, { body: {} })
      await sleep(100)
      const during = await call('POST', releasesUrl(server.url), { body: { name: 'made-during-the-reset', namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: {} } })
      const done = await reset
      const resetMs = performance.now() - r0
      await sleep(500)
      stats = await w.stop()
      checks.add(`the reset answered 200, ${N} releases deleted`, done.status === 200 && done.json?.deleted?.releases === N, done.text.slice(0, 200))
      checks.add('the create sent during it answered 201', during.status === 201, `${during.status} ${during.text.slice(0, 200)}`)
      const left = await call('GET', releasesUrl(server.url))
      const names = (left.json ?? []).map((r) => r.name)
      checks.add('afterwards only the release made during the reset is listed', names.length === 1 && names[0] === 'made-during-the-reset', names.slice(0, 5).join(','))
      note = `${N} releases loaded in ${loadS.toFixed(1)} s; the reset answered in ${resetMs.toFixed(0)} ms`
    } finally {
      await server.stop()
      removeDir(dir)
    }
    return { stats, checks, note }
  },
}
