// Writes openapi.json from the routes' own schemas, and the client types generated from it. CI fails when either
// committed file drifts (test/ops/operations.test.ts, test/ops/openapi-document.test.ts).
import fs from 'node:fs'
import { buildOpenapiDocument } from './openapi-document.ts'
import { openapiTypes, TYPES_FILE } from './openapi-types.ts'

const document = await buildOpenapiDocument()
fs.writeFileSync(new URL('../openapi.json', import.meta.url), `${JSON.stringify(document, null, 2)}\n`)
fs.writeFileSync(TYPES_FILE, await openapiTypes(document))
process.stdout.write('openapi.json and test/generated/openapi.ts written\n')
