// Chart-content probes: what a package holds must never stall the server or blow up its memory.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { call, chartPackage, MiB, releaseUrl, releasesUrl, upload, watched } from './lib.mjs'

const create = (url, name, chartId, values = {}) =>
  call('POST', releasesUrl(url), { body: { name, namespace: 'default', version: '1.0.0', chart_id: chartId, values } })

/** Issue 9 item 2: `name: {{` then thousands of spaces made the resource scanner backtrack for seconds. */
export const template = {
  name: 'template-4000-spaces',
  about: 'charts whose templates hold `name: {{` / `namespace: {{` / `kind: {{` followed by 4000-40000 spaces, shown with show_resources=true',
  run: () =>
    watched('template', [], async ({ url }, checks) => {
      const shapes = {
        'name-4000': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{${' '.repeat(4000)}\n`,
        'namespace-4000': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: {{${' '.repeat(4000)}\n`,
        'name-40000': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{${' '.repeat(40000)}x\n`,
        'kind-4000': `apiVersion: v1\nkind: {{${' '.repeat(4000)}\nmetadata:\n  name: y\n`,
        'many-docs': `---\nkind: ConfigMap\nmetadata:\n  name: {{${' '.repeat(4000)}\n`.repeat(200),
      }
      let worstShow = 0
      for (const [shape, text] of Object.entries(shapes)) {
        const pkg = await chartPackage({ name: `tpl-${shape}`, files: { 'templates/cm.yaml': text } })
        const up = await upload(url, pkg)
        if (!checks.add(`${shape}: upload (${pkg.length} B) answered 201`, up.status === 201, `${up.status} ${up.text.slice(0, 200)}`)) continue
        const made = await create(url, `r-${shape}`, up.json.id)
        checks.add(`${shape}: create answered 201`, made.status === 201, `${made.status} ${made.text.slice(0, 200)}`)
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now()
          const shown = await call('GET', `${releaseUrl(url, `r-${shape}`)}?show_resources=true`, { timeoutMs: 30_000 }).catch((e) => ({ status: e.name, text: e.message }))
          worstShow = Math.max(worstShow, performance.now() - t0)
          if (i === 0) checks.add(`${shape}: show_resources answered 200 with a resources list`, shown.status === 200 && typeof shown.json?.resources === 'string', `${shown.status} ${shown.text.slice(0, 200)}`)
          if (shown.status === 'TimeoutError') return `server wedged by ${shape}: no answer in 30 s`
        }
      }
      return `slowest show_resources answer ${worstShow.toFixed(0)} ms`
    }),
}

/** Issue 9 item 3: a values.yaml of 20k keys made the duplicate-key check quadratic. */
export const yamlKeys = {
  name: 'values-20k-keys',
  about: 'uploads of values.yaml with 20,000 keys in one map (unique; and with a duplicate last key), then reads of its values',
  run: () =>
    watched('yaml', [], async ({ url }, checks) => {
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`)
      const unique = await chartPackage({ name: 'keys', values: `${keys.join('\n')}\n` })
      const t0 = performance.now()
      const up = await upload(url, unique)
      const uploadMs = performance.now() - t0
      checks.add(`20k unique keys (${(unique.length / 1024).toFixed(0)} KiB package): 201`, up.status === 201, `${up.status} ${up.text.slice(0, 200)}`)
      if (up.status === 201) {
        const values = await call('GET', `${url}/v2/charts/${up.json.id}/values`)
        checks.add('its values read back with 20k keys', values.status === 200 && Object.keys(values.json?.values ?? {}).length === 20_000, `${values.status}`)
      }
      const dup = await chartPackage({ name: 'dupkeys', values: `${keys.join('\n')}\nk0: again\n` })
      const refused = await upload(url, dup)
      checks.add('20k keys with the first repeated last: 400 naming the duplicate', refused.status === 400 && /unique|duplicate/i.test(refused.text), `${refused.status} ${refused.text.slice(0, 200)}`)
      const nested = Array.from({ length: 2000 }, (_, i) => `m${i}:\n${Array.from({ length: 10 }, (_, j) => `  k${j}: ${j}`).join('\n')}`).join('\n')
      const many = await upload(url, await chartPackage({ name: 'nested', values: `${nested}\n` }))
      checks.add('2,000 maps of 10 keys: 201', many.status === 201, `${many.status} ${many.text.slice(0, 200)}`)
      return `20k-key upload answered in ${uploadMs.toFixed(0)} ms`
    }),
}

// The chart values.yaml limit (--chart-max-values-bytes, default 256 KiB).
const VALUES_LIMIT = 256 * 1024

/** A values.yaml of about `bytes` bytes: short keys, 100-character string values. */
function valuesOfSize(bytes) {
  const lines = []
  let size = 0
  for (let i = 0; size < bytes - 200; i++) {
    const line = `key${String(i).padStart(6, '0')}: "${'v'.repeat(100)}"\n`
    lines.push(line)
    size += line.length
  }
  return lines.join('')
}

/** Issue 9 item 4: chart defaults were copied into every revision and answer (30 creates: 139 MB on disk). */
export const valuesLimit = {
  name: 'values-size-limit',
  about: `a values.yaml just under and just over the ${VALUES_LIMIT / 1024} KiB limit; 30 creates and 30 upgrades with empty values from the one under it`,
  run: () =>
    watched('values', [], async ({ url }, checks, dir) => {
      const near = valuesOfSize(VALUES_LIMIT - 4096)
      const over = valuesOfSize(VALUES_LIMIT + 4096)
      const refused = await upload(url, await chartPackage({ name: 'over', values: over }))
      checks.add(`values.yaml of ${(over.length / 1024).toFixed(0)} KiB: 400`, refused.status === 400, `${refused.status} ${refused.text.slice(0, 200)}`)
      const up = await upload(url, await chartPackage({ name: 'near', values: near }))
      if (!checks.add(`values.yaml of ${(near.length / 1024).toFixed(0)} KiB: 201`, up.status === 201, `${up.status} ${up.text.slice(0, 200)}`)) return ''
      const made = await Promise.all(Array.from({ length: 30 }, (_, i) => create(url, `big-${i}`, up.json.id)))
      checks.add('30 creates with empty values: all 201', made.every((r) => r.status === 201), made.map((r) => r.status).join(','))
      const upgraded = []
      for (let i = 0; i < 30; i++) upgraded.push(await call('PUT', releaseUrl(url, `big-${i}`), { body: { chart_id: up.json.id, action: 'upgrade', parameters: {}, values: { n: i } } }))
      checks.add('30 upgrades: all 200', upgraded.every((r) => r.status === 200), upgraded.map((r) => r.status).join(','))
      const list = await call('GET', releasesUrl(url))
      checks.add('list answers the 30 releases', list.status === 200 && list.json?.length === 30, `${list.status}`)
      const disk = ['emulator.db', 'emulator.db-wal'].reduce((n, f) => n + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0)
      // One copy of the defaults per chart, not per revision: 60 revisions of copies would be ~15 MiB.
      checks.add('database stays under 8 MiB (defaults stored once)', disk < 8 * MiB, `${(disk / MiB).toFixed(1)} MiB`)
      return `database ${(disk / MiB).toFixed(1)} MiB after 60 revisions; list answer ${(Buffer.byteLength(list.text) / MiB).toFixed(1)} MiB`
    }),
}
