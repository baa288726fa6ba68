/** The process side of the emulator: open the database, build the app, listen, close cleanly. */
import pino, { type Logger } from 'pino'
import { buildApp, type EmulatorApp } from './app.js'
import { OffsetClock, type Clock } from './clock.js'
import type { EmulatorConfig } from './config.js'
import { SqliteClockStore } from './storage/clock-store.js'
import { closeDatabase, openDatabase } from './storage/db.js'

export interface RunningServer extends EmulatorApp {
  url: string
  clock: Clock
  close(): Promise<void>
}

export function createLogger(level: EmulatorConfig['logLevel']): Logger {
  return pino({ level, base: { name: 'cce-release-emulator' } })
}

export async function startServer(config: EmulatorConfig, opts: { logger?: Logger | false; clock?: Clock } = {}): Promise<RunningServer> {
  const logger = opts.logger === undefined ? createLogger(config.logLevel) : opts.logger
  const db = openDatabase(config.db)
  let built: EmulatorApp
  // The emulator clock resumes where the last run left it; an injected clock is the caller's.
  let stored: OffsetClock | undefined
  let clock: Clock
  try {
    clock = opts.clock ?? (stored = OffsetClock.restore(new SqliteClockStore(db)))
    built = await buildApp({ config, db, clock, logger })
    // Work that fell due while the emulator was down completes before the first request.
    const settled = built.releases.settle()
    await built.app.listen({ host: config.host, port: config.port })
    if (logger && settled > 0) logger.info({ settled }, 'completed pending operations left from the previous run')
  } catch (err) {
    closeDatabase(db)
    throw err
  }
  const address = built.app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  let closing: Promise<void> | undefined
  return {
    ...built,
    url,
    clock,
    close: () =>
      (closing ??= built.app.close().then(() => {
        try {
          stored?.checkpoint()
        } finally {
          closeDatabase(db)
        }
      })),
  }
}
