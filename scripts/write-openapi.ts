// Writes openapi.json from the routes' own schemas. CI fails when the committed file drifts (test/ops/operations.test.ts).
import fs from 'node:fs'
import { buildOpenapiDocument } from './openapi-document.ts'

const document = await buildOpenapiDocument()
fs.writeFileSync(new URL('../openapi.json', import.meta.url), `${JSON.stringify(document, null, 2)}\n`)
process.stdout.write('openapi.json written\n')
