/**
 * Configuration: pure and validated. Precedence: command-line flag > CCE_EMULATOR_<FLAG>
 * environment variable > default. Errors say how to fix them.
 */
import { parseArgs } from 'node:util'
import { isProfileName, type ProfileName } from './releases/progression.js'
import { exampleCharts } from './example-charts.js'
import { DEFAULT_CHART_QUOTA } from './charts/chart-service.js'
import { DEFAULT_CHART_LIMITS } from './charts/chart-package.js'
import { CredentialSyntaxError, parseCredentials, parseTokens, parseUsers, type AkSkCredential, type KeystoneUser, type TokenCredential } from './auth/credentials.js'

export type AuthMode = 'off' | 'presence' | 'verify'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
export type LogFormat = 'pretty' | 'json'

export interface EmulatorConfig {
  host: string
  port: number
  /** A file path, or ':memory:'. */
  db: string
  auth: AuthMode
  /** AK/SK pairs accepted in verify mode (SDK-HMAC-SHA256), each optionally bound to a project. */
  credentials: AkSkCredential[]
  /** X-Auth-Token values accepted in verify mode, each optionally bound to a project. */
  tokens: TokenCredential[]
  lifecycle: ProfileName
  logLevel: LogLevel
  /** 'auto' (default): pretty on a terminal, JSON lines otherwise. */
  logFormat?: LogFormat | 'auto'
  /** Project used when a request carries no X-Project-Id. */
  defaultProjectId: string
  /** Largest JSON request body accepted, in bytes. */
  bodyLimit: number
  /** Fault rules loaded at start (JSON or YAML file), or null. */
  faults?: string | null
  /** Seed for lifecycle jitter and fault probabilities; null picks one at start (reported by /_emulator/health). */
  seed?: number | null
  /** Request journal capacity in entries; 0 disables it. */
  journalSize?: number
  /** Folder of chart packages (.tgz) preloaded at start under stable ids, or null. */
  charts?: string | null
  /** Largest chart package accepted, in bytes (upload file part and preloaded files). */
  chartMaxBytes?: number
  /** Largest decompressed chart package, in bytes (gzip bombs stop here). */
  chartMaxUnpackedBytes?: number
  /** Largest values.yaml in a chart package, in bytes (its JSON form may be four times that). */
  chartMaxValuesBytes?: number
  /** Chart names allowed per project and flavour (all versions of a chart count once). */
  chartQuota?: number
  /** Keystone region of the catalog's endpoints (climc matches OS_REGION_NAME on it). */
  region?: string
  /** Keystone users accepted in verify mode (POST /v3/auth/tokens), each optionally bound to a project. */
  users?: KeystoneUser[]
}

interface Option {
  flag: string
  env: string
  help: string
  default: string
  parse: (raw: string, source: string) => unknown
}

export class ConfigError extends Error {}

const AUTH_MODES: readonly AuthMode[] = ['off', 'presence', 'verify']
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const LOG_FORMATS: readonly (LogFormat | 'auto')[] = ['auto', 'pretty', 'json']

const oneOf = <T extends string>(allowed: readonly T[]) => (raw: string, source: string): T => {
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  throw new ConfigError(`${source} must be one of ${allowed.join(', ')} (got "${raw}")`)
}

const credentialOption = <T>(parse: () => T): T => {
  try {
    return parse()
  } catch (err) {
    if (err instanceof CredentialSyntaxError) throw new ConfigError(err.message)
    throw err
  }
}

/** The journal size when a hand-built config leaves it out (the control-plane fields are optional). */
export const DEFAULT_JOURNAL_SIZE = 1000

