/** `npm run openapi`: regenerates openapi/openapi.json, which is committed and drift-checked by a test. */
import { writeFileSync } from 'node:fs'
import { openApiDocument } from './openapi-document.js'

const target = new URL('../../openapi/openapi.json', import.meta.url)
writeFileSync(target, await openApiDocument())
process.stdout.write(`wrote ${target.pathname}\n`)
