// Scale-out: two webhook dispatcher processes (src/worker.ts) against one PostgreSQL database deliver 5,000
// events to one receiver — every delivery arrives, and none arrives again once it was answered 2xx. One
// dispatcher is stopped with SIGTERM half-way and started again: a graceful stop loses and repeats nothing.
import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { parseKey } from '../../src/config.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { newId } from '../../src/domain/ids.ts'
import { endpointSecretAad } from '../../src/domain/webhooks/endpoints.ts'
import { encryptSecret } from '../../src/secrets/envelope.ts'
import { makeKeyring } from '../../src/secrets/keyring.ts'
import { createTestDatabase, SERVER_URL, type TestDatabase } from '../support/database.ts'
import { killChildren, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'

const EVENTS = 5000
const ENDPOINTS = 20 // one per tenant, 250 events each
const FAIL_FIRST_EVERY = 20 // about one delivery in 20 is answered 503 once, then retried

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  killChildren()
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
})

const ENCRYPTION_KEY = randomBytes(32).toString('base64')
const SIGNING_SECRET = 'scale-test-signing-secret'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function startWorker(env: Record<string, string>): Promise<Spawned> {
  const worker = spawnNode(['--import', 'tsx', 'src/worker.ts'], { LOG_LEVEL: 'info', ...env })
  await waitForOutput(worker, 'webhook dispatcher started', 30_000)
  return worker
}

