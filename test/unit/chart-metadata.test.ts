import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { describe, it, expect } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import {
  chartPackageFileName,
  parseChartMetadata,
  parseValuesYaml,
  stableChartId,
} from '../../src/charts/chart-metadata.js'
import { readChartPackage, DEFAULT_CHART_LIMITS } from '../../src/charts/package-reader.js'
import { CHART_ID_NAMESPACE } from '../../src/charts/chart-package.js'
import { uuidV5 } from '../../src/uuid-v5.js'
import { buildTgz, chartEntries, chartYaml } from '../helpers/tgz.js'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

function metadataError(text: string, folder = 'demo'): ValidationError {
  try {
    parseChartMetadata(text, folder)
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).field).toBe('content')
    return err as ValidationError
  }
  throw new Error('expected Chart.yaml to be rejected')
}

describe('parseChartMetadata', () => {
  it('returns the CCE-relevant fields with empty-string defaults', () => {
    expect(parseChartMetadata(chartYaml({ icon: 'https://x/y.png', appVersion: '"1.25.3"' }), 'demo')).toEqual({
      apiVersion: 'v2',
      name: 'demo',
      version: '1.0.0',
      description: 'demo chart',
      icon: 'https://x/y.png',
      appVersion: '1.25.3',
    })
  })

  it('keeps unquoted numeric versions as written', () => {
    const md = parseChartMetadata(chartYaml({ version: '1.10', appVersion: '1.20' }), 'demo')
    expect(md.version).toBe('1.10')
    expect(md.appVersion).toBe('1.20')
  })

  it.each(['0.1', '1.0', '99.99.99', '0.0.0', '10.2.3'])('accepts the version %s', (version) => {
    expect(parseChartMetadata(chartYaml({ version }), 'demo').version).toBe(version)
  })

  it.each(['1.2.3.4', '100.0.0', 'v1', 'v1.0.0', '1', '1.0.0-rc.1', '1.0.0+build', '01.0.0', '1.x'])(
    'rejects the version %s (CCE: MAJOR.MINOR[.PATCH], 0-99)',
    (version) => {
      expect(metadataError(chartYaml({ version: `"${version}"` })).message).toMatch(/version ".*" is invalid/)
    },
  )

  it('requires a version', () => {
    expect(metadataError('apiVersion: v2\nname: demo\n').message).toMatch(/version is required/)
  })

  it('explains that apiVersion v1 is a Helm 2 chart', () => {
    expect(metadataError(chartYaml({ apiVersion: 'v1' })).message).toMatch(/Helm 2 chart.*apiVersion: v2/)
  })

  it('rejects other apiVersions and a missing one', () => {
    expect(metadataError(chartYaml({ apiVersion: 'v3' })).message).toMatch(/unsupported apiVersion "v3"/)
    expect(metadataError('name: demo\nversion: 1.0.0\n').message).toMatch(/apiVersion is required/)
  })

  it.each(['Demo', '1demo', 'demo_app', 'demo-', 'de mo', '../demo', 'demo.app'])('rejects the name %s', (name) => {
    expect(metadataError(chartYaml({ name: `"${name}"` }), name).message).toMatch(/name ".*" is invalid/)
  })

  it('rejects names longer than 64 characters and missing names', () => {
    const long = `a${'b'.repeat(64)}`
    expect(metadataError(chartYaml({ name: long }), long).message).toMatch(/at most 64 characters/)
    expect(metadataError('apiVersion: v2\nversion: 1.0.0\n').message).toMatch(/name is required/)
  })

  it('requires the package folder to match the chart name', () => {
    expect(metadataError(chartYaml(), 'nginx').message).toMatch(/folder "nginx" does not match Chart\.yaml name "demo"/)
  })

  it('rejects invalid YAML, non-mapping documents and non-string fields', () => {
    expect(metadataError('apiVersion: v2\n  name: : demo\n').message).toMatch(/Chart\.yaml is not valid YAML/)
    expect(metadataError('- v2\n').message).toMatch(/must be a YAML mapping/)
    expect(metadataError('apiVersion: v2\nname: [demo]\nversion: 1.0.0\n').message).toMatch(/name must be a string/)
    expect(metadataError(`${chartYaml()}\nname: again\n`).message).toMatch(/not valid YAML: Map keys must be unique/)
  })
})

