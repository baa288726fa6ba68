#!/usr/bin/env node
/** Command line entry: parse configuration, start the server, stop cleanly on SIGTERM/SIGINT. */
import { ConfigError, helpText, loadConfig } from './config.js'
import { stopWhenNpmParentExits } from './npm-parent.js'
import { createLogger, startServer } from './server.js'
import { DatabaseFileError } from './storage/db.js'
import { VERSION } from './version.js'

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
    process.stdout.write(parsed.version ? `${VERSION}\n` : helpText())
    return 0
  }
  const { config } = parsed
  const logger = createLogger(config.logLevel, config.logFormat ?? 'auto')
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
  const charts = server.charts.preloadedCharts().map((c) => `${c.name} ${c.version}`)
  logger.info(
    { url: server.url, version: VERSION, db: config.db, auth: config.auth, lifecycle: config.lifecycle, charts },
    `CCE release emulator ready at ${server.url} (version ${VERSION}, db ${config.db}, auth ${config.auth}, lifecycle ${config.lifecycle}, ` +
      `${charts.length === 0 ? 'no preloaded charts' : `preloaded charts: ${charts.join(', ')}`})`,
  )

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while closing means "now".
    if (stopping) process.exit(130)
    stopping = true
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
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  stopWhenNpmParentExits(() => stop('SIGTERM'))
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
