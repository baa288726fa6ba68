import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { cceDialect } from '../../src/wire/cce/dialect.js'
import { clientErrorHandler } from '../../src/wire/client-errors.js'
import { DialectRouter } from '../../src/wire/dialect.js'

/** A socket that records what the handler wrote and whether it closed it. */
function fakeSocket() {
  const written: string[] = []
  const socket = {
    destroyed: false,
    writable: true,
    write(text: string) { written.push(text) },
    destroy() { socket.destroyed = true; socket.writable = false },
  }
  return { socket: socket as unknown as Socket, written, get closed() { return socket.destroyed } }
}
const timeout = () => Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' })
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('client errors', () => {
  const router = new DialectRouter([cceDialect])
  const clock = new ManualClock()

  it('answers a mass of request timeouts a slice per turn, each with a 408 in the CCE body', async () => {
    const handle = clientErrorHandler(router, clock, 2)
    const sockets = Array.from({ length: 5 }, fakeSocket)
    for (const s of sockets) handle(timeout(), s.socket)
    expect(sockets.filter((s) => s.closed)).toHaveLength(0)
    await nextTurn()
    expect(sockets.filter((s) => s.closed)).toHaveLength(2)
    await nextTurn()
    await nextTurn()
    expect(sockets.every((s) => s.closed)).toBe(true)
    for (const s of sockets) expect(s.written[0]).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*"error_code":/)
    // A later timeout is answered too: the queue starts again.
    const late = fakeSocket()
    handle(timeout(), late.socket)
    await nextTurn()
    expect(late.closed).toBe(true)
  })

  it('answers other parser refusals at once', () => {
    const handle = clientErrorHandler(router, clock, 2)
    const s = fakeSocket()
    handle(Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' }), s.socket)
    expect(s.closed).toBe(true)
    expect(s.written[0]).toMatch(/^HTTP\/1\.1 431 /)
  })

  it('leaves a socket closed while it waited alone', async () => {
    const handle = clientErrorHandler(router, clock, 2)
    const s = fakeSocket()
    handle(timeout(), s.socket)
    s.socket.destroy()
    await nextTurn()
    expect(s.written).toHaveLength(0)
  })
})
