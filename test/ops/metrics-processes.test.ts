// The real processes: the start banner says where /metrics is (or how to turn it on), the internal listener
// closes on SIGTERM, and the worker serves its own process metrics on METRICS_PORT. With TEST_DATABASE_URL
// set, a worker's purge loop is watched deleting what is due in a database the test fills.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { newId } from '../../src/domain/ids.ts'
import { createTestDatabase, SERVER_URL, type TestDatabase } from '../support/database.ts'
import { freePort, killChildren, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'

vi.setConfig({ testTimeout: 120_000 })
const TOKEN = 'process-metrics-token-0123'
const databases: TestDatabase[] = []
afterAll(async () => {
  killChildren()
  for (const database of databases) await database.drop()
})

async function startApi(env: Record<string, string>): Promise<Spawned & { url: string }> {
  const port = await freePort()
  const started = spawnNode(['--import', 'tsx', 'src/main.ts'], {
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: 'memory://',
    ...env,
  })
  await waitForOutput(started, 'Reseller API is ready', 90_000)
  return { ...started, url: `http://127.0.0.1:${port}` }
}

const scrape = (url: string, token?: string) =>
  fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })

describe('the API process', () => {
  it('says in its banner how to turn metrics on when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    const api = await startApi({})
    expect(api.output()).toMatch(/Metrics: +off \(set METRICS_TOKEN .*, or METRICS_PORT .*\)/)
    expect((await scrape(api.url)).status).toBe(404)
    api.child.kill('SIGTERM')
    expect(await api.exited).toBe(0)
  })

  it('names the internal listener in its banner, serves it, and closes it on SIGTERM', async () => {
    const metricsPort = await freePort()
    const api = await startApi({ METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN })
    const internal = `http://127.0.0.1:${metricsPort}`
    expect(api.output()).toContain(`Metrics:  ${internal}/metrics (bearer METRICS_TOKEN)`)
    expect(api.output()).not.toContain(TOKEN)
    expect((await scrape(api.url, TOKEN)).status).toBe(404)
    expect((await scrape(internal)).status).toBe(401)
    const response = await scrape(internal, TOKEN)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('http_requests_total')
    api.child.kill('SIGTERM')
    expect(await api.exited).toBe(0)
    await expect(scrape(internal, TOKEN)).rejects.toThrow()
  })

  it('names the API port in its banner with METRICS_TOKEN alone', async () => {
    const api = await startApi({ METRICS_TOKEN: TOKEN })
    expect(api.output()).toContain(`Metrics:  ${api.url}/metrics (bearer METRICS_TOKEN)`)
    expect((await scrape(api.url, TOKEN)).status).toBe(200)
    api.child.kill('SIGTERM')
    expect(await api.exited).toBe(0)
  })

  it('refuses to start with a METRICS_TOKEN shorter than 16 characters', async () => {
    const started = spawnNode(['--import', 'tsx', 'src/main.ts'], {
      DATABASE_URL: 'memory://',
      METRICS_TOKEN: 'short',
    })
    expect(await started.exited).toBe(78)
    expect(started.output()).toContain('METRICS_TOKEN: must be at least 16 characters')
  })
})

describe('the worker process', () => {
  it('serves its process metrics on METRICS_PORT', async () => {
    const metricsPort = await freePort()
    const worker = spawnNode(['--import', 'tsx', 'src/worker.ts'], {
      LOG_LEVEL: 'info',
      DATABASE_URL: 'memory://',
      METRICS_PORT: String(metricsPort),
    })
    await waitForOutput(worker, 'webhook dispatcher started', 90_000)
    const response = await scrape(`http://127.0.0.1:${metricsPort}`)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('process_cpu_seconds_total')
    worker.child.kill('SIGTERM')
    expect(await worker.exited).toBe(0)
  })

  it.skipIf(!SERVER_URL)(
    'purges what is due on its own loop and logs one line per run (PostgreSQL)',
    async () => {
      const database = await createTestDatabase()
      databases.push(database)
      const worker = spawnNode(['--import', 'tsx', 'src/worker.ts'], {
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        RETENTION_INTERVAL_S: '1',
        RETENTION_BATCH_SIZE: '100',
      })
      await waitForOutput(worker, 'webhook dispatcher started', 90_000)
      const { default: pg } = await import('pg')
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      try {
        const tenantId = newId()
        const webhookId = newId()
        await client.query(
          `INSERT INTO tenants (id, domain, name) VALUES ($1, 'purge.example.com', 'purge')`,
          [tenantId],
        )
        await client.query(
          `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
           created_at, updated_at)
         VALUES ($1, $2, 'off', 'http://127.0.0.1:9/', 's', 'cryptlex', false, '{reseller.created}', now(), now())`,
          [webhookId, tenantId],
        )
        // 250 finished 40 days ago (due) and one still retrying (kept).
        await client.query(
          `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, order_key, event, url, request_body, status,
           created_at, updated_at)
         SELECT u, $1, $2, u, 'reseller.created', 'http://127.0.0.1:9/', '{}',
           CASE WHEN i = 0 THEN 'retrying' ELSE 'succeeded' END, now() - interval '40 days', now() - interval '40 days'
         FROM (SELECT i, (lpad(to_hex(floor(extract(epoch FROM now() - interval '40 days') * 1000)::bigint), 12, '0')
           || '7' || substr(md5(i::text), 1, 19))::uuid AS u FROM generate_series(0, 250) i) s`,
          [tenantId, webhookId],
        )
        await waitForOutput(worker, '"msg":"retention purge"', 30_000)
        const { rows } = await client.query('SELECT status FROM webhook_deliveries')
        expect(rows).toEqual([{ status: 'retrying' }])
        const lines = worker
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"retention purge"'))
        expect(lines).toHaveLength(1)
        expect(JSON.parse(lines[0] as string).purged).toMatchObject({ deliveries: 250 })
      } finally {
        await client.end()
      }
      worker.child.kill('SIGTERM')
      expect(await worker.exited).toBe(0)
    },
  )
})
