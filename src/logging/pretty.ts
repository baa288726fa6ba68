/**
 * One pino JSON line → one line for a person: time, level, message, then the fields that are
 * not already in the message. Access lines read like a web server's: `GET /path 200 3.1ms …`.
 */
const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\u001b[90m'],
  20: ['DEBUG', '\u001b[36m'],
  30: ['INFO ', '\u001b[32m'],
  40: ['WARN ', '\u001b[33m'],
  50: ['ERROR', '\u001b[31m'],
  60: ['FATAL', '\u001b[35m'],
}
const RESET = '\u001b[0m'
const DIM = '\u001b[2m'
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'v'])

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23)

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v
  return JSON.stringify(v)
}

export function prettyLine(json: string, colour: boolean): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json
  }
  const [label, tint] = LEVELS[entry.level as number] ?? [String(entry.level).padEnd(5), '']
  const time = typeof entry.time === 'number' ? clock(entry.time) : ''
  const msg = String(entry.msg ?? '')
  // A field the message already shows (the access line's method, path, status…) is not repeated.
  const said = (v: unknown): boolean =>
    (typeof v === 'string' || typeof v === 'number') ? msg.includes(String(v)) : Array.isArray(v) && v.every((x) => msg.includes(String(x)))
  const fields = Object.entries(entry)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined && v !== null && !said(v) && !(k === 'err' && typeof v === 'object') && !(k === 'reqId' && 'request_id' in entry))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ')
  const err = entry.err && typeof entry.err === 'object' ? (entry.err as { stack?: string; message?: string }) : undefined
  const stack = err ? `\n${err.stack ?? err.message ?? ''}` : ''
  const lvl = colour ? `${tint}${label}${RESET}` : label
  const rest = fields ? (colour ? ` ${DIM}${fields}${RESET}` : ` ${fields}`) : ''
  return `${time} ${lvl} ${msg}${rest}${stack}\n`
}
