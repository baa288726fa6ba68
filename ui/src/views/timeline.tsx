/**
 * A release's revisions drawn on a time axis: one lane per revision, from when its operation
 * started; the hatched part is how long it stayed pending, the solid part how it ended (coloured
 * by status) until the next revision started, or now.
 */
import type { RevisionView } from '../api.js'
import { fmtDuration, fmtTime, toneOf } from '../components.js'

const LANE = 34
const LEFT = 150
const RIGHT = 16
const TOP = 24
const WIDTH = 880

export function Timeline(props: { revisions: RevisionView[]; now: string; name: string }) {
  const { revisions } = props
  if (revisions.length === 0) return null
  const now = Date.parse(props.now)
  const t0 = Date.parse(revisions[0]!.started_at)
  const t1 = Math.max(now, ...revisions.map((r) => Date.parse(r.ended_at ?? r.started_at)))
  const span = Math.max(t1 - t0, 1000)
  const x = (t: number) => LEFT + ((t - t0) / span) * (WIDTH - LEFT - RIGHT)
  const height = TOP + revisions.length * LANE + 24
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => t0 + f * span)
  const summary = revisions
    .map((r) => `revision ${r.revision}: ${r.operation} ${r.status}${r.ended_at ? `, pending ${fmtDuration(Date.parse(r.ended_at) - Date.parse(r.started_at))}` : ''}`)
    .join('; ')
  return (
    <svg class="timeline" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="tl-title tl-desc" data-testid="timeline">
      <title id="tl-title">Revision timeline of {props.name}</title>
      <desc id="tl-desc">{summary}</desc>
      <defs>
        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" class="hatch-bg" />
          <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
        </pattern>
      </defs>
      {ticks.map((t, i) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={TOP - 6} y2={height - 20} class="tick" />
          <text x={x(t)} y={height - 6} class="axis" text-anchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>
            {fmtTime(new Date(t).toISOString()).slice(11, 20)}
          </text>
        </g>
      ))}
      {revisions.map((r, i) => {
        const y = TOP + i * LANE
        const start = Date.parse(r.started_at)
        const pendingEnd = r.ended_at ? Date.parse(r.ended_at) : r.end_known ? now : start
        const next = revisions[i + 1]
        const until = next ? Date.parse(next.started_at) : now
        const tone = toneOf(r.status)
        const pendingMs = pendingEnd - start
        return (
          <g key={r.revision} class="lane" data-revision={r.revision}>
            <title>
              Revision {r.revision}: {r.operation} started {fmtTime(r.started_at)}
              {r.ended_at ? `, pending for ${fmtDuration(pendingMs)}, ended ${r.status}` : r.end_known ? ', still pending' : `, ended ${r.status} (end time not recorded by this run)`}
            </title>
            <text x={8} y={y + 15} class="label">
              rev {r.revision} · {r.operation}
            </text>
            <text x={8} y={y + 28} class={`sub ${tone}`}>
              {r.status}
            </text>
            {pendingEnd > start && <rect x={x(start)} y={y + 4} width={Math.max(2, x(pendingEnd) - x(start))} height={LANE - 12} fill="url(#hatch)" class="pending" />}
            {until > pendingEnd && r.end_known && (
              <rect x={x(pendingEnd)} y={y + 4} width={Math.max(2, x(until) - x(pendingEnd))} height={LANE - 12} class={`bar ${tone}`} />
            )}
            {!r.end_known && <rect x={x(start)} y={y + 4} width={Math.max(2, x(until) - x(start))} height={LANE - 12} class={`bar ${tone} unknown-end`} />}
            <circle cx={x(start)} cy={y + 4 + (LANE - 12) / 2} r={4} class="start" />
          </g>
        )
      })}
    </svg>
  )
}