describe('parseValuesYaml', () => {
  // Issue 9, item 3: the parser's own duplicate check compared every key with every earlier one.
  // The check that replaces it must refuse exactly what the parser refused, at the same place.
  it('refuses duplicate keys as the YAML parser did, wherever they are', () => {
    const refusal = (text: string) => {
      try {
        parseValuesYaml(text)
      } catch (err) {
        return (err as Error).message
      }
      return 'accepted'
    }
    const unique = (line: number, col: number) => `values.yaml is not valid YAML: Map keys must be unique at line ${line}, column ${col}:`
    expect(refusal('a: 1\nb: 2\n"a": 3\n')).toBe(unique(3, 1))
    expect(refusal('x:\n  y: 1\n  y: 2\nx: 3\n')).toBe(unique(3, 3))
    expect(refusal('x: {a: 1, b: {c: 1, c: 2}}\nx: 1\n')).toBe(unique(1, 21))
    expect(refusal('l:\n  - a: 1\n    a: 2\n')).toBe(unique(3, 5))
    expect(refusal('1: a\n0x1: b\n')).toBe(unique(2, 1))
    expect(refusal('~: a\nnull: b\n')).toBe(unique(2, 1))
    // Not duplicates for the parser either: merge keys, a number and a string, NaN, collections.
    expect(refusal('a: &x {p: 1}\nb: &y {q: 2}\nc:\n  <<: *x\n  <<: *y\n')).toBe('accepted')
    expect(refusal('1: a\n"1": b\n')).toBe('accepted')
    expect(refusal('.nan: 1\n.NaN: 2\n')).toBe('accepted')

    const many = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`)
    expect(Object.keys(parseValuesYaml(many.join('\n')))).toHaveLength(20_000)
    expect(refusal([...many, 'k7: again'].join('\n'))).toBe(unique(20_001, 1))
  })

  it('refuses runaway nesting with a message a user understands, not a stack overflow', () => {
    // The YAML library reported this as "Maximum call stack size exceeded at line …".
    const deep = `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}b:`).join('\n')} 1\n`
    expect(() => parseValuesYaml(deep)).toThrow(ValidationError)
    expect(() => parseValuesYaml(deep)).toThrow(/values\.yaml is not valid YAML: it is nested too deeply/)
  })

  it('maps a missing or empty file to {}', () => {
    expect(parseValuesYaml(undefined)).toEqual({})
    expect(parseValuesYaml('')).toEqual({})
    expect(parseValuesYaml('# only a comment\n')).toEqual({})
  })

  it('parses mappings, anchors and merge keys', () => {
    const values = parseValuesYaml('base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n')
    expect(values).toEqual({ base: { a: 1 }, derived: { a: 1, c: 2 } })
  })

  it('does not let __proto__ keys pollute prototypes', () => {
    const values = parseValuesYaml('__proto__:\n  polluted: true\n')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype)
  })

  it.each([
    ['- a\n- b\n', /values\.yaml must be a YAML mapping/],
    ['just a string\n', /values\.yaml must be a YAML mapping/],
    ['a: [1, 2\n', /values\.yaml is not valid YAML/],
    ['a: 1\n---\nb: 2\n', /values\.yaml is not valid YAML/],
  ])('rejects %j', (text, message) => {
    expect(() => parseValuesYaml(text)).toThrow(message)
  })

  it('refuses an alias bomb instead of expanding it', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i)
      const cur = String.fromCharCode(97 + i)
      rows.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`)
    }
    const started = Date.now()
    expect(() => parseValuesYaml(rows.join('\n'))).toThrow(/values\.yaml could not be loaded: Excessive alias count/)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('chart identity helpers', () => {
  it('names packages {name}-{version}.tgz', () => {
    expect(chartPackageFileName('nginx-demo', '1.0.0')).toBe('nginx-demo-1.0.0.tgz')
  })

  it('derives a UUID v5 from name and version that any language can compute', () => {
    const id = stableChartId('nginx-demo', '1.0.0')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(stableChartId('nginx-demo', '1.0.0')).toBe(id)
    // Python: uuid.uuid5(uuid.UUID(CHART_ID_NAMESPACE), 'chart/nginx-demo/1.0.0'). Pinned so a
    // change to the derivation (which would orphan stored ids) fails loudly.
    expect(CHART_ID_NAMESPACE).toBe('88c528e6-590a-4b6f-a5a8-6fa1a1e6b50d')
    expect(id).toBe('01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd')
    // The RFC 4122 appendix-style check: uuidv5(DNS namespace, "python.org") as Python computes it.
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d')
    expect(stableChartId('nginx-demo', '1.1.0')).not.toBe(id)
    expect(stableChartId('nginx', 'demo-1.0.0')).not.toBe(id)
  })
})

describe('example charts', () => {
  it('re-packing the sources is byte-identical and matches the committed packages', async () => {
    const outA = await mkdtemp(path.join(tmpdir(), 'pack-a-'))
    const outB = await mkdtemp(path.join(tmpdir(), 'pack-b-'))
    try {
      const script = path.join(repoRoot, 'scripts/pack-charts.mjs')
      await promisify(execFile)(process.execPath, [script, '--out', outA])
      await promisify(execFile)(process.execPath, [script, '--out', outB])
      const files = (await readdir(outA)).sort()
      expect(files).toEqual(['nginx-demo-1.0.0.tgz', 'nginx-demo-1.1.0.tgz', 'redis-lite-0.3.0.tgz'])
      for (const file of files) {
        const a = await readFile(path.join(outA, file))
        expect(a.equals(await readFile(path.join(outB, file)))).toBe(true)
        // Compare the tar, not the gzip: another zlib build may deflate the same bytes differently.
        const committed = await readFile(path.join(repoRoot, 'examples/charts', file))
        expect(gunzipSync(a).equals(gunzipSync(committed))).toBe(true)
      }
    } finally {
      await rm(outA, { recursive: true, force: true })
      await rm(outB, { recursive: true, force: true })
    }
  })

  it('example Chart.yaml files carry the documented metadata', async () => {
    const bytes = await readFile(path.join(repoRoot, 'examples/charts/nginx-demo-1.0.0.tgz'))
    const { metadata, values } = await readChartPackage(bytes, DEFAULT_CHART_LIMITS)
    expect(metadata).toMatchObject({ apiVersion: 'v2', name: 'nginx-demo', version: '1.0.0', appVersion: '1.25.3' })
    expect(metadata.icon).toMatch(/^https:\/\//)
    expect(values).toMatchObject({ replicaCount: 1, image: { repository: 'nginx', tag: '1.25.3' }, service: { port: 80 } })
    const upgraded = await readChartPackage(
      await readFile(path.join(repoRoot, 'examples/charts/nginx-demo-1.1.0.tgz')),
      DEFAULT_CHART_LIMITS,
    )
    expect(upgraded.values).toMatchObject({ image: { tag: '1.25.4' } })
  })

  it('a hand-built package round-trips through the reader', async () => {
    const pkg = await readChartPackage(await buildTgz(chartEntries({ valuesYaml: 'a: 1\n' })), DEFAULT_CHART_LIMITS)
    expect(pkg.values).toEqual({ a: 1 })
  })
})
