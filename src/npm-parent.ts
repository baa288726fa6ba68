/**
 * When npm starts the command itself (`npx cce-release-emulator`, `npm start`, a package.json
 * script that begins with `cce-release-emulator`), it runs it under `sh -c` and passes a SIGTERM
 * it receives (CI's `kill $!`) to that shell, which dies without passing it on: the emulator
 * would be left serving on the port, re-parented. Then, and only then, the emulator watches its
 * parent and stops, as on SIGTERM, when the shell is gone. npm's variables are inherited by
 * everything below a script (a test runner started by `npm test` and what it spawns), so the
 * test is that npm's current script is this command, not that npm is somewhere above.
 */
export function launchedByNpm(env: NodeJS.ProcessEnv): boolean {
  const script = env.npm_lifecycle_script?.trim()
  if (!script) return false
  // npx quotes the command it runs: npm_lifecycle_script is then 'cce-release-emulator'.
  const command = (script.split(/\s+/, 1)[0] ?? '').replace(/^(['"])(.*)\1$/, '$2')
  return /(^|\/)cce-release-emulator$/.test(command) || /^node\s+scripts\/start\.mjs\b/.test(script)
}

export function stopWhenNpmParentExits(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (!launchedByNpm(env)) return
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) stop()
  }, 100).unref()
}
