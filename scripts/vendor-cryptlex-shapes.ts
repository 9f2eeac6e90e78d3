// Writes test/reference/cryptlex-v3-shapes.json: the shapes of Cryptlex's own OpenAPI document (paths,
// parameters, request and response schemas, components) with every piece of prose left out — no descriptions,
// summaries, titles or examples. The conformance tests judge our v3 responses against it.
//   npx tsx scripts/vendor-cryptlex-shapes.ts [path to cryptlex-reseller-openapi.json]
import { readFileSync, writeFileSync } from 'node:fs'

const source = process.argv[2] ?? '../shared/reference/cryptlex-reseller-openapi.json'
const target = new URL('../test/reference/cryptlex-v3-shapes.json', import.meta.url)
const PROSE = new Set(['description', 'summary', 'title', 'example', 'examples', 'tags', 'contact'])
/** Objects whose keys are names chosen by the document (a property called `description` is a shape). */
const NAMED = new Set([
  'properties',
  'paths',
  'responses',
  'schemas',
  'callbacks',
  'content',
  'securitySchemes',
])

function shapes(value: unknown, keysAreNames = false): unknown {
  if (Array.isArray(value)) return value.map((v) => shapes(v))
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (!keysAreNames && (PROSE.has(key) || key.startsWith('x-'))) continue
    out[key] = shapes(child, !keysAreNames && NAMED.has(key))
  }
  return out
}

const document = JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>
const { openapi, paths, components } = document
const result = {
  openapi,
  info: {
    title: 'Cryptlex v3 reseller, role, webhook and event-log shapes',
    version: (document.info as { version?: string } | undefined)?.version ?? 'unknown',
  },
  paths: shapes(paths, true),
  components: shapes(components),
}
writeFileSync(target, `${JSON.stringify(result, null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
