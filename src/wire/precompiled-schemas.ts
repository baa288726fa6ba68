/**
 * Route validators and serializers compiled at build time (see compilers.ts). This module is the
 * stand-in the sources use, tests run from them included: no table, so every schema compiles on
 * first use. The build (scripts/precompile-schemas.mjs) puts the generated table in its place in
 * dist/ and in the bundles.
 */

/** The compiled function for `hash` (precompiledKey in compilers.ts), or undefined when the build knew no such schema. */
export type PrecompiledSchemas = (kind: 'validator' | 'serializer', hash: string) => ((...args: unknown[]) => unknown) | undefined

export const precompiledSchemas: PrecompiledSchemas | undefined = undefined
