// 8. Retention purge throughput. ROWS deliveries that finished 40 days ago, seeded with one INSERT … SELECT
// generate_series, are deleted by the purge (retention/job.ts purgeOnce: batches of 1,000, each its own
// transaction, claimed with FOR UPDATE SKIP LOCKED), by two purges at once, and — the baseline, in the same
// run on the same database — by one plain DELETE … WHERE of the same rows (one transaction holding every
// row's lock until it ends). On the PostgreSQL server the service runs on the same database, and the
// delivery log (GET /v3/webhook-event-logs, which reads the table being purged) is timed while the purge
// runs against the same reads with nothing else going on. With --embedded: throughput only, in this process.

import { type Db, openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { newId } from '../../src/domain/ids.ts'
import { type PurgeRules, purgeOnce } from '../../src/retention/job.ts'
import type { Scenario } from '../lib/context.ts'
import { type Measured, summarize } from '../lib/measure.ts'
import { fmt, ratioOf } from '../lib/report.ts'

const ROWS = 100_000
const RULES: PurgeRules = { batchSize: 1000, outboxHours: 24, deliveriesDays: 30, auditDays: 0 }
const READERS = 4

/** ROWS succeeded deliveries of 40 days ago, ids time-ordered as newId() made them then; ~400-byte bodies. */
async function seed(db: Db, tenantId: string, webhookId: string): Promise<void> {
  await db.query(
    `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, order_key, event, url, request_body, status,
       attempts, response_status_code, created_at, updated_at)
     SELECT u, $1, $2, u, 'reseller.updated', 'http://127.0.0.1:9/hook', repeat(md5(i::text), 12), 'succeeded',
       1, 200, at, at
     FROM (SELECT i, now() - interval '40 days' + i * interval '1 ms' AS at,
       (lpad(to_hex(floor(extract(epoch FROM now() - interval '40 days') * 1000)::bigint + i), 12, '0')
         || '7' || substr(md5(i::text), 1, 19))::uuid AS u
       FROM generate_series(1, $3) i) s`,
    [tenantId, webhookId, ROWS],
  )
  await db.query('VACUUM ANALYZE webhook_deliveries')
}

/** Rows per second of `purge` over ROWS seeded rows; checks that it deleted them all. */
async function rowsPerSecond(db: Db, purge: () => Promise<number>): Promise<number> {
  const started = performance.now()
  const deleted = await purge()
  const seconds = (performance.now() - started) / 1000
  if (deleted !== ROWS) throw new Error(`deleted ${deleted} rows of ${ROWS}`)
  await db.query('VACUUM webhook_deliveries')
  return deleted / seconds
}

/** READERS back-to-back GETs until `until` settles (or for `seconds`). */
async function reads(url: string, token: string, until: Promise<unknown> | number): Promise<Measured> {
  let isDone = false
  if (typeof until === 'number') setTimeout(() => (isDone = true), until * 1000)
  else void until.finally(() => (isDone = true))
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (!isDone) {
        const t = performance.now()
        const response = await fetch(`${url}/v3/webhook-event-logs?limit=20`, {
          headers: { authorization: `Bearer ${token}` },
        }).catch(() => null)
        await response?.arrayBuffer()
        if (response?.ok) latencies.push(performance.now() - t)
        else errors++
      }
    }),
  )
  return summarize(latencies, errors, (performance.now() - started) / 1000)
}

