/** Name rules, applied by the domain so every dialect refuses the same things. */
import { ValidationError } from '../errors.js'

// Helm's ValidateReleaseName (pkg/chartutil/validate_name.go).
export const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
export const RELEASE_NAME_MAX = 53
// Kubernetes namespace: a DNS-1123 label.
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
export const DNS_LABEL_MAX = 63

export function validateReleaseName(name: string, field = 'name'): void {
  if (name === '') throw new ValidationError('no name provided', field)
  if (name.length > RELEASE_NAME_MAX || !RELEASE_NAME.test(name)) {
    throw new ValidationError(
      `invalid release name "${truncate(name)}", must match regex ${RELEASE_NAME.source} and the length must not be longer than ${RELEASE_NAME_MAX}`,
      field,
    )
  }
}

export function validateNamespace(namespace: string, field = 'namespace'): void {
  if (namespace.length === 0 || namespace.length > DNS_LABEL_MAX || !DNS_LABEL.test(namespace)) {
    throw new ValidationError(
      `invalid namespace "${truncate(namespace)}": a namespace must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${DNS_LABEL_MAX} characters)`,
      field,
    )
  }
}

const truncate = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s)
