import { parse } from 'node:querystring'
import { describe, expect, it } from 'vitest'
import { cceDialect } from '../../src/wire/cce/dialect.js'
import { requestPathOf } from '../../src/wire/client-errors.js'
import { cloudpodsDialect } from '../../src/wire/cloudpods/dialect.js'
import { asList, foldCloudpodsQuery } from '../../src/wire/cloudpods/query.js'
import { DialectRouter, underPrefix } from '../../src/wire/dialect.js'
import { keepFirstValues, parseQuerystring } from '../../src/wire/querystring.js'

const fold = (raw: string) => ({ ...foldCloudpodsQuery(parseQuerystring(raw)) })

describe('Cloudpods query folding', () => {
  it('turns key.N indexes into a list in index order, whatever the order on the wire', () => {
    expect(fold('filter.1=b&filter.0=a&filter.10=k&filter.2=c')).toEqual({ filter: ['a', 'b', 'c', 'k'] })
  })
  it('keeps repeats as lists, joins a plain value before indexed ones, and leaves other keys alone', () => {
    expect(fold('name=x&name=y&limit=20')).toEqual({ name: ['x', 'y'], limit: '20' })
    expect(fold('f=p&f.0=a')).toEqual({ f: ['p', 'a'] })
    expect(fold('a.b=c&x.01=y&x.-1=z&.0=q')).toEqual({ 'a.b': 'c', 'x.01': 'y', 'x.-1': 'z', '.0': 'q' })
  })
  it('returns the parsed object itself when there is nothing to fold', () => {
    const q = parseQuerystring('all=true&details=false')
    expect(foldCloudpodsQuery(q)).toBe(q)
  })
  it('asList reads a folded value as a list', () => {
    expect([asList(undefined), asList('a'), asList(['a', 'b'])]).toEqual([[], ['a'], ['a', 'b']])
  })
})

describe('CCE query', () => {
  it('keeps the first value of a repeated key', () => {
    expect({ ...keepFirstValues(parse('a=1&a=2&b=3') as Record<string, string | string[]>) }).toEqual({ a: '1', b: '3' })
  })
})

describe('DialectRouter', () => {
  const router = new DialectRouter([cceDialect, cloudpodsDialect])
  it('finds the owner by whole path segments, and falls back to the first dialect', () => {
    expect(router.owner('/api/releases?x=1')?.name).toBe('cloudpods')
    expect(router.owner('/api')?.name).toBe('cloudpods')
    expect(router.owner('/api?x')?.name).toBe('cloudpods')
    expect(router.owner('/apis/x')).toBeNull()
    expect(router.owner('/autopilot/cam/v3/x')?.name).toBe('cce')
    expect(router.owner('/_emulator/health')).toBeNull()
    expect(router.forUrl('/nope').name).toBe('cce')
    expect(underPrefix('/v2/charts', '/v2')).toBe(true)
    expect(underPrefix('/v20', '/v2')).toBe(false)
  })
})

describe('requestPathOf (Node parser refusals)', () => {
  it('reads the path of a well-formed request line only', () => {
    expect(requestPathOf(Buffer.from('POST /api/releases?x=1 HTTP/1.1\r\nHost: x\r\n'))).toBe('/api/releases?x=1')
    expect(requestPathOf(Buffer.from('HELLO\r\n\r\n'))).toBeNull()
    expect(requestPathOf(Buffer.from('X-Big: aaaa\r\n'))).toBeNull()
    expect(requestPathOf(undefined)).toBeNull()
  })
})
