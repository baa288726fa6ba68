/**
 * In-process use: start an isolated emulator for a test suite in a few milliseconds.
 *
 *   const emu = await startEmulator({ lifecycle: 'manual' })
 *   // … point the SDK / provider at emu.url, then:
 *   emu.clock.advance(30)            // make 30 simulated seconds pass
 *   emu.faults.add({ match: { operation: 'upgrade' }, count: 1, lifecycle: { outcome: 'fail' } })
 *   emu.reset()                      // between tests
 *   await emu.close()
 *
 * Defaults: port 0 on 127.0.0.1, an in-memory database, no logging, presence auth (send any
 * X-Auth-Token), the `fast` lifecycle. Every control here is the same object the /_emulator
 * routes drive.
 */
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { defaultConfig, type AuthMode, type EmulatorConfig } from './config.js'
import type { ClockView, ControlPlane, LifecycleUpdate, LifecycleView, ResetResult, ResetScope } from './control/control-plane.js'
import type { FaultRule, FaultRuleInput } from './control/faults.js'
import type { JournalEntry, JournalFilter } from './control/journal.js'
import type { ProfileName } from './releases/progression.js'
import type { Flavor, Operation, ReleaseStatus } from './releases/release.js'
import type { EmulatorApp } from './app.js'
import { startServer } from './server.js'

export interface StartEmulatorOptions {
  /** Lifecycle profile to start with (default 'fast'). */
  lifecycle?: ProfileName
  /** Per-operation overrides on top of the profile, e.g. { install: { mode: 'time', delay_ms: 30000 } }. */
  operations?: LifecycleUpdate['operations']
  /** Fault rules to start with; a full reset() restores exactly these. */
  faults?: FaultRuleInput[]
  /** Seed for jitter and fault probabilities (default: random, see control.seed). */
  seed?: number
  /** Request journal capacity (default 1000; 0 disables). */
  journalSize?: number
  /** 'presence' (default; any X-Auth-Token or SDK-HMAC-SHA256 Authorization passes) or 'off'. */
  auth?: AuthMode
  /**
   * SQLite path, default ':memory:'. A file keeps state across emulators, one at a time: a second
   * emulator on an open file is refused (DatabaseFileError); close() hands the file on.
   */
  db?: string
  port?: number
  host?: string
  /** A pino logger, or false (default) for none. */
  logger?: Logger | false
  /**
   * A folder of chart packages (.tgz) to preload into the default project, as --charts does;
   * `exampleCharts` is the package's own (nginx-demo 1.0.0 and 1.1.0, redis-lite 0.3.0). A
   * relative path resolves against the current directory.
   */
  charts?: string
  /** Any other configuration field. */
  config?: Partial<EmulatorConfig>
}

/** Which release a trigger applies to. */
export interface ReleaseRef {
  clusterId: string
  namespace: string
  name: string
  /** Default 'cce'. */
  flavor?: Flavor
  /** Default: the emulator's default project. */
  projectId?: string
}

/** A Cloudpods release: by id, or by name (narrowed by cluster and namespace, each an id or a name). */
export interface CloudpodsReleaseRef {
  dialect: 'cloudpods'
  id: string
  cluster?: string
  namespace?: string
}

export interface TriggerResult {
  operation: Operation
  revision: number
  /** The release's status afterwards, or null when a completed delete removed it. */
  status: ReleaseStatus | null
  description: string | null
}

export interface Emulator {
  /** e.g. http://127.0.0.1:53211 */
  url: string
  port: number
  clock: {
    now(): Date
    /** Moves simulated time forward; returns the new time and how many pending operations completed. */
    advance(seconds: number): ClockView & { settled: number }
  }
  /** Deletes releases (all, or a scope); a full reset also restores faults, lifecycle and journal. */
  reset(scope?: ResetScope): ResetResult
  lifecycle: {
    get(): LifecycleView
    set(update: LifecycleUpdate): LifecycleView
  }
  faults: {
    list(): FaultRule[]
    add(rule: FaultRuleInput, position?: number): FaultRule
    replace(rules: FaultRuleInput[]): FaultRule[]
    remove(id: string): boolean
    clear(): number
  }
  journal: {
    /** Newest first. */
    list(filter?: JournalFilter): JournalEntry[]
    clear(): number
  }
  releases: {
    /** Ends the release's pending operation now, successfully. */
    complete(ref: ReleaseRef | CloudpodsReleaseRef): TriggerResult
    /** Ends it now as FAILED (Helm's "… failed: <reason>") or, with unknown, UNKNOWN. */
    fail(ref: ReleaseRef | CloudpodsReleaseRef, reason?: string, opts?: { unknown?: boolean }): TriggerResult
  }
  /** The underlying control plane, Fastify app and services (releases, charts…), for anything not wrapped above. */
  control: ControlPlane
  app: FastifyInstance
  services: EmulatorApp
  close(): Promise<void>
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const config = defaultConfig({
    db: options.db ?? ':memory:',
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    lifecycle: options.lifecycle ?? 'fast',
    auth: options.auth ?? 'presence',
    journalSize: options.journalSize ?? 1000,
    seed: options.seed ?? null,
    faults: null,
    charts: options.charts ?? null,
    logLevel: 'silent',
    ...options.config,
  })
  const server = await startServer(config, {
    logger: options.logger ?? false,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.operations ? { operations: options.operations } : {}),
  })
  const { control, app, clock, url, port } = server

  const trigger = (ref: ReleaseRef | CloudpodsReleaseRef, outcome: 'succeed' | 'fail' | 'unknown', reason?: string): TriggerResult => {
    if ('dialect' in ref) {
      const { operation, release } = control.triggerCloudpods(ref, outcome, reason)
      return { operation: operation.operation, revision: operation.revision, status: release?.status ?? null, description: release?.description ?? null }
    }
    const key = {
      projectId: ref.projectId ?? config.defaultProjectId,
      flavor: ref.flavor ?? 'cce',
      clusterId: ref.clusterId,
      namespace: ref.namespace,
      name: ref.name,
    }
    const { operation, release } = control.trigger(key, outcome, reason)
    return { operation: operation.operation, revision: operation.revision, status: release?.status ?? null, description: release?.description ?? null }
  }

  return {
    url,
    port,
    clock: { now: () => clock.now(), advance: (seconds) => control.advance(seconds) },
    reset: (scope) => control.reset(scope),
    lifecycle: { get: () => control.lifecycle(), set: (update) => control.setLifecycle(update) },
    faults: {
      list: () => control.faults.list(),
      add: (rule, position) => control.faults.add(rule, position),
      replace: (rules) => control.faults.replace(rules),
      remove: (id) => control.faults.remove(id),
      clear: () => control.faults.clear(),
    },
    journal: { list: (filter) => control.journal.list(filter), clear: () => control.journal.clear() },
    releases: {
      complete: (ref) => trigger(ref, 'succeed'),
      fail: (ref, reason, opts) => trigger(ref, opts?.unknown ? 'unknown' : 'fail', reason),
    },
    control,
    app,
    services: server,
    close: () => server.close(),
  }
}
