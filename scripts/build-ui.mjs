#!/usr/bin/env node
// Builds the web dashboard (ui/) into dist/ui/: one script and one stylesheet, named by content
// hash (served with a year of caching), index.html pointing at them, and a .gz of each (served
// precompressed). Run by `npm run build` (postbuild). Preact is bundled in: the page works offline.
// Prints the sizes; fails when the gzipped page (html + js + css) exceeds the 150 KB budget.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = new URL('..', import.meta.url).pathname
const out = `${root}dist/ui`
const BUDGET = 150 * 1024

rmSync(out, { recursive: true, force: true })
mkdirSync(`${out}/assets`, { recursive: true })

const result = await build({
  entryPoints: { app: `${root}ui/src/main.tsx` },
  outdir: `${out}/assets`,
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Current Chromium and Firefox (the targets), a couple of years back.
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
})

const files = Object.keys(result.metafile.outputs).map((f) => basename(f))
const script = files.find((f) => f.endsWith('.js'))
const style = files.find((f) => f.endsWith('.css'))
if (!script || !style) throw new Error(`build-ui: expected one .js and one .css, got ${files.join(', ')}`)
const html = readFileSync(`${root}ui/index.html`, 'utf8')
  .replace('__SCRIPT__', `/_emulator/ui/assets/${script}`)
  .replace('__STYLE__', `/_emulator/ui/assets/${style}`)
writeFileSync(`${out}/index.html`, html)

let raw = 0
let gz = 0
const rows = []
for (const file of ['index.html', `assets/${script}`, `assets/${style}`]) {
  const body = readFileSync(`${out}/${file}`)
  const zipped = gzipSync(body, { level: 9 })
  writeFileSync(`${out}/${file}.gz`, zipped)
  raw += body.length
  gz += zipped.length
  rows.push(`${file} ${(body.length / 1024).toFixed(1)} KB (${(zipped.length / 1024).toFixed(1)} KB gzipped)`)
}
console.log(`dashboard: ${rows.join(', ')}; total ${(raw / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`)
if (gz > BUDGET) throw new Error(`build-ui: the page is ${(gz / 1024).toFixed(1)} KB gzipped, over the ${BUDGET / 1024} KB budget`)