const OPTIONS: Record<keyof EmulatorConfig, Option> = {
  host: { flag: 'host', env: 'CCE_EMULATOR_HOST', default: '127.0.0.1', help: 'address to listen on', parse: (s) => s },
  port: {
    flag: 'port',
    env: 'CCE_EMULATOR_PORT',
    default: '8080',
    help: 'port to listen on (0 picks a free one)',
    parse: (s, source) => {
      const n = Number(s)
      if (!/^\d+$/.test(s) || n > 65535) throw new ConfigError(`${source} must be a port number 0-65535 (got "${s}")`)
      return n
    },
  },
  db: {
    flag: 'db',
    env: 'CCE_EMULATOR_DB',
    default: './data/emulator.db',
    help: "SQLite file, or ':memory:'; one emulator process per file (a second is refused)",
    parse: (s, source) => {
      if (s.trim() === '') throw new ConfigError(`${source} must be a file path or :memory: (got "")`)
      return s
    },
  },
  auth: {
    flag: 'auth',
    env: 'CCE_EMULATOR_AUTH',
    default: 'presence',
    help: 'off | presence (401 unless X-Auth-Token or an SDK-HMAC-SHA256 Authorization header is sent) | verify (check signatures against --credentials, tokens against --tokens)',
    parse: oneOf(AUTH_MODES),
  },
  credentials: {
    flag: 'credentials',
    env: 'CCE_EMULATOR_CREDENTIALS',
    default: '',
    help: 'verify mode: AK:SK[:PROJECT_ID][,AK:SK...], or @FILE with one AK:SK[:PROJECT_ID] per line (# comments)',
    parse: (s, source) => credentialOption(() => parseCredentials(s, source)),
  },
  tokens: {
    flag: 'tokens',
    env: 'CCE_EMULATOR_TOKENS',
    default: '',
    help: 'verify mode: X-Auth-Token values, TOKEN[:PROJECT_ID][,...] or @FILE',
    parse: (s, source) => credentialOption(() => parseTokens(s, source)),
  },
  lifecycle: {
    flag: 'lifecycle',
    env: 'CCE_EMULATOR_LIFECYCLE',
    default: 'fast',
    help: 'fast | realistic | manual: how fast installs, upgrades, rollbacks and deletes finish',
    parse: (s, source) => {
      if (isProfileName(s)) return s
      throw new ConfigError(`${source} must be one of fast, realistic, manual (got "${s}")`)
    },
  },
  logLevel: {
    flag: 'log-level',
    env: 'CCE_EMULATOR_LOG_LEVEL',
    default: 'info',
    help: `${LOG_LEVELS.join(' | ')}; info logs one access line per request, warn keeps only problems`,
    parse: oneOf(LOG_LEVELS),
  },
  logFormat: {
    flag: 'log-format',
    env: 'CCE_EMULATOR_LOG_FORMAT',
    default: 'auto',
    help: 'pretty (one readable line per event) | json (one JSON object per line) | auto: pretty on a terminal, json otherwise',
    parse: oneOf(LOG_FORMATS),
  },
  defaultProjectId: {
    flag: 'project-id',
    env: 'CCE_EMULATOR_PROJECT_ID',
    default: 'default',
    help: 'project used for requests without X-Project-Id',
    parse: (s, source) => {
      if (/^[A-Za-z0-9_-]{1,64}$/.test(s)) return s
      throw new ConfigError(`${source} must be 1-64 letters, digits, '_' or '-' (got "${s}")`)
    },
  },
  bodyLimit: {
    flag: 'body-limit',
    env: 'CCE_EMULATOR_BODY_LIMIT',
    default: String(1024 * 1024),
    help: 'largest JSON body in bytes (Helm stores a release in a 1 MiB Secret)',
    parse: (s, source) => {
      const n = Number(s)
      if (!/^\d+$/.test(s) || n < 1024) throw new ConfigError(`${source} must be a byte count of at least 1024 (got "${s}")`)
      return n
    },
  },
  faults: {
    flag: 'faults',
    env: 'CCE_EMULATOR_FAULTS',
    default: '',
    help: 'JSON or YAML file of fault rules to start with (see /_emulator/faults)',
    parse: (s) => (s === '' ? null : s),
  },
  seed: {
    flag: 'seed',
    env: 'CCE_EMULATOR_SEED',
    default: '',
    help: 'seed for lifecycle jitter and fault probabilities, so a run repeats (default: random)',
    parse: (s, source) => {
      if (s === '') return null
      if (!/^\d{1,10}$/.test(s) || Number(s) > 4294967295) throw new ConfigError(`${source} must be an integer 0-4294967295 (got "${s}")`)
      return Number(s)
    },
  },
  journalSize: {
    flag: 'journal-size',
    env: 'CCE_EMULATOR_JOURNAL_SIZE',
    default: String(DEFAULT_JOURNAL_SIZE),
    help: 'requests kept in the /_emulator/requests journal (0 disables it)',
    parse: (s, source) => {
      const n = Number(s)
      if (!/^\d+$/.test(s) || n > 1_000_000) throw new ConfigError(`${source} must be an entry count 0-1000000 (got "${s}")`)
      return n
    },
  },
  charts: {
    flag: 'charts',
    env: 'CCE_EMULATOR_CHARTS',
    default: '',
    help: 'folder of chart packages (.tgz) to load at start into the default project (CCE and Autopilot), with ids derived from name and version; @examples: the example charts shipped with the package',
    parse: (s) => (s === '' ? null : s === '@examples' ? exampleCharts : s),
  },
  chartMaxBytes: {
    flag: 'chart-max-bytes',
    env: 'CCE_EMULATOR_CHART_MAX_BYTES',
    default: String(DEFAULT_CHART_LIMITS.maxPackageBytes),
    help: 'largest chart package (.tgz) accepted, in bytes; larger uploads get 413',
    parse: byteCount(1024),
  },
  chartMaxUnpackedBytes: {
    flag: 'chart-max-unpacked-bytes',
    env: 'CCE_EMULATOR_CHART_MAX_UNPACKED_BYTES',
    default: String(DEFAULT_CHART_LIMITS.maxUnpackedBytes),
    help: 'largest decompressed chart package, in bytes; a gzip bomb is refused (400) once it unpacks past this',
    parse: byteCount(1024),
  },
  chartMaxValuesBytes: {
    flag: 'chart-max-values-bytes',
    env: 'CCE_EMULATOR_CHART_MAX_VALUES_BYTES',
    default: String(DEFAULT_CHART_LIMITS.maxValuesBytes),
    help: "largest values.yaml in a chart package, in bytes; every release revision and answer carries the chart's defaults, so larger packages get 400",
    parse: byteCount(1024),
  },
  chartQuota: {
    flag: 'chart-quota',
    env: 'CCE_EMULATOR_CHART_QUOTA',
    default: String(DEFAULT_CHART_QUOTA),
    help: 'chart names allowed per project and flavour (all versions of a chart count once)',
    parse: (s, source) => {
      const n = Number(s)
      if (!/^\d+$/.test(s) || n > 1_000_000) throw new ConfigError(`${source} must be a chart count 0-1000000 (got "${s}")`)
      return n
    },
  },
  region: {
    flag: 'region',
    env: 'CCE_EMULATOR_REGION',
    default: 'region0',
    help: 'Keystone region of the catalog endpoints (region_id) that climc is given at /v3/auth/tokens',
    parse: (s, source) => {
      if (/^[A-Za-z0-9_.-]{1,64}$/.test(s)) return s
      throw new ConfigError(`${source} must be 1-64 letters, digits, '_', '.' or '-' (got "${s}")`)
    },
  },
  users: {
    flag: 'users',
    env: 'CCE_EMULATOR_USERS',
    default: '',
    help: 'verify mode: Keystone users for climc, NAME:PASSWORD[:PROJECT][,...] or @FILE with one per line (# comments)',
    parse: (s, source) => credentialOption(() => parseUsers(s, source)),
  },
}

