#!/usr/bin/env node
// Packs the Cloudpods test charts under test/fixtures/cloudpods-charts/src/<name>-<version>/<name>/
// into test/fixtures/cloudpods-charts/bitnami-new/<name>-<version>.tgz, deterministically (same
// packer as the example charts, scripts/pack-charts.mjs). The folder is laid out as `--charts`
// reads it: the subfolder bitnami-new/ is the Cloudpods repo "bitnami-new".
//
// Usage: node scripts/pack-cloudpods-fixtures.mjs
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { packChart } from './pack-charts.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const base = path.join(root, 'test', 'fixtures', 'cloudpods-charts')
const out = path.join(base, 'bitnami-new')
await mkdir(out, { recursive: true })
for (const folder of (await readdir(path.join(base, 'src'))).sort()) {
  const name = folder.replace(/-\d.*$/, '')
  const file = path.join(out, `${folder}.tgz`)
  await writeFile(file, await packChart(path.join(base, 'src', folder, name), name))
  console.log(path.relative(process.cwd(), file))
}
