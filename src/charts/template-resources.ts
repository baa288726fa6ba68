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

/**
 * Work bounds per chart. Uploads keep at most 1 MiB of templates already; these hold whatever a
 * stored chart holds, so one show_resources answer costs a bounded, linear scan.
 */
export const MAX_SCANNED_BYTES = 1024 * 1024
export const MAX_RESOURCES = 1000

const INCLUDE_FULLNAME = /^(include|template)\s+"[^"]*fullname"\s+(\.|\$)$/
const RELEASE_NAME = /^\$?\.Release\.Name$/
const TEST_WORD = /\btest\b/

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
  let scanned = 0
  for (const template of templates) {
    if (!isManifestTemplate(template.path)) continue
    scanned += template.content.length
    if (scanned > MAX_SCANNED_BYTES) break
    const fallbackName = `${releaseName}-${baseName(template.path)}`
    for (const doc of splitDocuments(template.content)) {
      const resource = scanDocument(doc, { releaseName, namespace, fallbackName })
      if (resource === undefined) continue
      resources.push(resource)
      if (resources.length >= MAX_RESOURCES) return resources
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
    if (isDocSeparator(line)) docs.push([])
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
    if (isTestHook(line)) return undefined
    const trimmed = line.trimStart()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('{{')) continue

    const indent = line.length - trimmed.length
    if (indent === 0) {
      inMetadata = isMetadataLine(line)
      metadataIndent = undefined
      const kindValue = kind === undefined ? fieldValue(line, 'kind:') : undefined
      if (kindValue !== undefined) kind = scalarValue(kindValue)
      continue
    }
    if (!inMetadata) continue
    // Only the first indentation level below `metadata:` holds its own name/namespace.
    metadataIndent ??= indent
    if (indent !== metadataIndent) continue
    const nameValue = fieldValue(trimmed, 'name:')
    if (nameValue !== undefined) name ??= scalarValue(nameValue)
    const nsValue = nameValue === undefined ? fieldValue(trimmed, 'namespace:') : undefined
    if (nsValue !== undefined) ns ??= scalarValue(nsValue)
  }

  if (kind === undefined || kind === '' || kind.includes('{{')) return undefined
  return {
    kind,
    name: resolveName(name, ctx),
    namespace: CLUSTER_SCOPED.has(kind) ? '' : resolveNamespace(ns, ctx),
  }
}

/*
 * The helpers below replace regular expressions that backtracked on long runs of spaces (a
 * 223-byte template froze the server for seconds): each is one forward scan, and says which
 * expression it stands for so its behaviour can be checked against it.
 */

/** Line terminators as `.` in a regular expression excludes them (\n never occurs in a line). */
const isLineTerminator = (c: string): boolean => c === '\r' || c === '\n' || c === '\u2028' || c === '\u2029'
const hasLineTerminator = (s: string, from: number): boolean => {
  for (let i = from; i < s.length; i++) if (isLineTerminator(s[i]!)) return true
  return false
}
/** `\s` of a regular expression: the characters String.prototype.trim removes. */
const isSpace = (c: string): boolean => c.trim() === ''
const skipSpaces = (s: string, from: number): number => {
  let i = from
  while (i < s.length && isSpace(s[i]!)) i++
  return i
}

/** `^---(\s.*)?$` */
function isDocSeparator(line: string): boolean {
  if (!line.startsWith('---')) return false
  if (line.length === 3) return true
  return isSpace(line[3]!) && !hasLineTerminator(line, 4)
}

/** `^metadata:\s*(#.*)?$` */
function isMetadataLine(line: string): boolean {
  if (!line.startsWith('metadata:')) return false
  const i = skipSpaces(line, 'metadata:'.length)
  return i === line.length || (line[i] === '#' && !hasLineTerminator(line, i + 1))
}

/** The capture of `^key:\s*(.*)$`, or undefined when the line is not that field. */
function fieldValue(line: string, key: string): string | undefined {
  if (!line.startsWith(key)) return undefined
  const i = skipSpaces(line, key.length)
  return hasLineTerminator(line, i) ? undefined : line.slice(i)
}