describe.runIf(SERVER_URL)('two dispatchers, one PostgreSQL', () => {
  it(`deliver ${EVENTS} events: none lost, none delivered again after success`, async () => {
    const database: TestDatabase = await createTestDatabase()
    cleanups.push(() => database.drop())
    const db = await openDatabase({ kind: 'postgres', url: database.url }, 2)
    cleanups.push(() => db.close())
    await migrate(db)

    // The receiver: answers 2xx except a first attempt now and then; notes anything after a 2xx.
    const attempts = new Map<string, number>()
    const succeeded = new Set<string>()
    const afterSuccess: string[] = []
    const wrongBodies: string[] = []
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk) => chunks.push(chunk))
      request.on('end', () => {
        const id = String(request.headers['webhook-id'])
        const count = (attempts.get(id) ?? 0) + 1
        attempts.set(id, count)
        if (succeeded.has(id)) afterSuccess.push(id)
        const raw = Buffer.concat(chunks).toString('utf8')
        const body = JSON.parse(raw)
        if (body.event !== 'role.created' || typeof body.data?.id !== 'string') wrongBodies.push(id)
        // Signed with the secret the workers opened from its ciphertext.
        const signature = createHmac('sha256', SIGNING_SECRET).update(raw).digest('base64')
        if (request.headers['webhook-signature'] !== signature) wrongBodies.push(id)
        const fails = count === 1 && Number.parseInt(id.slice(-4), 16) % FAIL_FIRST_EVERY === 0
        response.writeHead(fails ? 503 : 200, { 'content-type': 'text/plain' })
        response.end(fails ? 'busy' : 'ok')
        if (!fails) succeeded.add(id)
      })
    })
    server.keepAliveTimeout = 60_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`

    // Tenants, each with one endpoint for role.created.
    const tenants: string[] = []
    const keyring = makeKeyring(parseKey(ENCRYPTION_KEY) as NonNullable<ReturnType<typeof parseKey>>)
    for (let i = 0; i < ENDPOINTS; i++) {
      const tenantId = newId()
      const endpointId = newId()
      tenants.push(tenantId)
      await db.query('INSERT INTO tenants (id, domain, name) VALUES ($1, $2, $2)', [
        tenantId,
        `scale-${i}.example.com`,
      ])
      await db.query(
        `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'cryptlex', true, ARRAY['role.created'], now(), now())`,
        [
          endpointId,
          tenantId,
          `scale ${i}`,
          url,
          encryptSecret(keyring, SIGNING_SECRET, endpointSecretAad(endpointId)),
        ],
      )
    }

    const env = {
      DATABASE_URL: database.url,
      ENCRYPTION_KEY,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2,0.2,0.2',
      WEBHOOK_TIMEOUT_MS: '5000',
      WEBHOOK_POLL_MS: '100',
      // More endpoint workers than pooled connections: they must not starve each other.
      WEBHOOK_CONCURRENCY: '16',
      DATABASE_POOL_SIZE: '10',
      WEBHOOK_SUSPEND_AFTER: '100000',
    }
    const first = await startWorker(env)
    const second = await startWorker(env)

    // The outbox, as API processes would write it: committed in batches, each with its NOTIFY.
    const started = Date.now()
    const BATCH = 500
    for (let offset = 0; offset < EVENTS; offset += BATCH) {
      const ids: string[] = []
      const tenantIds: string[] = []
      const data: string[] = []
      for (let i = offset; i < offset + BATCH; i++) {
        const id = newId()
        const tenantId = tenants[i % ENDPOINTS] as string
        const at = new Date().toISOString()
        ids.push(id)
        tenantIds.push(tenantId)
        data.push(
          JSON.stringify({
            id,
            tenantId,
            name: `role-${i}`,
            description: '',
            claims: ['reseller:read'],
            isBuiltin: false,
            createdAt: at,
            updatedAt: at,
          }),
        )
      }
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
           SELECT id, tenant_id, 'role.created', NULL, id::text, data::jsonb, now()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(id, tenant_id, data)`,
          [ids, tenantIds, data],
        )
        await tx.query(`SELECT pg_notify('outbox_events', 'role.created')`)
      })
    }

    const succeededCount = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'",
        )
      ).rows[0]?.n ?? 0

    // Half-way, one dispatcher is stopped gracefully and started again.
    const deadline = Date.now() + 40_000
    while ((await succeededCount()) < EVENTS / 2) {
      if (Date.now() > deadline) throw new Error(`only ${await succeededCount()} delivered`)
      await sleep(50)
    }
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    const third = await startWorker(env)

    for (let done = await succeededCount(); done < EVENTS; done = await succeededCount()) {
      if (Date.now() > deadline) throw new Error(`only ${done} of ${EVENTS} delivered`)
      await sleep(50)
    }
    const seconds = (Date.now() - started) / 1000
    const rate = Math.round(EVENTS / seconds)
    console.log(
      `two dispatchers delivered ${EVENTS} events in ${seconds.toFixed(1)} s: ${rate} deliveries/s ` +
        `(${[...attempts.values()].reduce((a, b) => a + b, 0)} requests, one dispatcher restarted half-way)`,
    )

    // Let anything still in the pipes arrive before looking.
    await sleep(1000)
    const { rows } = await db.query<{ id: string; status: string; attempts: number }>(
      'SELECT id, status, attempts FROM webhook_deliveries',
    )
    expect(rows).toHaveLength(EVENTS)
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([])
    const lost = rows.filter((r) => !succeeded.has(r.id))
    expect(lost).toEqual([])
    expect(afterSuccess).toEqual([])
    expect(wrongBodies).toEqual([])
    expect(attempts.size).toBe(EVENTS)
    // Every attempt the receiver saw is one the database counted, and the other way round.
    const counted = rows.reduce((sum, r) => sum + r.attempts, 0)
    expect([...attempts.values()].reduce((a, b) => a + b, 0)).toBe(counted)
    const retried = rows.filter((r) => r.attempts > 1).length
    expect(retried).toBeGreaterThan(0)
    const unprocessed = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox_events WHERE processed_at IS NULL',
    )
    expect(unprocessed.rows[0]?.n).toBe(0)

    for (const worker of [second, third]) {
      worker.child.kill('SIGTERM')
      expect(await worker.exited).toBe(0)
    }
    for (const worker of [first, second, third]) expect(worker.output()).not.toMatch(/"level":(50|60)/)
  }, 60_000)
})
