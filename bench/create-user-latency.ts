// Single-client latency of the seed operation (v3 POST …/users, and v1 POST …/users), one request at a
// time, on the embedded database and on the PostgreSQL server. Usage: npm run bench:latency [-- --count N]
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createReseller, percentile, type Service, startService, tokenOf } from './lib/service.ts'

const count = Number(process.argv[process.argv.indexOf('--count') + 1]) || 200
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function measure(service: Service, label: string): Promise<string[]> {
  const token = await tokenOf(service)
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const reseller = await createReseller(service, token)
  const groups = (await (
    await fetch(`${service.url}/v1/users/groups`, {
      headers: { ...headers, 'x-tenant': 'bench.example.com' },
    })
  ).json()) as { items: { id: string }[] }
  const rows: string[] = []
  for (const dialect of ['v3', 'v1'] as const) {
    const times: number[] = []
    for (let i = 0; i < count + 10; i++) {
      const email = `${dialect}-${i}-${randomBytes(4).toString('hex')}@example.com`
      const started = performance.now()
      const response =
        dialect === 'v3'
          ? await fetch(`${service.url}/v3/resellers/${reseller.id}/users`, {
              method: 'POST',
              headers,
              body: JSON.stringify({
                firstName: 'Ada',
                lastName: 'Lovelace',
                email,
                role: 'user',
                allowCustomerPortalAccess: true,
                password: 'correct horse battery',
              }),
            })
          : await fetch(`${service.url}/v1/reseller/${reseller.id}/users`, {
              method: 'POST',
              headers: { ...headers, 'x-tenant': 'bench.example.com' },
              body: JSON.stringify({
                firstName: 'Ada',
                lastName: 'Lovelace',
                email,
                role: {},
                groups: [{ id: groups.items[0]?.id }],
              }),
            })
      await response.arrayBuffer()
      if (response.status !== 201) throw new Error(`${dialect} create answered ${response.status}`)
      if (i >= 10) times.push(performance.now() - started) // the first 10 warm up
    }
    times.sort((a, b) => a - b)
    const mean = times.reduce((a, b) => a + b, 0) / times.length
    rows.push(
      `| ${label} | ${dialect} | ${count} | ${mean.toFixed(1)} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} |`,
    )
  }
  return rows
}

const rows = ['| database | dialect | requests | mean ms | p50 ms | p99 ms |', '|---|---|---|---|---|---|']
const embedded = await startService('memory://')
try {
  rows.push(...(await measure(embedded, 'embedded (PGlite, in memory)')))
} finally {
  await embedded.stop()
}
const name = `bench_${Date.now()}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`CREATE DATABASE ${name}`)
const url = new URL(serverUrl)
url.pathname = `/${name}`
const server = await startService(url.toString())
try {
  rows.push(...(await measure(server, 'PostgreSQL server')))
} finally {
  await server.stop()
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
  await admin.end()
}
process.stdout.write(`${rows.join('\n')}\n`)
