// Where the CPU of a user create goes: the service's event loop, its hashing threads, the PostgreSQL
// backends serving it, and this driver, in CPU milliseconds per request (read from /proc, Linux only), for
// the v3 create (argon2id included) and the v1 create (no password). CPU time per request hardly depends
// on what else runs on the machine, unlike throughput, so it tells what a create costs and where.
//
//   npm run bench:profile-create [-- --requests 2000] [--connections 10] [--cpu-prof]
//
// --cpu-prof also writes a V8 CPU profile of the service to bench/results/profiles/ (open it in Chrome
// DevTools or speedscope for a flame graph). Runs on a scratch database of the PostgreSQL server.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { Agent, request } from 'undici'
import { createReseller, ROOT, startService, tokenOf } from './lib/service.ts'

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}
const requests = option('requests', 2000)
const connections = option('connections', 10)
const withProfile = process.argv.includes('--cpu-prof')
const admin = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const database = `bench_profile_${process.pid}`
const TICK_MS = 10 // USER_HZ = 100 on Linux

interface Ticks {
  loop: number
  workers: number
  postgres: number
  driver: number
}

const ticksOf = (stat: string) => {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}
const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** The service's main thread (the event loop) apart from its other threads (libuv pool, V8, GC). */
function serviceTicks(pid: number): { loop: number; workers: number } {
  let loop = 0
  let workers = 0
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = read(`/proc/${pid}/task/${tid}/stat`)
    if (stat === null) continue
    if (Number(tid) === pid) loop += ticksOf(stat)
    else workers += ticksOf(stat)
  }
  return { loop, workers }
}

/** Every PostgreSQL backend connected to the scratch database (its process title names the database). */
function postgresTicks(): number {
  let total = 0
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const cmdline = read(`/proc/${pid}/cmdline`)
    if (!cmdline?.startsWith('postgres: ') || !cmdline.includes(` ${database} `)) continue
    const stat = read(`/proc/${pid}/stat`)
    if (stat) total += ticksOf(stat)
  }
  return total
}

const snapshot = (pid: number): Ticks => ({
  ...serviceTicks(pid),
  postgres: postgresTicks(),
  driver: ticksOf(fs.readFileSync('/proc/self/stat', 'utf8')),
})

async function drive(url: string, token: string, count: number, body: (n: number) => unknown) {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'x-tenant': 'bench.example.com',
  }
  const agent = new Agent({ connections })
  let next = 0
  let failures = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        const n = next++
        const response = await request(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body(n)),
          dispatcher: agent,
        })
        const text = await response.body.text()
        if (response.statusCode >= 300 && failures++ === 0)
          process.stderr.write(`first failure: ${response.statusCode} ${text}\n`)
      }
    }),
  )
  await agent.close()
  return { seconds: (performance.now() - started) / 1000, failures }
}

const adminClient = new pg.Client({ connectionString: admin })
await adminClient.connect()
await adminClient.query(`CREATE DATABASE ${database}`)
const profileDir = path.join(ROOT, 'bench/results/profiles')
const databaseUrl = admin.replace(/\/[^/]*$/, `/${database}`)
const service = await startService(
  databaseUrl,
  process.argv.includes('--no-dispatcher') ? { WEBHOOK_DISPATCHER: 'false' } : {},
  withProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
)
try {
  const token = await tokenOf(service)
  const reseller = await createReseller(service, token, 'Profile')
  const pid = service.child.pid as number
  const rows: string[] = []
  const kinds = [
    {
      name: 'v3 POST (argon2id)',
      url: `${service.url}/v3/resellers/${reseller.id}/users`,
      body: (n: number) => ({
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: `v3-${n}@example.com`,
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'correct horse battery',
      }),
    },
    {
      name: 'v1 POST (no password)',
      url: `${service.url}/v1/reseller/${reseller.id}/users`,
      body: (n: number) => ({
        firstName: 'Grace',
        lastName: 'Hopper',
        email: `v1-${n}@example.com`,
        role: {},
        groups: [],
      }),
    },
  ]
  for (const kind of kinds) {
    // Warm up: JIT, pools, plans.
    await drive(kind.url, token, 200, (n) => kind.body(1_000_000 + n))
    const before = snapshot(pid)
    const { seconds, failures } = await drive(kind.url, token, requests, kind.body)
    const after = snapshot(pid)
    const per = (key: keyof Ticks) => ((after[key] - before[key]) * TICK_MS) / requests
    const total = per('loop') + per('workers') + per('postgres') + per('driver')
    rows.push(
      `| ${kind.name} | ${(requests / seconds).toFixed(0)} | ${per('loop').toFixed(2)} | ${per('workers').toFixed(2)} | ${per('postgres').toFixed(2)} | ${per('driver').toFixed(2)} | ${total.toFixed(2)} | ${failures} |`,
    )
  }
  process.stdout.write(
    `${requests} requests each at c=${connections} after 200 to warm up; CPU ms per request, from /proc\n\n` +
      '| request | req/s | event loop | other service threads (hashing, GC) | PostgreSQL backends | driver | total | failures |\n' +
      '|---|--:|--:|--:|--:|--:|--:|--:|\n' +
      `${rows.join('\n')}\n`,
  )
} finally {
  await service.stop()
  await adminClient.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await adminClient.end()
  if (withProfile) process.stdout.write(`\nCPU profile of the service: ${profileDir}\n`)
}
