import { setImmediate as turn } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { CompileWarmer, contextKeyOf, precompiledKey, schemaKeyOf, sharedCompilers } from '../../src/wire/compilers.js'

// The build's table (scripts/precompile-schemas.mjs), stood in for by entries these tests put in
// (vi.mock is hoisted above the imports).
const table = vi.hoisted(() => new Map<string, () => unknown>())
vi.mock('../../src/wire/precompiled-schemas.js', () => ({
  precompiledSchemas: (kind: string, hash: string) => table.get(`${kind} ${hash}`)?.(),
}))

type Validator = ((data: unknown) => unknown) & { errors?: unknown }
type Factory = (ext: unknown, opts: unknown) => (route: { schema: unknown }) => Validator

// As Fastify passes them: the shared schemas, and the ajv options.
const EXTERNAL = { Name: { $id: 'Name', type: 'string', maxLength: 4 } }
const OPTIONS = { customOptions: { coerceTypes: false, strictTypes: false } }

/** Puts a stand-in "compiled" validator in the table under the key of (context, schema), as the build would. */
function precompile(schema: unknown, fn: Validator, external: unknown = EXTERNAL): void {
  table.set(`validator ${precompiledKey('validator', contextKeyOf(external, OPTIONS), schemaKeyOf(schema))}`, () => fn)
}

const schemaFor = (tag: number, maxLength: number) => ({ type: 'object', properties: { tag: { const: tag }, name: { type: 'string', maxLength } } })

describe('build-time compiled schemas', () => {
  it('takes a schema the build compiled from the table, errors included, instead of compiling it', () => {
    const tag = Math.random()
    const fromBuild: Validator = (data) => {
      fromBuild.errors = [{ message: 'from the table' }]
      return (data as { ok?: boolean }).ok === true
    }
    precompile(schemaFor(tag, 8), fromBuild)
    const { buildValidator } = sharedCompilers() as unknown as { buildValidator: Factory }
    const validate = buildValidator(EXTERNAL, OPTIONS)({ schema: schemaFor(tag, 8) })
    // A real compilation would accept this object: only the table's function refuses it.
    expect(validate({ name: 'abc' })).toBe(false)
    expect(validate.errors).toEqual([{ message: 'from the table' }])
    expect(validate({ ok: true })).toBe(true)
  })

  it('never uses an entry for another schema: one changed since the build, or with other shared schemas, is compiled on first use', () => {
    const tag = Math.random()
    const stale: Validator = () => true
    precompile(schemaFor(tag, 8), stale)
    const { buildValidator } = sharedCompilers() as unknown as { buildValidator: Factory }
    // One character of the schema differs from what the build compiled: maxLength 2, not 8.
    const changed = buildValidator(EXTERNAL, OPTIONS)({ schema: schemaFor(tag, 2) })
    expect(changed({ name: 'abc' })).toBe(false)
    expect(changed.errors).toEqual([expect.objectContaining({ instancePath: '/name', message: 'must NOT have more than 2 characters' })])
    // The schema the build knew, in a context whose shared schemas changed.
    const otherContext = { Name: { $id: 'Name', type: 'string', maxLength: 5 } }
    const sameSchemaOtherContext = buildValidator(otherContext, OPTIONS)({ schema: schemaFor(tag, 8) })
    expect(sameSchemaOtherContext({ tag, name: 'abc' })).toBe(true)
    expect(sameSchemaOtherContext({ tag: 0 })).toBe(false)
  })

  it('the warmer loads no compiler when every schema was precompiled, and loads them before the first it must compile', async () => {
    const tag = Math.random()
    const warmer = new CompileWarmer()
    const loaded: string[] = []
    warmer.beforeCompiling([() => loaded.push('compilers')])
    const { buildValidator } = sharedCompilers({}, warmer) as unknown as { buildValidator: Factory }
    const compile = buildValidator(EXTERNAL, OPTIONS)
    for (const n of [1, 2, 3]) {
      precompile(schemaFor(tag, n), () => true)
      compile({ schema: schemaFor(tag, n) })
    }
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await turn()
    }
    warmer.start(0)
    await new Promise((r) => setTimeout(r, 1))
    await turns(10)
    expect(loaded).toEqual([])

    const missing = compile({ schema: schemaFor(tag, 9) })
    warmer.start(0)
    await new Promise((r) => setTimeout(r, 1))
    await turns(40)
    expect(loaded).toEqual(['compilers'])
    // Compiled by the warmer, with the real compiler.
    expect(missing({ name: 'a'.repeat(10) })).toBe(false)
  })
})
