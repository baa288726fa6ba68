import { describe, expect, it } from 'vitest'
import { launchedByNpm } from '../../src/npm-parent.js'

describe('launchedByNpm: npm ran this command itself under sh -c', () => {
  it('is true for npx, npm start and a script that is the command', () => {
    // npx runs `sh -c 'cce-release-emulator' --port 0`: the script is the quoted command alone.
    expect(launchedByNpm({ npm_lifecycle_event: 'npx', npm_lifecycle_script: "'cce-release-emulator'" })).toBe(true)
    expect(launchedByNpm({ npm_lifecycle_event: 'npx', npm_lifecycle_script: 'cce-release-emulator --port 0' })).toBe(true)
    expect(launchedByNpm({ npm_lifecycle_event: 'start', npm_lifecycle_script: 'node scripts/start.mjs --port 0' })).toBe(true)
    expect(launchedByNpm({ npm_lifecycle_event: 'emu', npm_lifecycle_script: './node_modules/.bin/cce-release-emulator --charts @examples' })).toBe(true)
  })

  it('is false when npm is only somewhere above (npm test → vitest → a spawned emulator) or absent', () => {
    expect(launchedByNpm({ npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: 'vitest run' })).toBe(false)
    expect(launchedByNpm({ npm_lifecycle_event: 'test', npm_lifecycle_script: 'vitest run' })).toBe(false)
    expect(launchedByNpm({})).toBe(false)
  })
})
