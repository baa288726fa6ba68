// The probes `npm run stress` runs, in this order; each answers { stats, checks, note }.
import { backlog } from './backlog.mjs'
import { template, valuesLimit, yamlKeys } from './charts.mjs'
import { kill9, upgrades } from './durability.mjs'
import { hostile } from './hostile.mjs'
import { idle } from './idle.mjs'
import { bodyLimit, slowloris } from './network.mjs'
import { bigReset } from './reset.mjs'
import { schemathesis } from './schemathesis.mjs'

export const PROBES = [idle, template, yamlKeys, valuesLimit, hostile, kill9, upgrades, slowloris, bodyLimit, backlog, bigReset, schemathesis]
