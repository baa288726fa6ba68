import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Terraform tier builds OpenTofu and the provider from source on a cold cache; it runs on
    // its own (`npm run test:terraform`, test/terraform/vitest.config.ts), after `npm test` in CI.
    exclude: [...configDefaults.exclude, 'test/terraform/**'],
    // e2e and SDK tiers spawn real processes; give them room on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
