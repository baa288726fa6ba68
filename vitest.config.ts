import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e and SDK tiers spawn real processes; give them room on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
