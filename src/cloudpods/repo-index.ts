/** Helm repository index.yaml → the chart versions it lists, package URLs resolved. */
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml'
import { NotAcceptableError } from '../errors.js'

export interface IndexEntry {
  name: string
  version: string
  /** Absolute http(s) URL of the package. */
  url: string
  /** SHA-256 (hex, lower case) when the index gives one. */
  digest: string | undefined
}

/**
 * Walks the YAML document without converting it (aliases are never expanded). Package URLs are
 * resolved against `base` (the repo URL as a folder) and must be http(s).
 */
export function parseIndex(bytes: Buffer, indexUrl: URL, base: URL): IndexEntry[] {
  const bad = (why: string): NotAcceptableError => new NotAcceptableError(`${indexUrl.href} is not a Helm repository index: ${why}`)
  let doc
  try {
    doc = parseDocument(bytes.toString('utf8'), { schema: 'core', customTags: [], merge: true, uniqueKeys: false, prettyErrors: false })
  } catch {
    throw bad('it could not be parsed (nested too deeply?)')
  }
  if (doc.errors.length > 0) throw bad(`invalid YAML (${(doc.errors[0]?.message ?? '').split('\n', 1)[0]})`)
  const entries = doc.get('entries', true)
  if (entries === undefined || entries === null) return []
  if (!isMap(entries)) throw bad('"entries" is not a mapping')
  const out: IndexEntry[] = []
  for (const pair of entries.items) {
    const chart = scalar(pair.key as Node)
    if (!isSeq(pair.value)) throw bad(`entries.${chart} is not a list`)
    for (const item of pair.value.items) {
      if (!isMap(item)) throw bad(`an entry of ${chart} is not a mapping`)
      const version = scalar(item.get('version', true) as Node | undefined)
      const urls = item.get('urls', true)
      const first = isSeq(urls) ? scalar(urls.items[0] as Node | undefined) : ''
      if (version === '' || first === '') throw bad(`an entry of ${chart} has no version or no urls`)
      let url: URL
      try {
        url = new URL(first, base)
      } catch {
        throw bad(`${chart} ${version}: "${first}" is not a URL`)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${chart} ${version}: package URL ${url.href} is not http(s)`)
      const digest = scalar(item.get('digest', true) as Node | undefined)
      out.push({ name: scalar(item.get('name', true) as Node | undefined) || chart, version, url: url.href, digest: digest === '' ? undefined : digest.toLowerCase() })
    }
  }
  return out
}

/** A scalar as written (`version: 1.10` stays "1.10"); "" for anything else. */
function scalar(node: Node | null | undefined): string {
  if (!node || !isScalar(node) || node.value === null) return ''
  return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value))
}
