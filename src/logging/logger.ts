/**
 * The process logger: pino, one JSON object per line (for log shippers and `jq`), or one
 * readable line per event on a terminal. `--log-format` chooses; the default follows stdout.
 */
import pino, { type Logger } from 'pino'
import type { LogFormat, LogLevel } from '../config.js'
import { prettyLine } from './pretty.js'

/** 'auto' is pretty when stdout is a terminal, JSON otherwise (CI logs, files, pipes). */
export function resolveLogFormat(format: LogFormat | 'auto', stdoutIsTty = Boolean(process.stdout.isTTY)): LogFormat {
  if (format !== 'auto') return format
  return stdoutIsTty ? 'pretty' : 'json'
}

export function createLogger(level: LogLevel, format: LogFormat | 'auto' = 'json', out: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level, base: { name: 'cce-release-emulator' } }
  if (resolveLogFormat(format) === 'json') return out === process.stdout ? pino(options) : pino(options, out as pino.DestinationStream)
  const colour = out === process.stdout && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
  // pino hands the stream each serialised line; re-reading it costs a JSON.parse per line, which
  // only a person watching a terminal pays for.
  return pino(options, { write: (line: string) => out.write(prettyLine(line, colour)) })
}
