import { describe, expect, it } from 'vitest'
import { MAX_FLOW_DEPTH, parseValuesYaml } from '../../src/charts/chart-metadata.js'
import { flowDepthOver } from '../../src/charts/yaml-depth.js'

describe('flow nesting is measured before the YAML parser runs', () => {
  const nested = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}`

  it('finds nesting past the limit, in sequences and maps', () => {
    expect(flowDepthOver(nested(100_000), MAX_FLOW_DEPTH)).toBe(true)
    expect(flowDepthOver(`a: ${'{b: '.repeat(600)}1${'}'.repeat(600)}`, MAX_FLOW_DEPTH)).toBe(true)
    expect(flowDepthOver(nested(MAX_FLOW_DEPTH), MAX_FLOW_DEPTH)).toBe(false)
  })

  it('does not count brackets in quoted scalars, comments or plain words', () => {
    const text = [
      `q: "${'['.repeat(2000)}"`,
      `s: '${'{'.repeat(2000)} it''s'`,
      `# ${'['.repeat(2000)}`,
      `p: a${'['.repeat(2000)}`,
      `list: [1, "x]", {k: v}]`,
    ].join('\n')
    expect(flowDepthOver(text, 10)).toBe(false)
  })

  it('a values.yaml nested 100,000 deep is refused as nested too deeply', () => {
    expect(() => parseValuesYaml(nested(100_000))).toThrow(/values\.yaml is not valid YAML: it is nested too deeply/)
    expect(Array.isArray(parseValuesYaml(nested(100)).a)).toBe(true)
  })
})
