/** A line diff of two values printed as sorted, indented JSON (LCS; values are small). */

export interface DiffLine {
  kind: ' ' | '+' | '-'
  text: string
}

const sorted = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(sorted)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)]))
  return v
}

export const pretty = (v: unknown) => JSON.stringify(sorted(v), null, 2)

/** Lines beyond this many are compared as a whole (a delete then an add) to bound the work. */
const MAX_LINES = 2000

export function diffValues(a: unknown, b: unknown): DiffLine[] {
  const x = pretty(a).split('\n')
  const y = pretty(b).split('\n')
  if (x.length * y.length > MAX_LINES * MAX_LINES) return [...x.map((text) => ({ kind: '-' as const, text })), ...y.map((text) => ({ kind: '+' as const, text }))]
  // lcs[i][j]: common lines of x[i..] and y[j..]
  const lcs: Uint16Array[] = Array.from({ length: x.length + 1 }, () => new Uint16Array(y.length + 1))
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ kind: ' ', text: x[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ kind: '-', text: x[i++]! })
    else out.push({ kind: '+', text: y[j++]! })
  }
  while (i < x.length) out.push({ kind: '-', text: x[i++]! })
  while (j < y.length) out.push({ kind: '+', text: y[j++]! })
  return out
}
