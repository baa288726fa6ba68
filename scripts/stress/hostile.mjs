// Hostile packages: gzip bombs and 31 malformed or malicious packages, each refused with a CCE
// 4xx while the server's memory stays bounded.
import { gzipSync } from 'node:zlib'
import { buildTar, buildTgz, call, chartYaml, MiB, upload, watched, zeroBomb } from './lib.mjs'

const ok = (extra = []) => [{ name: 'demo/Chart.yaml', content: chartYaml() }, ...extra]
const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`)

/** [label, package bytes] pairs: every one must be refused. */
export async function hostilePackages() {
  const tgz = buildTgz
  const list = [
    ['not gzip', Buffer.from('this is not a chart at all, just text '.repeat(10))],
    ['gzip of text, not a tar', gzipSync('hello '.repeat(1000))],
    ['gzip of nothing', gzipSync(Buffer.alloc(0))],
    ['empty tar', gzipSync(Buffer.alloc(10240))],
    ['truncated gzip', (await tgz(ok())).subarray(0, 40)],
    ['no Chart.yaml', await tgz([{ name: 'demo/values.yaml', content: 'a: 1' }])],
    ['two top-level folders', await tgz([...ok(), { name: 'other/Chart.yaml', content: chartYaml({ name: 'other' }) }])],
    ['folder named unlike the chart', await tgz([{ name: 'x/Chart.yaml', content: chartYaml() }])],
    ['Helm 2 chart (apiVersion v1)', await tgz([{ name: 'demo/Chart.yaml', content: chartYaml({ apiVersion: 'v1' }) }])],
    ['uppercase name', await tgz([{ name: 'Demo/Chart.yaml', content: chartYaml({ name: 'Demo' }) }])],
    ['65-character name', await tgz([{ name: `${'a'.repeat(65)}/Chart.yaml`, content: chartYaml({ name: 'a'.repeat(65) }) }])],
    ['name with "_"', await tgz([{ name: 'de_mo/Chart.yaml', content: chartYaml({ name: 'de_mo' }) }])],
    ['name "../evil"', await tgz([{ name: 'demo/Chart.yaml', content: chartYaml({ name: '../evil' }) }])],
    ['version 100.0.0', await tgz([{ name: 'demo/Chart.yaml', content: chartYaml({ version: '100.0.0' }) }])],
    ['version "latest"', await tgz([{ name: 'demo/Chart.yaml', content: chartYaml({ version: 'latest' }) }])],
    ['Chart.yaml without a name', await tgz([{ name: 'demo/Chart.yaml', content: 'apiVersion: v2\nversion: 1.0.0' }])],
    ['Chart.yaml that is a list', await tgz([{ name: 'demo/Chart.yaml', content: '- a\n- b' }])],
    ['Chart.yaml that is not YAML', await tgz([{ name: 'demo/Chart.yaml', content: 'name: [unclosed' }])],
    ['Chart.yaml with a duplicate key', await tgz([{ name: 'demo/Chart.yaml', content: `${chartYaml()}\nname: demo` }])],
    ['values.yaml that is not YAML', await tgz(ok([{ name: 'demo/values.yaml', content: 'a: {unclosed' }]))],
    ['values.yaml alias bomb (billion laughs)', await tgz(ok([{ name: 'demo/values.yaml', content: laughs.join('\n') }]))],
    ['values.yaml nested 100,000 deep', await tgz(ok([{ name: 'demo/values.yaml', content: `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}` }]))],
    ['absolute path', await tgz([...ok(), { name: '/etc/cron.d/evil', content: 'x' }])],
    ['"../" traversal', await tgz([...ok(), { name: '../evil.sh', content: 'x' }])],
    ['traversal inside the folder', await tgz([...ok(), { name: 'demo/templates/../../../evil', content: 'x' }])],
    ['backslash traversal', await tgz([...ok(), { name: 'demo\\..\\..\\evil', content: 'x' }])],
    ['symlink', await tgz([...ok(), { name: 'demo/templates/link.yaml', type: 'symlink', linkname: '/etc/passwd' }])],
    ['hard link', await tgz([...ok(), { name: 'demo/templates/hard.yaml', type: 'link', linkname: 'demo/Chart.yaml' }])],
    ['character device', await tgz([...ok(), { name: 'demo/dev', type: 'character-device' }])],
    ['fifo', await tgz([...ok(), { name: 'demo/pipe', type: 'fifo' }])],
    ['6,000 entries', gzipSync(await buildTar([...ok(), ...Array.from({ length: 6000 }, (_, i) => ({ name: `demo/f/${i}`, content: '' }))]))],
  ]
  return list
}

export const hostile = {
  name: 'hostile-packages',
  about: 'three gzip bombs of 320 MiB zeros, one tar declaring a 256 MiB file, then 31 hostile packages (traversal, links, devices, bad names and versions, YAML bombs)',
  run: async () => {
    const bomb = await zeroBomb({ files: 1, fileSize: 0, trailingZeros: 320 * MiB })
    const declared = await zeroBomb({ files: 1, fileSize: 256 * MiB })
    const packages = await hostilePackages()
    return watched('hostile', [], async ({ url }, checks) => {
      const refusedAs = (r) => r.status >= 400 && r.status < 500 && typeof r.json?.error_code === 'string'
      for (let i = 0; i < 3; i++) {
        const r = await upload(url, bomb)
        checks.add(`gzip bomb #${i + 1} (${(bomb.length / 1024).toFixed(0)} KiB → 320 MiB): refused`, refusedAs(r), `${r.status} ${r.text.slice(0, 160)}`)
      }
      const d = await upload(url, declared)
      checks.add(`tar declaring a 256 MiB file (${(declared.length / 1024).toFixed(0)} KiB): refused`, refusedAs(d), `${d.status} ${d.text.slice(0, 160)}`)
      const wrong = []
      for (const [label, pkg] of packages) {
        const r = await upload(url, pkg)
        if (!refusedAs(r)) wrong.push(`${label} → ${r.status} ${r.text.slice(0, 120)}`)
      }
      checks.add(`${packages.length} hostile packages: each refused with a 4xx CCE error`, wrong.length === 0, wrong.join(' | '))
      const stored = await call('GET', `${url}/v2/charts`)
      checks.add('no chart stored', stored.status === 200 && Array.isArray(stored.json) && stored.json.length === 0, stored.text.slice(0, 200))
      return ''
    }).then((result) => {
      const growth = result.stats.rssPeak - result.stats.rssBefore
      result.checks.add('RSS growth under 64 MiB', growth < 64, `${growth.toFixed(0)} MiB`)
      result.note = `RSS growth ${growth.toFixed(0)} MiB`
      return result
    })
  },
}
