import { parse } from 'node:querystring'
import { describe, expect, it } from 'vitest'
import { parseQuerystring } from '../../src/wire/querystring.js'

describe('the query-string parser', () => {
  it("gives node:querystring's object for queries with nothing to decode (its fast path) and for those with something", () => {
    const cases = [
      '', 'a', 'a=', '=', '=v', 'a=b', 'a=b&a=c', 'a=b&a=c&a=d', '&&a=1&&', 'a=b=c', '&', 'a&b', 'a=1&b=2&a', 'a==', '==a&',
      '__proto__=x', 'toString=1&constructor=2', 'namespace=default&chart_id=x',
      // node's 1000-piece limit, empty pieces counted
      '&'.repeat(998) + 'a=1', '&'.repeat(999) + 'a=1', '&'.repeat(1000) + 'a=1',
      'b=1&'.repeat(999) + 'z', 'b=1&'.repeat(1000) + 'z', Array.from({ length: 1200 }, (_, i) => `k${i}=${i}`).join('&'),
      // decoded by node's parse
      'a=%20b', 'a+b=c+d', 'a=%zz', 'n%61me=x&name=y',
    ]
    for (const raw of cases) {
      const ours = parseQuerystring(raw)
      expect(Object.getPrototypeOf(ours)).toBe(null)
      expect({ ...ours }).toEqual({ ...parse(raw) })
      expect(Object.keys(ours)).toEqual(Object.keys(parse(raw)))
    }
  })
})
