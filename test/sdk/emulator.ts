/**
 * The SDK tier's emulator: the real CLI (test/helpers/cli.ts) on port 0 with its own in-memory
 * database, plus whatever flags a suite needs (auth mode, credentials, lifecycle, charts).
 */
import { startCli as start } from '../helpers/cli.js'

export { CLI } from '../helpers/cli.js'

export interface RunningCli {
  url: string
  /** Everything the process wrote so far, for failure messages. */
  output(): string
  stop(): Promise<void>
}

export async function startCli(args: string[], timeoutMs = 20_000): Promise<RunningCli> {
  const cli = await start(['--port', '0', '--db', ':memory:', ...args], {}, timeoutMs)
  return {
    url: cli.url,
    output: cli.output,
    stop: async () => {
      await cli.stop()
    },
  }
}
