import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { decimal, registerAccessLog } from '../../src/logging/access-log.js'
import { lazyChildLogger } from '../../src/logging/lazy-child.js'
import { createLogger, lineSinkOf } from '../../src/logging/logger.js'

async function serve(logger: FastifyBaseLogger, lazy: boolean): Promise<void> {
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }), ...(lazy ? { childLoggerFactory: lazyChildLogger } : {}) })
  app.get('/things/:id', { schema: { operationId: 'ShowThing' } }, async (req) => {
    req.log.info({ seen: true }, 'handler line')
    return { ok: true }
  })
  app.get('/odd', { schema: { operationId: 'Odd"\\é\n' } }, async () => ({}))
  registerAccessLog(app, () => true)
  // The emulator's logger has its lines written from a template; a foreign one goes through pino.
  expect(lineSinkOf(app.log) !== null).toBe(lazy)
  await app.inject({ method: 'GET', url: '/things/a%22b?x="y' })
  await app.inject({ method: 'GET', url: '/nowhere' })
  // Characters a JSON string escapes, or not ASCII (URLs arrive encoded; an operationId need not be).
  await app.inject({ method: 'GET', url: '/odd' })
  await app.close()
}

describe('the access line', () => {
  it('is, field for field and in order, the line pino writes for the same call on the request logger', async () => {
    const written: string[] = []
    const sink = { write: (line: string) => void written.push(line) } as unknown as NodeJS.WritableStream
    await serve(createLogger('info', 'json', sink), true)
    const viaPino: string[] = []
    await serve(pino({ level: 'info', base: { name: 'cce-release-emulator' } }, { write: (line: string) => void viaPino.push(line) }), false)
    expect(written).toHaveLength(viaPino.length)
    const shape = (line: string) => {
      const o = JSON.parse(line) as Record<string, unknown>
      return { keys: Object.keys(o), fields: { ...o, time: typeof o.time, reqId: typeof o.reqId, request_id: typeof o.request_id, duration_ms: typeof o.duration_ms, msg: String(o.msg).replace(/ [\d.]+ms/, ' Nms') } }
    }
    expect(written.map(shape)).toEqual(viaPino.map(shape))
    // The handler's own line still carries the request's reqId binding (the child made on first use).
    const handler = written.map((l) => JSON.parse(l)).find((o) => o.msg === 'handler line')
    const access = written.map((l) => JSON.parse(l)).find((o) => o.operation === 'ShowThing')
    expect(handler.reqId).toBe(access.reqId)
    expect(access).toMatchObject({ method: 'GET', path: '/things/a%22b', status: 200, operation: 'ShowThing' })
    expect(written.every((l) => l.endsWith('}\n'))).toBe(true)
    expect(written.map((l) => JSON.parse(l).operation)).toContain('Odd"\\é\n')
  })
})

describe('the access line duration', () => {
  it('reads as Math.round(ms * 10) / 10 would in JSON', () => {
    for (let t = 0; t < 20_000; t++) expect(decimal(t)).toBe(JSON.stringify(t / 10))
    for (const t of [1e7 + 3, 123_456_789, 2 ** 40 + 7]) expect(decimal(t)).toBe(JSON.stringify(t / 10))
  })
})
