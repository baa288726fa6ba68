import { describe, expect, it } from 'vitest'
import { coalesce, effectiveValues, stripNulls, upgradeConfig } from '../../src/releases/values.js'

describe('coalesce (Helm CoalesceTables)', () => {
  it('lets user values win and merges tables deeply', () => {
    const defaults = { image: { repository: 'nginx', tag: '1.25' }, replicas: 1 }
    expect(coalesce({ image: { tag: '1.26' } }, defaults)).toEqual({ image: { repository: 'nginx', tag: '1.26' }, replicas: 1 })
  })

  it('deletes a default when the user sets it to null', () => {
    expect(stripNulls(coalesce({ replicas: null, image: { tag: null } }, { replicas: 1, image: { tag: 'x', pull: 'y' } }))).toEqual({ image: { pull: 'y' } })
  })

  it('keeps a "__proto__" key as plain data without touching prototypes', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    const out = coalesce(hostile, { a: 1 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(out)).toContain('__proto__')
  })
})

describe('effectiveValues', () => {
  it('is stripNulls(coalesce(config, defaults)) in one walk: same content, same key order, own "__proto__" kept', () => {
    const defaults = JSON.parse('{"a":1,"n":null,"t":{"x":1,"y":null,"deep":{"k":null,"v":[null,{"z":null}]}},"arr":[1,null],"s":"d","__proto__":{"p":1}}') as Record<string, unknown>
    const configs = [
      {},
      { a: null },
      { t: null, extra: { q: null, r: 2 } },
      { t: { x: 2, deep: { k: 3, w: null } }, arr: null, s: { now: 'a table' } },
      { s: 'mine', t: 'a scalar now', z: [null] },
      JSON.parse('{"__proto__":{"p":2,"q":null},"b":null}') as Record<string, unknown>,
    ]
    for (const config of configs) {
      const expected = stripNulls(coalesce(config, defaults))
      const got = effectiveValues(defaults, config)
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected))
      expect(got).toEqual(expected)
    }
    expect(({} as Record<string, unknown>).p).toBeUndefined()
  })
})

describe('upgradeConfig (Helm reuseValues)', () => {
  const current = { a: 1, nested: { x: 1 } }
  it('reset_values takes only the new values', () => {
    expect(upgradeConfig(current, { b: 2 }, { resetValues: true, reuseValues: true })).toEqual({ b: 2 })
  })
  it('reuse (CCE replace) merges new values over the current config', () => {
    expect(upgradeConfig(current, { nested: { y: 2 } }, { resetValues: false, reuseValues: true })).toEqual({ a: 1, nested: { x: 1, y: 2 } })
  })
  it('without flags: no new values reuses the current config; new values replace it', () => {
    expect(upgradeConfig(current, {}, { resetValues: false, reuseValues: false })).toEqual(current)
    expect(upgradeConfig(current, { b: 2 }, { resetValues: false, reuseValues: false })).toEqual({ b: 2 })
  })
})
