#!/usr/bin/env node
// Packs every example chart under examples/charts/src/<name>-<version>/<name>/ into
// examples/charts/<name>-<version>.tgz (or into --out DIR).
//
// The output is deterministic so the committed .tgz files only change when a chart does:
// entries sorted bytewise, fixed mtime/owner/mode, no directory entries (like `helm package`),
// and a gzip header with no timestamp and a pinned OS byte. Plain ESM so it runs without a build.
//
// Usage: node scripts/pack-charts.mjs [--out DIR]
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { parse as parseYaml } from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const srcRoot = path.join(root, 'examples', 'charts', 'src')
const MTIME = new Date('2020-01-01T00:00:00Z')
// Byte 9 of a gzip header names the OS; zlib fills in the build platform's, Go writes 255.
const GZIP_OS_UNKNOWN = 255

const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** Relative POSIX paths of the regular files below dir, sorted bytewise. */
async function listFiles(dir, prefix = '') {
  const out = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)))
    else if (entry.isFile()) out.push(rel)
    else throw new Error(`${rel}: only regular files can go into a chart package`)
  }
  return out.sort(byBytes)
}

/** @returns {Promise<Buffer>} the .tgz bytes for the chart folder `chartDir` named `name`. */
export async function packChart(chartDir, name) {
  const pack = tar.pack()
  const chunks = []
  const finished = new Promise((resolve, reject) => {
    pack.on('data', (chunk) => chunks.push(chunk))
    pack.on('end', resolve)
    pack.on('error', reject)
  })
  for (const rel of await listFiles(chartDir)) {
    const content = await readFile(path.join(chartDir, rel))
    const header = {
      name: `${name}/${rel}`,
      type: 'file',
      size: content.length,
      mode: 0o644,
      mtime: MTIME,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
    }
    await new Promise((resolve, reject) => pack.entry(header, content, (err) => (err ? reject(err) : resolve())))
  }
  pack.finalize()
  await finished
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 })
  gz[9] = GZIP_OS_UNKNOWN
  return gz
}

/** Packs every chart source folder; returns the written file paths. */
export async function packAll(outDir) {
  await mkdir(outDir, { recursive: true })
  const written = []
  const folders = (await readdir(srcRoot, { withFileTypes: true })).filter((d) => d.isDirectory())
  for (const folder of folders.map((d) => d.name).sort(byBytes)) {
    const children = (await readdir(path.join(srcRoot, folder), { withFileTypes: true })).filter((d) => d.isDirectory())
    if (children.length !== 1) throw new Error(`${folder}: expected exactly one chart folder inside`)
    const name = children[0].name
    const chartDir = path.join(srcRoot, folder, name)
    const chart = parseYaml(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8'))
    if (chart.name !== name || folder !== `${name}-${chart.version}`) {
      throw new Error(`${folder}/${name}: folder names must be <name>-<version>/<name>/ matching Chart.yaml`)
    }
    const file = path.join(outDir, `${name}-${chart.version}.tgz`)
    await writeFile(file, await packChart(chartDir, name))
    written.push(file)
  }
  return written
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } })
  const outDir = path.resolve(values.out ?? path.join(root, 'examples', 'charts'))
  for (const file of await packAll(outDir)) console.log(path.relative(process.cwd(), file))
}
