/**
 * Helm's chart version matching (github.com/Masterminds/semver v3, which `helm install --version`
 * and kubeserver use), small enough to own instead of adding a dependency:
 *
 *   - versions: SemVer 2 with Masterminds' leniency (`v` prefix, `1.2` = `1.2.0`);
 *   - comparators `=` (or none), `!=`, `>`, `>=`/`=>`, `<`, `<=`/`=<`, `~`/`~>`, `^`, with `x`, `X`
 *     or `*` wildcards and partial versions (`1.2` is `1.2.x`);
 *   - AND with commas or spaces, OR with `||`, hyphen ranges `1.2 - 1.4.5`;
 *   - a pre-release version only matches a comparator that itself carries a pre-release, so `*`
 *     and `>=1.0.0` skip `2.0.0-rc.1` while `>0.0.0-0` (kubeserver's default) takes it.
 */
import { ValidationError } from '../errors.js'

export interface SemVer {
  major: number
  minor: number
  patch: number
  /** Dot-separated identifiers; numeric ones as numbers. Empty for a release. */
  prerelease: Array<string | number>
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/
const MAX_CONSTRAINT_LENGTH = 256

const toInt = (s: string | undefined): number => (s === undefined ? 0 : Number(s))

function prereleaseIds(s: string | undefined): Array<string | number> {
  if (s === undefined) return []
  return s.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id))
}

/** Parses a chart version; undefined when it is not one (such versions never match a constraint). */
export function parseVersion(text: string): SemVer | undefined {
  const m = VERSION.exec(text.trim())
  if (m === null) return undefined
  const parts = [toInt(m[1]), toInt(m[2]), toInt(m[3])]
  if (parts.some((n) => !Number.isSafeInteger(n))) return undefined
  const [major = 0, minor = 0, patch = 0] = parts
  return { major, minor, patch, prerelease: prereleaseIds(m[4]) }
}

function compareIds(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** SemVer 2 precedence (build metadata ignored): negative, zero or positive. */
export function compareVersions(a: SemVer, b: SemVer): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch
  if (d !== 0) return d
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const c = compareIds(a.prerelease[i] ?? 0, b.prerelease[i] ?? 0)
    if (c !== 0) return c
  }
  return a.prerelease.length - b.prerelease.length
}

/** Orders version strings newest first; unparsable ones last, by text. */
export function newestFirst(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)]
  if (x && y) return compareVersions(y, x) || (a < b ? -1 : a > b ? 1 : 0)
  if (x) return -1
  if (y) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '^'
/** How much of the comparator's version was a wildcard or left out. */
type Wild = 'none' | 'patch' | 'minor' | 'major'

interface Comparator {
  op: Op
  floor: SemVer
  wild: Wild
}

