import type { ChartTemplate } from './chart-package.js'

export interface TemplateResource {
  kind: string
  name: string
  /** Empty for cluster-scoped kinds, which have no namespace in Kubernetes. */
  namespace: string
}

/** Enough of Kubernetes' cluster-scoped kinds to cover what charts usually ship. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'PodSecurityPolicy',
  'RuntimeClass',
  'CSIDriver',
])

const DOC_SEPARATOR = /^---(\s.*)?$/
const KIND_LINE = /^kind:\s*(.*)$/
const METADATA_LINE = /^metadata:\s*(#.*)?$/
/** `helm test` pods are only created on demand, never by install. */
const TEST_HOOK = /["']?helm\.sh\/hook["']?\s*:\s*["']?[^"'\n]*\btest(-success)?\b/

const INCLUDE_FULLNAME = /^(include|template)\s+"[^"]*fullname"\s+(\.|\$)$/
const RELEASE_NAME = /^\$?\.Release\.Name$/

/**
 * Approximates the Kubernetes objects a release of these templates would create, without
 * running Go templates: rendering needs a Go template engine and Sprig, and the emulator only
 * needs plausible kinds and names. Files are scanned line by line because template
 * expressions make most template files invalid YAML.
 */
export function resourcesFromTemplates(
  templates: ReadonlyArray<ChartTemplate>,
  releaseName: string,
  namespace: string,
): TemplateResource[] {
  const resources: TemplateResource[] = []
  for (const template of templates) {
    if (!isManifestTemplate(template.path)) continue
    const fallbackName = `${releaseName}-${baseName(template.path)}`
    for (const doc of splitDocuments(template.content)) {
      const resource = scanDocument(doc, { releaseName, namespace, fallbackName })
      if (resource !== undefined) resources.push(resource)
    }
  }
  return resources
}

function isManifestTemplate(path: string): boolean {
  if (!path.startsWith('templates/')) return false
  const file = path.slice(path.lastIndexOf('/') + 1)
  return !file.startsWith('_') && /\.ya?ml$/i.test(file)
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.ya?ml$/i, '')
}

function splitDocuments(content: string): string[][] {
  const docs: string[][] = [[]]
  for (const line of content.split(/\r?\n/)) {
    if (DOC_SEPARATOR.test(line)) docs.push([])
    else docs[docs.length - 1]?.push(line)
  }
  return docs
}

interface Context {
  releaseName: string
  namespace: string
  fallbackName: string
}

function scanDocument(lines: string[], ctx: Context): TemplateResource | undefined {
  let kind: string | undefined
  let name: string | undefined
  let ns: string | undefined
  let metadataIndent: number | undefined
  let inMetadata = false

  for (const line of lines) {
    if (TEST_HOOK.test(line)) return undefined
    const trimmed = line.trimStart()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('{{')) continue

    const indent = line.length - trimmed.length
    if (indent === 0) {
      inMetadata = METADATA_LINE.test(line)
      metadataIndent = undefined
      const kindMatch = KIND_LINE.exec(line)
      if (kindMatch !== null && kind === undefined) kind = scalarValue(kindMatch[1] ?? '')
      continue
    }
    if (!inMetadata) continue
    // Only the first indentation level below `metadata:` holds its own name/namespace.
    metadataIndent ??= indent
    if (indent !== metadataIndent) continue
    const field = /^(name|namespace):\s*(.*)$/.exec(trimmed)
    if (field === null) continue
    const value = scalarValue(field[2] ?? '')
    if (field[1] === 'name') name ??= value
    else ns ??= value
  }

  if (kind === undefined || kind === '' || kind.includes('{{')) return undefined
  return {
    kind,
    name: resolveName(name, ctx),
    namespace: CLUSTER_SCOPED.has(kind) ? '' : resolveNamespace(ns, ctx),
  }
}

/** Strips quotes and trailing comments; template expressions are left for the resolvers. */
function scalarValue(raw: string): string {
  const value = raw.trim()
  const quoted = /^(["'])(.*)\1/.exec(value)
  if (quoted !== null) return quoted[2] ?? ''
  return value.replace(/\s+#.*$/, '').trim()
}

function expressions(value: string): RegExpMatchArray[] {
  return [...value.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/g)]
}

/** Drops pipelines such as `| trunc 63 | trimSuffix "-"`: they only shorten what we guess. */
function headOfPipeline(expr: string): string {
  return (expr.split('|')[0] ?? '').trim().replace(/^\(\s*(.*?)\s*\)$/, '$1')
}

function resolveName(raw: string | undefined, ctx: Context): string {
  if (raw === undefined || raw === '') return ctx.fallbackName
  if (!raw.includes('{{')) return raw
  let resolved = raw
  for (const match of expressions(raw)) {
    const head = headOfPipeline(match[1] ?? '')
    if (!RELEASE_NAME.test(head) && !INCLUDE_FULLNAME.test(head)) return ctx.fallbackName
    resolved = resolved.replace(match[0], ctx.releaseName)
  }
  // Anything left unresolved (an unbalanced `{{`) means we cannot trust the guess.
  return resolved.includes('{{') ? ctx.fallbackName : resolved
}

/**
 * Any templated namespace becomes the release namespace: `.Release.Namespace` is by far the
 * common case, and `.Values.namespace`-style overrides default to it too.
 */
function resolveNamespace(raw: string | undefined, ctx: Context): string {
  if (raw === undefined || raw === '' || raw.includes('{{')) return ctx.namespace
  return raw
}
