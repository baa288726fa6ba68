import { readFile } from 'node:fs/promises'
import { beforeAll, describe, it, expect } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { DEFAULT_CHART_LIMITS, readChartPackage, type ChartPackageLimits } from '../../src/charts/package-reader.js'
import { buildTar, buildTgz, chartEntries, chartYaml, gzip, zeroBomb, type TarEntry } from '../helpers/tgz.js'

const MiB = 1024 * 1024
const limits: ChartPackageLimits = { maxPackageBytes: 1 * MiB, maxUnpackedBytes: 8 * MiB, maxFiles: 100, maxValuesBytes: DEFAULT_CHART_LIMITS.maxValuesBytes }

async function rejection(bytes: Buffer, lim: ChartPackageLimits = limits): Promise<ValidationError> {
  const err: unknown = await readChartPackage(bytes, lim).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ValidationError)
  const validation = err as ValidationError
  expect(validation.field).toBe('content')
  return validation
}

async function rejectEntries(entries: TarEntry[], message: RegExp): Promise<void> {
  const err = await rejection(await buildTgz(entries))
  expect(err.message).toMatch(message)
}

describe('readChartPackage: valid packages', () => {
  it('reads metadata, values, templates and README', async () => {
    const pkg = await readChartPackage(
      await buildTgz([
        { name: 'demo/', type: 'directory' },
        ...chartEntries({ valuesYaml: 'replicaCount: 2\nimage:\n  tag: "1.0"\n' }),
        { name: 'demo/README.md', content: '# demo' },
        { name: 'demo/templates/svc.yaml', content: 'kind: Service' },
        { name: 'demo/templates/_helpers.tpl', content: '{{- define "x" }}{{ end }}' },
        { name: 'demo/charts/sub/templates/ignored.yaml', content: 'kind: Secret' },
      ]),
      limits,
    )
    expect(pkg.metadata).toEqual({
      apiVersion: 'v2',
      name: 'demo',
      version: '1.0.0',
      description: 'demo chart',
      icon: '',
      appVersion: '',
    })
    expect(pkg.values).toEqual({ replicaCount: 2, image: { tag: '1.0' } })
    expect(pkg.valuesYaml).toContain('replicaCount: 2')
    expect(pkg.readme).toBe(true)
    expect(pkg.templates.map((t) => t.path)).toEqual(['templates/_helpers.tpl', 'templates/svc.yaml'])
  })

  it('treats a missing values.yaml as empty values', async () => {
    const pkg = await readChartPackage(await buildTgz(chartEntries()), limits)
    expect(pkg.values).toEqual({})
    expect(pkg.valuesYaml).toBe('')
    expect(pkg.readme).toBe(false)
    const emptyFile = await readChartPackage(await buildTgz(chartEntries({ valuesYaml: '' })), limits)
    expect(emptyFile.values).toEqual({})
  })

  it('honours pax headers (long paths) and a leading ./', async () => {
    const longName = `demo/templates/${'x'.repeat(120)}.yaml`
    const pkg = await readChartPackage(
      await buildTgz([
        { name: './', type: 'directory' },
        { name: './demo/Chart.yaml', content: chartYaml() },
        { name: longName, content: 'kind: ConfigMap' },
      ]),
      limits,
    )
    expect(pkg.templates[0]?.path).toBe(longName.slice('demo/'.length))
  })

  it.each([
    ['nginx-demo-1.0.0.tgz', 'nginx-demo', '1.0.0', 4],
    ['nginx-demo-1.1.0.tgz', 'nginx-demo', '1.1.0', 5],
    ['redis-lite-0.3.0.tgz', 'redis-lite', '0.3.0', 4],
  ])('parses the example package %s', async (file, name, version, templateCount) => {
    const bytes = await readFile(new URL(`../../examples/charts/${file}`, import.meta.url))
    const pkg = await readChartPackage(bytes, DEFAULT_CHART_LIMITS)
    expect(pkg.metadata.name).toBe(name)
    expect(pkg.metadata.version).toBe(version)
    expect(pkg.readme).toBe(true)
    expect(pkg.templates).toHaveLength(templateCount)
    expect(pkg.values).toHaveProperty('imageTag', '')
    expect(pkg.values).toHaveProperty('imagePullPolicy', '')
  })
})

