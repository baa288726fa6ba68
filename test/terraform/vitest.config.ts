import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/terraform/**/*.test.ts'],
    // Each step runs tofu (and through it the provider) several times.
    testTimeout: 5 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
