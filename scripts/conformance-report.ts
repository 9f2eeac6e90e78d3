// Sums what a test run judged against Cryptlex's schemas: run the suite with CONFORMANCE_REPORT=<dir>, then
//   npx tsx scripts/conformance-report.ts <dir>
// prints how many v3 responses were judged, by Cryptlex operation (or our own route) and status.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: tsx scripts/conformance-report.ts <dir written by CONFORMANCE_REPORT>')
  process.exit(2)
}
const totals = new Map<string, number>()
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const tally = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, number>
  for (const [key, n] of Object.entries(tally)) totals.set(key, (totals.get(key) ?? 0) + n)
}
const rows = [...totals].sort(([a], [b]) => a.localeCompare(b))
const all = rows.reduce((sum, [, n]) => sum + n, 0)
const cryptlex = rows.filter(([key]) => !key.includes('/'))
console.log(
  `${all.toLocaleString('en-US')} v3 responses judged; ${cryptlex.reduce((s, [, n]) => s + n, 0).toLocaleString('en-US')} of them to Cryptlex operations, in ${new Set(cryptlex.map(([k]) => k.split(' ')[0])).size} operations`,
)
for (const [key, n] of rows) console.log(`${String(n).padStart(7)}  ${key}`)