describe('readChartPackage: malformed packages', () => {
  it('rejects data that is not gzip', async () => {
    const err = await rejection(Buffer.from('PK\u0003\u0004 this is a zip, not a tgz'))
    expect(err.message).toMatch(/not a gzip file/)
  })

  it('rejects truncated gzip data', async () => {
    const whole = await buildTgz(chartEntries())
    const err = await rejection(whole.subarray(0, whole.length - 20))
    expect(err.message).toMatch(/not valid gzip data/)
  })

  it('rejects gzip that does not contain a tar', async () => {
    const err = await rejection(gzip('apiVersion: v2\nname: demo\n'.repeat(40)))
    expect(err.message).toMatch(/not a valid tar archive/)
  })

  it('rejects gzip of a short non-tar payload', async () => {
    const err = await rejection(gzip('hello'))
    expect(err.message).toMatch(/not a valid tar archive/)
  })

  it('rejects an empty archive', async () => {
    const err = await rejection(await buildTgz([]))
    expect(err.message).toMatch(/empty archive/)
  })

  it('rejects a package without Chart.yaml in the chart folder', async () => {
    await rejectEntries(
      [
        { name: 'demo/values.yaml', content: 'a: 1' },
        { name: 'demo/charts/sub/Chart.yaml', content: chartYaml({ name: 'sub' }) },
      ],
      /no Chart\.yaml/,
    )
  })

  it('rejects files at the archive root', async () => {
    await rejectEntries([{ name: 'Chart.yaml', content: chartYaml() }], /outside the top-level chart folder/)
  })

  it('rejects two top-level folders', async () => {
    await rejectEntries(
      [...chartEntries(), { name: 'other/Chart.yaml', content: chartYaml({ name: 'other' }) }],
      /single top-level chart folder; found "demo" and "other"/,
    )
  })

  it.each(['demo/../evil', '../evil', 'demo/templates/../../../etc/cron.d/x'])('rejects the traversal path %s', async (name) => {
    await rejectEntries([...chartEntries(), { name, content: 'x' }], /escapes the chart folder/)
  })

  it.each(['/etc/passwd', 'C:/Windows/evil', '\\evil'])('rejects the absolute path %s', async (name) => {
    await rejectEntries([...chartEntries(), { name, content: 'x' }], /absolute path/)
  })

  it('rejects a symlink', async () => {
    await rejectEntries(
      [...chartEntries(), { name: 'demo/values.yaml', type: 'symlink', linkname: '/etc/passwd' }],
      /symbolic link .*only regular files and directories/,
    )
  })

  it('rejects a hard link', async () => {
    await rejectEntries(
      [...chartEntries(), { name: 'demo/templates/x.yaml', type: 'link', linkname: 'demo/Chart.yaml' }],
      /hard link/,
    )
  })

  it('rejects device and fifo entries', async () => {
    await rejectEntries([...chartEntries(), { name: 'demo/null', type: 'character-device' }], /"character-device" entry/)
    await rejectEntries([...chartEntries(), { name: 'demo/pipe', type: 'fifo' }], /"fifo" entry/)
  })

  it('rejects a path that appears twice', async () => {
    await rejectEntries([...chartEntries(), ...chartEntries()], /more than once/)
  })

  it('surfaces Chart.yaml and values.yaml problems as content errors', async () => {
    const err = await rejection(await buildTgz(chartEntries({ valuesYaml: '- a\n- b\n' })))
    expect(err.message).toMatch(/values\.yaml must be a YAML mapping/)
    const mismatch = await rejection(await buildTgz(chartEntries({ folder: 'other' })))
    expect(mismatch.message).toMatch(/folder "other" does not match/)
  })
})

