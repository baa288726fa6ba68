/**
 * When npm starts the command (`npx cce-release-emulator`, `npm start`, `npm run <script>`), it
 * runs it under `sh -c` and passes a SIGTERM it receives (CI's `kill $!`) to that shell, which
 * dies without passing it on: the emulator would be left serving on the port, re-parented. Under
 * npm, the emulator watches its parent and stops, as on SIGTERM, when the shell is gone. Started
 * any other way (a terminal, nohup, a container, a test) it never does this.
 */
export function stopWhenNpmParentExits(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.npm_command) return
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) stop()
  }, 100).unref()
}