export const retentionScenario: Scenario = {
  name: 'retention',
  title: '8. retention purge',
  async run(ctx) {
    let db: Db
    let service: Awaited<ReturnType<typeof ctx.service>> | null = null
    let tenantId: string
    let webhookId: string
    if (ctx.options.embedded) {
      db = await openDatabase({ kind: 'pglite-memory' }, 1)
      await migrate(db)
      tenantId = newId()
      webhookId = newId()
      await db.query(`INSERT INTO tenants (id, domain, name) VALUES ($1, 'bench.example.com', 'bench')`, [
        tenantId,
      ])
      await db.query(
        `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
           created_at, updated_at)
         VALUES ($1, $2, 'bench', 'http://127.0.0.1:9/hook', 's', 'cryptlex', false, '{reseller.updated}', now(), now())`,
        [webhookId, tenantId],
      )
    } else {
      service = await ctx.service('scratch', {
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_DISPATCHER: 'false',
        RETENTION_INTERVAL_S: '0',
      })
      const webhook = await service.api<{ id: string }>('POST', '/v3/webhooks', {
        name: 'bench',
        url: 'http://127.0.0.1:9/hook',
        events: ['reseller.updated'],
      })
      webhookId = webhook.id
      db = await openDatabase({ kind: 'postgres', url: service.database.env.DATABASE_URL ?? '' }, 4)
      const { rows } = await db.query<{ tenant_id: string }>(
        'SELECT tenant_id FROM webhook_endpoints WHERE id = $1',
        [webhookId],
      )
      tenantId = rows[0]?.tenant_id ?? ''
    }
    try {
      const purge = async () => (await purgeOnce(db, RULES)).deliveries
      await seed(db, tenantId, webhookId)
      const plain = await rowsPerSecond(db, async () => {
        const result = await db.query(
          `DELETE FROM webhook_deliveries WHERE status IN ('succeeded', 'failed', 'cancelled')
             AND updated_at < now() - interval '30 days'`,
        )
        return result.rowCount
      })
      await seed(db, tenantId, webhookId)
      const one = await rowsPerSecond(db, purge)
      await seed(db, tenantId, webhookId)
      const two = await rowsPerSecond(db, async () =>
        (await Promise.all([purge(), purge()])).reduce((a, b) => a + b),
      )
      const rows = fmt.count(ROWS)
      ctx.report({
        metric: `purge ${rows} finished deliveries, batches of ${RULES.batchSize}: rows/s (baseline: one plain DELETE)`,
        value: fmt.rate(one, 'rows/s'),
        baseline: fmt.rate(plain, 'rows/s'),
        ratio: ratioOf(one, plain),
        target: '',
        met: null,
        data: { rows: ROWS, one, plain },
      })
      ctx.report({
        metric: `two purges at once over ${rows} rows: rows/s together`,
        value: fmt.rate(two, 'rows/s'),
        baseline: fmt.rate(plain, 'rows/s'),
        ratio: ratioOf(two, plain),
        target: '',
        met: null,
        data: { two },
      })
      if (service) {
        const { url, token } = service
        await seed(db, tenantId, webhookId)
        // Warmed first, then idle, then the same readers while the purge runs.
        await reads(url, token, 1)
        const idle = await reads(url, token, 3)
        const started = performance.now()
        const purging = purge()
        const during = await reads(url, token, purging)
        await purging
        const purgeSeconds = (performance.now() - started) / 1000
        ctx.report({
          metric: `GET /v3/webhook-event-logs (${READERS} readers) while the purge runs (${purgeSeconds.toFixed(1)} s): p50 / p99 (baseline: idle)`,
          value: fmt.latency(during),
          baseline: fmt.latency(idle),
          ratio: ratioOf(during.p99, idle.p99),
          target: 'p99 ≤ 3× idle',
          met: during.p99 <= 3 * idle.p99,
          data: { during, idle },
        })
        ctx.report({
          metric: 'GET /v3/webhook-event-logs while the purge runs: req/s; errors',
          value: `${fmt.rate(during.rps)}; ${during.errors}`,
          baseline: `${fmt.rate(idle.rps)}; ${idle.errors}`,
          ratio: ratioOf(during.rps, idle.rps),
          target: '',
          met: null,
        })
      }
      ctx.note(
        'retention: rows/s = rows deleted ÷ wall time of the purge, a VACUUM after each phase (not timed). The baseline DELETE holds every row it deletes locked until it commits; the purge holds 1,000 at a time for one short transaction each. Reads: idle = the same readers for 3 s just before the purge (after 1 s of warm-up), on the same seeded rows.',
      )
    } finally {
      await db.close()
    }
  },
}