/**
 * `["']?helm\.sh\/hook["']?\s*:\s*["']?[^"'\n]*\btest(-success)?\b`: a `helm.sh/hook` key whose
 * value names the test hook. Each character is scanned at most once or twice: a key found inside a
 * value already scanned can only see a suffix of it.
 */
function isTestHook(line: string): boolean {
  const KEY = 'helm.sh/hook'
  let scannedTo = 0
  for (let at = line.indexOf(KEY); at !== -1; at = line.indexOf(KEY, at + 1)) {
    let i = at + KEY.length
    if (line[i] === '"' || line[i] === "'") i++
    i = skipSpaces(line, i)
    if (line[i] !== ':') continue
    i = skipSpaces(line, i + 1)
    if (line[i] === '"' || line[i] === "'") i++
    // Inside a value already scanned: this one is a suffix of it, without "test" either.
    if (i < scannedTo) continue
    let end = i
    while (end < line.length && line[end] !== '"' && line[end] !== "'" && line[end] !== '\n') end++
    if (TEST_WORD.test(line.slice(i, end))) return true
    scannedTo = end
  }
  return false
}

/**
 * Strips quotes and trailing comments; template expressions are left for the resolvers. Values
 * come from fieldValue, so they hold no line terminator, which `.` in the expressions below excludes.
 */
function scalarValue(raw: string): string {
  const value = raw.trim()
  const quote = value[0]
  if (quote === '"' || quote === "'") {
    // `^(["'])(.*)\1`: up to the last matching quote.
    const close = value.lastIndexOf(quote)
    if (close > 0) return value.slice(1, close)
  }
  return stripComment(value).trim()
}

/** `value.replace(/\s+#.*$/, '')`: the first `#` after whitespace starts a comment. */
function stripComment(value: string): string {
  for (let hash = value.indexOf('#'); hash !== -1; hash = value.indexOf('#', hash + 1)) {
    if (hash === 0 || !isSpace(value[hash - 1]!)) continue
    let start = hash - 1
    while (start > 0 && isSpace(value[start - 1]!)) start--
    return value.slice(0, start)
  }
  return value
}

interface Expression {
  /** The whole `{{ … }}`. */
  text: string
  /** What is inside, without the trim markers and surrounding spaces. */
  body: string
}

/** The matches of `\{\{-?\s*(.*?)\s*-?\}\}`, left to right. */
function expressions(value: string): Expression[] {
  const found: Expression[] = []
  let from = 0
  for (;;) {
    const open = value.indexOf('{{', from)
    if (open === -1) return found
    let start = open + 2
    if (value[start] === '-') start++
    start = skipSpaces(value, start)
    const close = value.indexOf('}}', start)
    if (close === -1) return found
    let end = close
    if (end > start && value[end - 1] === '-') end--
    while (end > start && isSpace(value[end - 1]!)) end--
    found.push({ text: value.slice(open, close + 2), body: value.slice(start, end) })
    from = close + 2
  }
}

/** Drops pipelines such as `| trunc 63 | trimSuffix "-"`: they only shorten what we guess. */
function headOfPipeline(expr: string): string {
  const head = (expr.split('|')[0] ?? '').trim()
  // `^\(\s*(.*?)\s*\)$`
  return head.length >= 2 && head.startsWith('(') && head.endsWith(')') ? head.slice(1, -1).trim() : head
}

function resolveName(raw: string | undefined, ctx: Context): string {
  if (raw === undefined || raw === '') return ctx.fallbackName
  if (!raw.includes('{{')) return raw
  let resolved = raw
  for (const match of expressions(raw)) {
    const head = headOfPipeline(match.body)
    if (!RELEASE_NAME.test(head) && !INCLUDE_FULLNAME.test(head)) return ctx.fallbackName
    resolved = resolved.replace(match.text, ctx.releaseName)
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
