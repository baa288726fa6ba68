#!/usr/bin/env node
/** Command line entry: parse configuration, start the server, stop cleanly on SIGTERM/SIGINT. */
import { ConfigError, helpText, loadConfig } from './config.js'
import { createLogger, startServer } from './server.js'
import { DatabaseFileError } from './storage/db.js'

async function main(): Promise<number> {
  let parsed
  try {
    parsed = loadConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cce-release-emulator: ${err.message}\n`)
      return 2
    }
    throw err
  }
  if (parsed.help) {
    process.stdout.write(helpText())
    return 0
  }
  const { config } = parsed
  const logger = createLogger(config.logLevel)
  let server
  try {
    server = await startServer(config, { logger })
  } catch (err) {
    if (err instanceof DatabaseFileError) {
      process.stderr.write(`cce-release-emulator: --db ${err.path}: ${err.reason}\n`)
      // A file another emulator holds is a conflict to wait out; an unusable path is a usage error.
      return err.inUse ? 1 : 2
    }
    throw err
  }
  logger.info({ url: server.url, db: config.db, lifecycle: config.lifecycle, auth: config.auth }, `CCE release emulator ready at ${server.url}`)

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while closing')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return -1
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err: unknown) => {
    process.stderr.write(`cce-release-emulator: failed to start: ${(err as Error).message}\n`)
    process.exit(1)
  },
)
