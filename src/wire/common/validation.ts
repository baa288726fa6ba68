/** Reading Fastify's (Ajv's) validation errors, for every dialect's error map. */
import type { FastifyError } from 'fastify'

export interface ValidationProblem {
  /** 'body', 'querystring', 'params' or 'headers'. */
  where: string
  /** Dotted path inside `where` ('' for the whole of it); a missing property names itself. */
  path: string
  /** `where.path`, or just the path for a body field (CCE's convention). */
  field: string
  message: string
  /** Ajv's keyword ('required', 'type', ...). */
  keyword: string
  /** The missing property when keyword is 'required'. */
  missing: string | undefined
}

export function validationProblem(err: FastifyError): ValidationProblem | null {
  if (!err.validation) return null
  const first = err.validation[0]
  const where = err.validationContext ?? 'body'
  const params = (first?.params ?? {}) as Record<string, unknown>
  const path = first ? fieldPath(first.instancePath, params) : ''
  const field = path === '' ? where : where === 'body' ? path : `${where}.${path}`
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined
  return { where, path, field, message: first?.message ?? 'is invalid', keyword: first?.keyword ?? '', missing }
}

/** "/parameters/dry_run" → "parameters.dry_run"; a missing property names itself. */
function fieldPath(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replaceAll('/', '.')
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : ''
  return [base, missing].filter(Boolean).join('.')
}