function byteCount(min: number) {
  return (s: string, source: string): number => {
    const n = Number(s)
    if (!/^\d+$/.test(s) || n < min || !Number.isSafeInteger(n)) throw new ConfigError(`${source} must be a byte count of at least ${min} (got "${s}")`)
    return n
  }
}

/** `help: true`: print and exit, the usage text or, with `version`, the version; no configuration. */
export type ParsedArgs = { help: true; version?: boolean } | { help: false; config: EmulatorConfig }

export function loadConfig(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  const entries = Object.entries(OPTIONS) as Array<[keyof EmulatorConfig, Option]>
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        ...Object.fromEntries(entries.map(([, o]) => [o.flag, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; run with --help to see the options`)
  }
  if (values.help) return { help: true }
  if (values.version) return { help: true, version: true }
  const config = Object.fromEntries(
    entries.map(([key, o]) => {
      const flagValue = values[o.flag]
      if (typeof flagValue === 'string') return [key, o.parse(flagValue, `--${o.flag}`)]
      const envValue = env[o.env]
      if (envValue !== undefined && envValue !== '') return [key, o.parse(envValue, o.env)]
      return [key, o.parse(o.default, 'default')]
    }),
  ) as unknown as EmulatorConfig
  if (config.auth === 'verify' && config.credentials.length === 0 && config.tokens.length === 0 && (config.users ?? []).length === 0) {
    throw new ConfigError(
      '--auth verify needs something to verify against: pass --credentials AK:SK[:PROJECT_ID] (or @FILE, or CCE_EMULATOR_CREDENTIALS), --tokens TOKEN[:PROJECT_ID] (CCE_EMULATOR_TOKENS) and/or --users NAME:PASSWORD[:PROJECT] (CCE_EMULATOR_USERS), or use --auth presence',
    )
  }
  return { help: false, config }
}

export function helpText(): string {
  const lines = Object.values(OPTIONS).map((o) => `  --${o.flag.padEnd(12)} ${o.help}\n  ${''.padEnd(14)} env ${o.env}, default ${o.default || 'none'}`)
  return `Usage: cce-release-emulator [options]\n\nLocal emulator of Huawei Cloud CCE's Helm chart and release API.\n\nOptions (flag > environment variable > default):\n${lines.join('\n')}\n  --version, -v  print the version\n  --help, -h     show this help\n`
}

/** Defaults for in-process use and tests. */
export function defaultConfig(overrides: Partial<EmulatorConfig> = {}): EmulatorConfig {
  const parsed = loadConfig([], {})
  if (parsed.help) throw new Error('unreachable')
  return { ...parsed.config, ...overrides }
}
