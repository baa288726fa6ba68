/**
 * How deep YAML flow collections (`[...]`, `{...}`) nest, found in one linear pass before the
 * parser runs. The parser recurses per level: `a: [[[[…` 100,000 deep, a 400-byte package, cost
 * 3 s of CPU and 150 MiB before it overflowed its stack and gave up. Quoted scalars and comments
 * are skipped; in block context only a bracket that starts a token opens a collection, as in
 * YAML. Brackets inside block scalars may be counted too: an over-estimate that needs hundreds
 * of unclosed brackets to matter.
 */

/** In block context a flow collection or quoted scalar starts after whitespace (or at the start). */
const TOKEN_START = new Set([' ', '\t', '\n', '\r'])

/** True when flow collections nest deeper than `limit` somewhere in `text`. */
export function flowDepthOver(text: string, limit: number): boolean {
  let depth = 0
  let prev = '\n'
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '#' && (prev === ' ' || prev === '\t' || prev === '\n' || prev === '\r')) {
      const eol = text.indexOf('\n', i)
      if (eol < 0) return false
      i = eol
      prev = '\n'
      continue
    }
    if ((c === '"' || c === "'") && (depth > 0 || TOKEN_START.has(prev))) {
      i = closingQuote(text, i, c)
      if (i < 0) return false
      prev = c
      continue
    }
    if (c === '[' || c === '{') {
      if ((depth > 0 || TOKEN_START.has(prev)) && ++depth > limit) return true
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--
    }
    prev = c
  }
  return false
}

/** Index of the quote closing the one at `start`, or -1: `\"` escapes in double quotes, `''` in single. */
function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]
    if (quote === '"' && c === '\\') i++
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++
      else return i
    }
  }
  return -1
}
