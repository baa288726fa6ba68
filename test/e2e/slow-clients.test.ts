import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type EmulatorApp } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig } from '../../src/config.js'
import { openDatabase } from '../../src/storage/db.js'

// Timeouts shortened for the test; the defaults (DEFAULT_TIMEOUTS) are 10 s and 60 s.
let built: EmulatorApp
let port: number
beforeAll(async () => {
  built = await buildApp({ config: defaultConfig({ db: ':memory:' }), db: openDatabase(':memory:'), clock: new ManualClock('2026-03-01T08:00:00Z'), logger: false, timeouts: { headersMs: 400, requestMs: 800 } })
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  port = (built.app.server.address() as { port: number }).port
})
afterAll(() => built.app.close())

/** Opens a connection, sends `head`, then one more header line every 100 ms; resolves with what the server wrote before closing. */
function dribble(head: string, untilMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let answer = ''
    let n = 0
    const timer = setInterval(() => socket.writable && socket.write(`x-slow-${n++}: y\r\n`), 100)
    const stop = setTimeout(() => socket.destroy(), untilMs)
    socket.on('data', (b) => (answer += b.toString()))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      clearTimeout(stop)
      resolve({ answer, closedAfterMs: performance.now() - t0 })
    })
  })
}

describe('slow clients', () => {
  it('closes a connection still sending headers after the headers timeout, with a 408 in the CCE body', async () => {
    const { answer, closedAfterMs } = await dribble('GET /cce/cam/v3/clusters/c/releases HTTP/1.1\r\nHost: x\r\n', 10_000)
    expect(closedAfterMs).toBeLessThan(5_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(answer).toContain('"error_code"')
  })

  it('answers ordinary requests while slow connections are open', async () => {
    const slow = Array.from({ length: 50 }, () => dribble('GET /cce/cam/v3/clusters/c/releases HTTP/1.1\r\nHost: x\r\n', 10_000))
    const res = await fetch(`http://127.0.0.1:${port}/_emulator/health`)
    expect(res.status).toBe(200)
    const closed = await Promise.all(slow)
    expect(closed.every((c) => c.closedAfterMs < 5_000)).toBe(true)
  })
})
