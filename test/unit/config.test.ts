import { describe, expect, it } from 'vitest'
import { ConfigError, helpText, loadConfig } from '../../src/config.js'

const config = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = loadConfig(argv, env)
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:8080, a file database under ./data, presence auth, fast lifecycle', () => {
    expect(config([])).toMatchObject({ host: '127.0.0.1', port: 8080, db: './data/emulator.db', auth: 'presence', lifecycle: 'fast', logLevel: 'info' })
  })

  it('serves the dashboard unless --no-ui, --ui false or CCE_EMULATOR_UI=false says otherwise', () => {
    expect(config([]).ui).toBe(true)
    expect(config(['--no-ui']).ui).toBe(false)
    expect(config(['--ui', 'false']).ui).toBe(false)
    expect(config([], { CCE_EMULATOR_UI: 'false' }).ui).toBe(false)
    expect(config(['--ui', 'true'], { CCE_EMULATOR_UI: 'false' }).ui).toBe(true)
    expect(() => config(['--ui', 'off'])).toThrow('--ui must be true or false (got "off")')
    expect(() => config(['--no-ui', '--ui', 'true'])).toThrow('--no-ui and --ui cannot both be given')
    expect(helpText()).toContain('--no-ui')
  })

  it('takes flags over environment variables over defaults', () => {
    const env = { CCE_EMULATOR_PORT: '9000', CCE_EMULATOR_LIFECYCLE: 'manual', CCE_EMULATOR_DB: ':memory:' }
    expect(config([], env)).toMatchObject({ port: 9000, lifecycle: 'manual', db: ':memory:' })
    expect(config(['--port', '0', '--lifecycle', 'realistic'], env)).toMatchObject({ port: 0, lifecycle: 'realistic', db: ':memory:' })
  })

  it('fails fast with a message naming the source and the allowed values', () => {
    expect(() => config(['--auth', 'maybe'])).toThrow(/--auth must be one of off, presence/)
    expect(() => config([], { CCE_EMULATOR_PORT: '70000' })).toThrow(/CCE_EMULATOR_PORT must be a port number/)
    expect(() => config(['--nope'])).toThrow(ConfigError)
  })

  it('answers --help and lists every flag with its environment variable', () => {
    expect(loadConfig(['--help'], {})).toEqual({ help: true })
    for (const flag of ['--host', '--port', '--db', '--auth', '--lifecycle', '--log-level']) expect(helpText()).toContain(flag)
    expect(helpText()).toContain('CCE_EMULATOR_LOG_LEVEL')
  })
})
