// One rate limit shared by two service processes through Redis (127.0.0.1:6379), on one PostgreSQL database:
// a client's requests to either process count against one window. Needs both servers; without them the test is
// skipped, unless REQUIRE_SERVICES=1 (CI) makes their absence a failure.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, killChildren, ROOT, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'

const exec = promisify(execFile)
const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const REDIS = { host: '127.0.0.1', port: 6379 }
const MAX = 10

async function isReachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
    socket.on('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

const hasServers = (await isReachable(REDIS.host, REDIS.port)) && (await isReachable('127.0.0.1', 5432))
if (!hasServers && process.env.REQUIRE_SERVICES === '1')
  throw new Error(
    'Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 are required (REQUIRE_SERVICES=1)',
  )

const database = `test_rl_${Date.now()}_${randomBytes(3).toString('hex')}`
const databaseUrl = (() => {
  const url = new URL(PG_URL)
  url.pathname = `/${database}`
  return url.toString()
})()
const processes: { spawned: Spawned; url: string }[] = []
const secret = randomBytes(24).toString('hex')
// One key for both processes of one database, as in any deployment.
const encryptionKey = randomBytes(32).toString('base64')

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function start(): Promise<{ spawned: Spawned; url: string }> {
  const port = await freePort()
  const spawned = spawnNode(['dist/main.js'], {
    PORT: String(port),
    // Behind one load balancer: one issuer for both.
    PUBLIC_URL: 'http://api.shared.example',
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: encryptionKey,
    BOOTSTRAP_TENANT_DOMAIN: 'shared.example.com',
    BOOTSTRAP_CLIENT_ID: 'shared-csp',
    BOOTSTRAP_CLIENT_SECRET: secret,
    REDIS_URL: `redis://${REDIS.host}:${REDIS.port}`,
    REDIS_KEY_PREFIX: `test:${database}:`,
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_WINDOW_S: '60',
    WEBHOOK_DISPATCHER: 'false',
    LOG_LEVEL: 'warn',
  })
  await waitForOutput(spawned, 'is ready at', 90_000)
  return { spawned, url: `http://127.0.0.1:${port}` }
}

describe.skipIf(!hasServers)('a rate limit shared through Redis', () => {
  beforeAll(async () => {
    await admin((client) => client.query(`CREATE DATABASE ${database}`))
    await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
    // One after the other: the first applies the migrations, the second finds them applied.
    processes.push(await start())
    processes.push(await start())
  }, 240_000)
  afterAll(async () => {
    killChildren()
    await Promise.all(processes.map((p) => p.spawned.exited))
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
  }, 60_000)

  it('counts a client’s requests to either process against one window, and refuses the 11th with 429', async () => {
    const [a, b] = processes as unknown as [{ url: string }, { url: string }]
    const tokenResponse = await fetch(`${a.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'shared-csp',
        client_secret: secret,
      }),
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string }
    const get = (url: string) =>
      fetch(`${url}/v3/resellers`, { headers: { authorization: `Bearer ${token}` } })

    const remaining: string[] = []
    const statuses: number[] = []
    for (let i = 0; i < MAX + 2; i++) {
      const response = await get(i % 2 === 0 ? a.url : b.url)
      statuses.push(response.status)
      remaining.push(response.headers.get('x-rate-limit-remaining') ?? '')
      await response.arrayBuffer()
    }
    expect(statuses).toEqual([...Array(MAX).fill(200), 429, 429])
    expect(remaining.slice(0, MAX)).toEqual(Array.from({ length: MAX }, (_, i) => String(MAX - 1 - i)))
  })
})
