// Profiles a read: starts the service (node dist/main.js) with --cpu-prof on the seeded database of `npm run
// bench` (bench_seed_<users>, which must exist), runs the CSV export of scenario 3b a few times (export), or
// gets of random seeded users at 10 at once (get), stops the service and prints the functions with the most
// self time. Writes the .cpuprofile to --out.
//   npx tsx bench/profile-read.ts [export|get] [--users 1000000] [--runs 5] [--gets 20000]
//       [--out bench/results/profiles]
import fs from 'node:fs'
import path from 'node:path'
import { openDatabase } from '../src/db/connection.ts'
import { readFixtures } from './lib/fixtures.ts'
import { killAll } from './lib/processes.ts'
import { startService, tokenOf } from './lib/service.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const users = Number(arg('users', '1000000'))
const runs = Number(arg('runs', '5'))
const gets = Number(arg('gets', '20000'))
const what = process.argv[2] === 'get' ? 'get' : 'export'
const out = path.resolve(arg('out', 'bench/results/profiles'))
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const url = new URL(base)
url.pathname = `/bench_seed_${users}`
const env = { DATABASE_URL: url.toString() }
const fixtures = await readFixtures({
  env,
  open: (n) => openDatabase({ kind: 'postgres', url: env.DATABASE_URL }, n),
})
const query = fixtures.exportFrom ? `?${new URLSearchParams({ 'createdAt[gte]': fixtures.exportFrom })}` : ''

fs.mkdirSync(out, { recursive: true })
const service = await startService(env.DATABASE_URL, env, ['--cpu-prof', `--cpu-prof-dir=${out}`])
try {
  const token = await tokenOf(service)
  const headers = { authorization: `Bearer ${token}` }
  if (what === 'get') {
    const { sample } = fixtures
    let next = 0
    const started = performance.now()
    const worker = async () => {
      while (next < gets) {
        next++
        const user = sample[Math.floor(Math.random() * sample.length)] as { id: string; resellerId: string }
        const response = await fetch(`${service.url}/v3/resellers/${user.resellerId}/users/${user.id}`, {
          headers,
        })
        await response.arrayBuffer()
      }
    }
    await Promise.all(Array.from({ length: 10 }, worker))
    const ms = performance.now() - started
    process.stderr.write(`${gets} gets in ${ms.toFixed(0)} ms: ${((gets / ms) * 1000).toFixed(0)} req/s\n`)
  }
  for (let i = 0; what === 'export' && i < runs; i++) {
    const started = performance.now()
    const response = await fetch(`${service.url}/v3/resellers/${fixtures.big.id}/users/export${query}`, {
      headers,
    })
    let bytes = 0
    for await (const chunk of response.body ?? []) bytes += (chunk as Uint8Array).length
    const ms = performance.now() - started
    process.stderr.write(
      `export ${i + 1}: ${response.status}, ${bytes} bytes, ${ms.toFixed(0)} ms, ${((fixtures.exportRows / ms) * 1000).toFixed(0)} rows/s\n`,
    )
  }
} finally {
  await service.stop()
  killAll()
}

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
const newest = fs
  .readdirSync(out)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => path.join(out, f))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
if (newest) {
  const profile = JSON.parse(fs.readFileSync(newest, 'utf8')) as { nodes: Node[] }
  const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0)
  const self = new Map<string, number>()
  for (const n of profile.nodes) {
    const f = n.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0))
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)
  process.stdout.write(
    `${newest}\n${top.map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n')}\n`,
  )
}
