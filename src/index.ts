/** Public API for in-process use. */
export { buildApp, type AppDeps, type EmulatorApp } from './app.js'
export { ManualClock, OffsetClock, systemClock, type Clock } from './clock.js'
export { defaultConfig, loadConfig, type EmulatorConfig } from './config.js'
export { startServer, type RunningServer } from './server.js'