describe('readChartPackage: limits', () => {
  it('rejects a package over maxPackageBytes before decompressing', async () => {
    const bytes = await buildTgz(chartEntries())
    const err = await rejection(bytes, { ...limits, maxPackageBytes: bytes.length - 1 })
    expect(err.message).toMatch(/chart package exceeds \d+ bytes/)
  })

  it('rejects too many entries', async () => {
    const many: TarEntry[] = Array.from({ length: 20 }, (_, i) => ({ name: `demo/files/f${i}.txt`, content: 'x' }))
    const err = await rejection(await buildTgz([...chartEntries(), ...many]), { ...limits, maxFiles: 10 })
    expect(err.message).toMatch(/more than 10 entries/)
  })

  // Issue 9, item 4: every release revision and answer carries the chart's defaults.
  it('rejects a values.yaml over the limit (256 KiB by default), naming the limit and its flag', async () => {
    const KiB = 1024
    expect(DEFAULT_CHART_LIMITS.maxValuesBytes).toBe(256 * KiB)
    const sized = (n: number) => `key: "${'v'.repeat(n - 8)}"\n`
    expect(Buffer.byteLength(sized(256 * KiB))).toBe(256 * KiB)
    const ok = await readChartPackage(await buildTgz(chartEntries({ valuesYaml: sized(256 * KiB) })), limits)
    expect((ok.values.key as string).length).toBe(256 * KiB - 8)

    const err = await rejection(await buildTgz(chartEntries({ valuesYaml: sized(256 * KiB + 1) })))
    expect(err.message).toBe('values.yaml is 262145 bytes, over 262144 bytes (256 KiB), the limit on chart defaults (--chart-max-values-bytes)')
    expect(err.field).toBe('content')

    const small = await rejection(await buildTgz(chartEntries({ valuesYaml: sized(2000) })), { ...limits, maxValuesBytes: 1000 })
    expect(small.message).toMatch(/over 1000 bytes, the limit on chart defaults/)
  })

  it('rejects a values.yaml whose aliases expand it past four times the limit', async () => {
    const anchor = `base: &b "${'v'.repeat(20_000)}"\n`
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: *b`).join('\n')
    const err = await rejection(await buildTgz(chartEntries({ valuesYaml: `${anchor}${aliases}\n` })), { ...limits, maxValuesBytes: 64 * 1024 })
    expect(err.message).toMatch(/^values\.yaml loads to \d+ bytes of JSON \(anchors and aliases expand it\), over 4 × 65536 bytes \(64 KiB\)/)
  })

  it('keeps templates only up to its budget instead of failing', async () => {
    const big = 'x'.repeat(600 * 1024)
    const pkg = await readChartPackage(
      await buildTgz([
        ...chartEntries(),
        { name: 'demo/templates/a.yaml', content: big },
        { name: 'demo/templates/b.yaml', content: big },
        { name: 'demo/templates/c.yaml', content: 'kind: Service' },
      ]),
      limits,
    )
    expect(pkg.templates.map((t) => t.path)).toEqual(['templates/a.yaml', 'templates/c.yaml'])
  })

  it('counts tar padding too: zeros after the end-of-archive marker', async () => {
    const tarBytes = await buildTar(chartEntries())
    const padded = gzip(Buffer.concat([tarBytes, Buffer.alloc(9 * MiB)]))
    const err = await rejection(padded)
    expect(err.message).toMatch(/unpacked size exceeds 8 MiB/)
  })
})

describe('readChartPackage: gzip bombs', () => {
  const bombLimits: ChartPackageLimits = { ...DEFAULT_CHART_LIMITS, maxPackageBytes: 10 * MiB, maxUnpackedBytes: 16 * MiB, maxFiles: 1000 }
  let oneBigFile: Buffer
  let manySmallFiles: Buffer

  // Compressing 400 MiB of zeros takes most of this suite's time; the tests time only the reads.
  beforeAll(async () => {
    oneBigFile = await zeroBomb({ files: 1, fileSize: 200 * MiB })
    // 200 x 1 MiB: every entry is individually under the cap, so only the running count can stop it.
    manySmallFiles = await zeroBomb({ files: 200, fileSize: MiB })
  })

  it('rejects one 200 MiB file of zeros from its declared size', async () => {
    const bomb = oneBigFile
    expect(bomb.length).toBeLessThan(400 * 1024)
    const started = Date.now()
    const err = await rejection(bomb, bombLimits)
    expect(err.message).toMatch(/unpacked size exceeds 16 MiB/)
    expect(Date.now() - started).toBeLessThan(500)
  })

  it('stops streaming many small zero files once the running total passes the cap, without growing memory', async () => {
    const bomb = manySmallFiles
    expect(bomb.length).toBeLessThan(400 * 1024)

    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 2)
    const started = Date.now()
    try {
      const err = await rejection(bomb, bombLimits)
      expect(err.message).toMatch(/unpacked size exceeds 16 MiB/)
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, process.memoryUsage().rss)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(peak - before).toBeLessThan(50 * MiB)
  })
})
