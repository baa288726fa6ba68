#!/usr/bin/env node
// `npm run stress [-- probe ...]`: the long-running hostile-input and durability probes of issue 9,
// each against the bundled CLI (dist/bin.cjs) on port 0 with a file database in a temp folder,
// watched by a health prober in a worker thread (GET /_emulator/health every 5 ms: its worst
// latency is the worst stall any other client saw) and a VmRSS sampler. One row per probe.
// Stall figures are reported and flagged (target: under 50 ms), not asserted: the machine is
// shared. A probe's own correctness checks are asserted: any failure exits 1.
import { cpus, loadavg } from 'node:os'
import { PROBES } from './stress/probes.mjs'

const STALL_TARGET_MS = 50
const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !PROBES.some((p) => p.name === w))
if (unknown.length) {
  console.error(`unknown probe(s): ${unknown.join(', ')}; known: ${PROBES.map((p) => p.name).join(', ')}`)
  process.exit(2)
}
const selected = wanted.length ? PROBES.filter((p) => wanted.includes(p.name)) : PROBES

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')
console.log(`stress: ${selected.length} probe(s) on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load()}`)

const rows = []
for (const probe of selected) {
  const t0 = performance.now()
  process.stdout.write(`\n▶ ${probe.name}: ${probe.about}\n`)
  let result
  try {
    result = await probe.run()
  } catch (err) {
    result = { stats: undefined, checks: { list: [{ name: 'probe ran to the end', ok: false, detail: `${err.stack ?? err}${err.cause ? `\n  cause: ${err.cause.stack ?? err.cause}` : ''}` }] }, note: '' }
  }
  const seconds = (performance.now() - t0) / 1000
  for (const c of result.checks.list) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${!c.detail ? '' : !c.ok ? `: ${c.detail}` : c.detail.length <= 60 ? ` (${c.detail})` : ''}`)
  const s = result.stats
  if (s) console.log(`  health: ${s.probes} probes, worst ${fmt(s.worstMs, 1)} ms, p99 ${fmt(s.p99Ms, 1)} ms; RSS ${fmt(s.rssBefore)} → peak ${fmt(s.rssPeak)} → ${fmt(s.rssAfter)} MiB; ${seconds.toFixed(1)} s`)
  if (s?.slow?.length) console.log(`  answers over 50 ms at: ${s.slow.slice(0, 12).map(([t, ms]) => `+${t.toFixed(1)} s ${Math.round(ms)} ms`).join(', ')}${s.slow.length > 12 ? ` (${s.slow.length} in all)` : ''}`)
  if (result.note) console.log(`  ${result.note}`)
  rows.push({ probe, result, seconds })
}

console.log(`\nload average at the end: ${load()}`)
console.log('\n| probe | worst stall | p99 stall | RSS before / peak / after (MiB) | checks | notes |')
console.log('|---|---|---|---|---|---|')
for (const { probe, result } of rows) {
  const s = result.stats
  const flag = s && s.worstMs > STALL_TARGET_MS ? ' ⚠' : ''
  const checks = result.checks.list
  const passed = checks.filter((c) => c.ok).length
  const failed = checks.filter((c) => !c.ok).map((c) => c.name)
  const stall = s ? `${fmt(s.worstMs)} ms${flag}` : '-'
  const rss = s ? `${fmt(s.rssBefore)} / ${fmt(s.rssPeak)} / ${fmt(s.rssAfter)}` : '-'
  console.log(`| ${probe.name} | ${stall} | ${s ? `${fmt(s.p99Ms)} ms` : '-'} | ${rss} | ${passed}/${checks.length}${failed.length ? ` FAILED: ${failed.join('; ')}` : ''} | ${result.note ?? ''} |`)
}
const failing = rows.filter((r) => r.result.checks.list.some((c) => !c.ok))
if (failing.length) {
  console.log(`\n${failing.length} probe(s) failed their checks: ${failing.map((r) => r.probe.name).join(', ')}`)
  process.exit(1)
}
console.log(`\nall checks passed; stalls over ${STALL_TARGET_MS} ms are marked ⚠`)
