import { setImmediate as turn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { CompileWarmer, compilerWarmUpSteps, sharedCompilers } from '../../src/wire/compilers.js'

type Fn = (x: unknown) => unknown
type Factory = (ext: unknown, opts: unknown) => (route: { schema: unknown }) => Fn

/** A validator factory that counts compilations (a module-level function: its identity is the memo's key). */
let compiled = 0
const countingFactory: Factory = () => (route) => {
  compiled += 1
  const expected = (route.schema as { const: unknown }).const
  return (x) => x === expected
}

describe('CompileWarmer', () => {
  it('compiles deferred schemas while idle, one per turn, and a request finds them compiled', async () => {
    const warmer = new CompileWarmer()
    const { buildValidator } = sharedCompilers({ buildValidator: countingFactory }, warmer) as unknown as { buildValidator: Factory }
    const compile = buildValidator([], {})
    const tag = Math.random()
    const fns = [1, 2, 3].map((n) => compile({ schema: { const: `${tag}-${n}` } }))
    const before = compiled
    await turn()
    expect(compiled - before).toBe(0)
    warmer.start(0)
    await new Promise((r) => setTimeout(r, 1))
    const counts: number[] = []
    for (let i = 0; i < 4; i++) {
      counts.push(compiled - before)
      await turn()
    }
    expect(counts.at(-1)).toBe(3)
    // Never more than one compilation per turn.
    for (let i = 1; i < counts.length; i++) expect(counts[i]! - counts[i - 1]!).toBeLessThanOrEqual(1)
    expect(fns[1]!(`${tag}-2`)).toBe(true)
    expect(compiled - before).toBe(3)
  })

  it('stops when the app closes: nothing compiles after stop()', async () => {
    const warmer = new CompileWarmer()
    const { buildValidator } = sharedCompilers({ buildValidator: countingFactory }, warmer) as unknown as { buildValidator: Factory }
    const compile = buildValidator([], {})
    const tag = Math.random()
    for (const n of [1, 2, 3]) compile({ schema: { const: `${tag}-${n}` } })
    const before = compiled
    warmer.start(0)
    warmer.stop()
    await new Promise((r) => setTimeout(r, 5))
    expect(compiled - before).toBe(0)
  })

  it('runs its first steps (loading the compilers) before any schema, one per turn', async () => {
    const warmer = new CompileWarmer()
    const { buildValidator } = sharedCompilers({ buildValidator: countingFactory }, warmer) as unknown as { buildValidator: Factory }
    const tag = Math.random()
    buildValidator([], {})({ schema: { const: tag } })
    const order: string[] = []
    warmer.first([() => order.push('load'), () => order.push('warm')])
    const before = compiled
    warmer.start(0)
    // From the turn its first step ran: a wall-clock wait let several of its turns pass on a
    // loaded machine (CI saw all three done by the first look).
    while (order.length === 0) await turn()
    const seen: string[] = []
    for (let i = 0; i < 4; i++) {
      seen.push(`${order.join('+')}|${compiled - before}`)
      await turn()
    }
    expect(seen.slice(0, 3)).toEqual(['load|0', 'load+warm|0', 'load+warm|1'])
  })

  it('loads the default compilers in steps that all run: the warmer would swallow a broken one and the stall would be back', () => {
    const steps = compilerWarmUpSteps()
    expect(steps.length).toBeGreaterThan(4)
    for (const step of steps) expect(step).not.toThrow()
  })
})
