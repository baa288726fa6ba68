#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) into one file, dist/cli.bundle.js, which `npm start`
// and the package's bin run. Resolving and loading a few hundred small modules one by one was
// most of the start-up time on a small machine; one file starts in about half the time.
// better-sqlite3 stays external (a native addon), and so does swagger, imported dynamically for
// npm run openapi only. Lazily imported modules stay inside the bundle: an external ESM import
// would be hoisted to the top and load at start-up.
import { build } from 'esbuild'

await build({
  entryPoints: [new URL('../dist/cli.js', import.meta.url).pathname],
  outfile: new URL('../dist/cli.bundle.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', '@fastify/swagger'],
  // CommonJS dependencies call require() for Node built-ins; ESM output has no require of its own.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
})