const COMPARATOR = /^(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)?v?([0-9]+|[xX*])(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/
const OPS: Record<string, Op> = { '': '=', '=': '=', '!=': '!=', '>': '>', '>=': '>=', '=>': '>=', '<': '<', '<=': '<=', '=<': '<=', '~': '~', '~>': '~', '^': '^' }
const isWild = (s: string | undefined): boolean => s === undefined || s === 'x' || s === 'X' || s === '*'

function parseComparator(text: string, whole: string): Comparator {
  const m = COMPARATOR.exec(text)
  if (m === null) throw invalid(whole)
  const [, rawOp = '', major, minor, patch, pre] = m
  const wild: Wild = isWild(major) ? 'major' : isWild(minor) ? 'minor' : isWild(patch) ? 'patch' : 'none'
  const floor: SemVer = {
    major: wild === 'major' ? 0 : toInt(major),
    minor: wild === 'major' || wild === 'minor' ? 0 : toInt(minor),
    patch: wild === 'none' ? toInt(patch) : 0,
    prerelease: wild === 'none' ? prereleaseIds(pre) : [],
  }
  if (![floor.major, floor.minor, floor.patch].every(Number.isSafeInteger)) throw invalid(whole)
  return { op: OPS[rawOp] ?? '=', floor, wild }
}

const version = (major: number, minor: number, patch: number): SemVer => ({ major, minor, patch, prerelease: [] })

/** The first version past what a partial version covers: 1.2 → 1.3.0, 1 → 2.0.0. */
function nextUp(c: Comparator): SemVer | undefined {
  const { major, minor } = c.floor
  if (c.wild === 'minor') return version(major + 1, 0, 0)
  if (c.wild === 'patch') return version(major, minor + 1, 0)
  return undefined
}

function below(v: SemVer, bound: SemVer | undefined): boolean {
  return bound === undefined || compareVersions(v, bound) < 0
}

function caretCeiling(c: Comparator): SemVer {
  const { major, minor, patch } = c.floor
  if (major > 0 || c.wild === 'minor') return version(major + 1, 0, 0)
  if (minor > 0 || c.wild === 'patch') return version(0, minor + 1, 0)
  return version(0, 0, patch + 1)
}

function equalTo(v: SemVer, c: Comparator): boolean {
  if (c.wild === 'none') return compareVersions(v, c.floor) === 0
  return compareVersions(v, c.floor) >= 0 && below(v, nextUp(c))
}

function check(v: SemVer, c: Comparator): boolean {
  // Masterminds: a pre-release only satisfies a comparator that asks for pre-releases.
  if (v.prerelease.length > 0 && c.floor.prerelease.length === 0) return false
  const any = c.wild === 'major'
  const cmp = compareVersions(v, c.floor)
  switch (c.op) {
    case '=':
      return any || equalTo(v, c)
    case '!=':
      return !any && !equalTo(v, c)
    case '>':
      if (any) return false
      return c.wild === 'none' ? cmp > 0 : !below(v, nextUp(c))
    case '>=':
      return cmp >= 0
    case '<':
      return !any && cmp < 0
    case '<=':
      if (any) return true
      return c.wild === 'none' ? cmp <= 0 : below(v, nextUp(c))
    case '~':
      if (any) return true
      return cmp >= 0 && below(v, c.wild === 'minor' ? version(c.floor.major + 1, 0, 0) : version(c.floor.major, c.floor.minor + 1, 0))
    case '^':
      return any || (cmp >= 0 && below(v, caretCeiling(c)))
  }
}

const invalid = (text: string): ValidationError =>
  new ValidationError(`invalid chart version constraint "${text}"; use a version such as 8.11.2 or a constraint such as ^8.11, ~8.11.1, >=8.0.0 <9.0.0 or >0.0.0-0`, 'version')

const HYPHEN = /(\S+)\s+-\s+(\S+)/g

/** A parsed constraint: OR of AND groups of comparators. */
export class VersionConstraint {
  private constructor(
    readonly text: string,
    private readonly groups: Comparator[][],
  ) {}

  /** Throws ValidationError (field `version`) for anything Helm would refuse. */
  static parse(text: string): VersionConstraint {
    if (text.length > MAX_CONSTRAINT_LENGTH) throw invalid(`${text.slice(0, 32)}…`)
    const groups = text.split('||').map((group) => {
      const normalised = group
        .replace(HYPHEN, '>=$1 <=$2')
        // Masterminds allows a space between operator and version: `>= 1.2`.
        .replace(/(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)\s+(?=[vV0-9xX*])/g, '$1')
        .trim()
      if (normalised === '') throw invalid(text)
      return normalised.split(/[\s,]+/).filter((t) => t !== '').map((t) => parseComparator(t, text))
    })
    return new VersionConstraint(text, groups)
  }

  matches(v: SemVer | string): boolean {
    const parsed = typeof v === 'string' ? parseVersion(v) : v
    if (parsed === undefined) return false
    return this.groups.some((group) => group.every((c) => check(parsed, c)))
  }
}

/** kubeserver's default when a release names no version: the newest, pre-releases included. */
export const NEWEST_VERSION = '>0.0.0-0'

/**
 * The version a constraint picks from a chart's versions, as Helm's IndexFile.Get does: a version
 * spelled exactly as asked wins, else the newest that satisfies the constraint. Empty means
 * NEWEST_VERSION. Undefined when nothing matches.
 */
export function pickVersion(versions: readonly string[], constraint: string | undefined): string | undefined {
  const text = constraint === undefined || constraint.trim() === '' ? NEWEST_VERSION : constraint.trim()
  if (versions.includes(text)) return text
  const parsed = VersionConstraint.parse(text)
  return [...versions].sort(newestFirst).find((v) => parsed.matches(v))
}
