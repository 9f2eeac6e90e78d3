// Audit retention (RETENTION_AUDIT_DAYS): old events go, and every total both dialects answer stays count(*)
// of the events that remain, whatever the filters, for a tenant whose log was listed and one whose was not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purgeOnce } from '../../src/retention/job.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const DAY = 86_400_000
const RULES = { batchSize: 200, outboxHours: 24, deliveriesDays: 30, auditDays: 30 }

let t: TestApp
let listed: { tenantId: string; token: string }
let unlisted: { tenantId: string; token: string }
let resellerId: string

/** `count` events, one every 21 min 7.3 s back from now (about 44 days for 3000): every hour of every day. */
async function insertEvents(tenantId: string, count: number, reseller: string | null): Promise<void> {
  await t.db.query(
    `INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
       reseller_id, actor_type, actor_id)
     SELECT gen_random_uuid(), $1, now() - i * interval '21 minutes 7.3 seconds', 'bulk-' || i,
       (ARRAY['reseller.user.created', 'reseller.updated', 'client.token.issued'])[1 + i % 3],
       (ARRAY['reseller.user', 'reseller', 'client'])[1 + i % 3], 'resource-' || (i % 50),
       CASE WHEN i % 2 = 0 THEN $2::uuid END, CASE WHEN i % 5 = 0 THEN 'system' ELSE 'client' END,
       (ARRAY['actor-a', 'actor-b'])[1 + i % 2]
     FROM generate_series(1, $3) i`,
    [tenantId, reseller, count],
  )
}

const exactCount = async (tenantId: string, where = 'true', params: unknown[] = []) => {
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND ${where}`,
    [tenantId, ...params],
  )
  return rows[0]?.n ?? 0
}

async function v3Total(token: string, query: string): Promise<number> {
  const response = await t.request('GET', `/v3/event-logs?limit=1${query ? `&${query}` : ''}`, { token })
  expect(response.status, response.text).toBe(200)
  return Number(response.headers.get('pagination-count'))
}

async function v1Total(token: string, domain: string): Promise<number> {
  // StartDate: the default window is the last month.
  const end = new Date(Date.now() + DAY).toISOString()
  const query = `PageSize=1&StartDate=2000-01-01T00:00:00Z&EndDate=${end}`
  const response = await t.v1('GET', `/v1/AuditLogs?${query}`, { token, headers: { 'x-tenant': domain } })
  expect(response.status, response.text).toBe(200)
  return response.body.totalCount
}

/** Every total, against count(*) of the events left. */
async function expectTotalsExact(tenant: { tenantId: string; token: string }, domain: string): Promise<void> {
  const at = (ms: number) => new Date(ms).toISOString()
  const now = Date.now()
  const cases: [string, string, unknown[]][] = [
    ['', 'true', []],
    ['action=reseller.updated', "action = 'reseller.updated'", []],
    ['actorType=system', "actor_type = 'system'", []],
    [`resellerId=${resellerId}`, 'reseller_id = $2', [resellerId]],
    [`createdAt[gte]=${at(now - 40 * DAY)}`, 'occurred_at >= $2', [at(now - 40 * DAY)]],
    [`createdAt[lt]=${at(now - 10 * DAY)}`, 'occurred_at < $2', [at(now - 10 * DAY)]],
    [
      `createdAt[gte]=${at(now - 29 * DAY)}&createdAt[lt]=${at(now - 3 * DAY)}&action=client.token.issued`,
      "occurred_at >= $2 AND occurred_at < $3 AND action = 'client.token.issued'",
      [at(now - 29 * DAY), at(now - 3 * DAY)],
    ],
  ]
  for (const [query, where, params] of cases)
    expect(await v3Total(tenant.token, query), query || '(no filter)').toBe(
      await exactCount(tenant.tenantId, where, params),
    )
  expect(await v1Total(tenant.token, domain)).toBe(await exactCount(tenant.tenantId))
}

/** The daily counts hold every event of the days before the tenant's watermark, once; no count of 0. */
async function expectRollupsExact(tenantId: string): Promise<void> {
  const { rows } = await t.db.query<{ differences: number; zeros: number }>(
    `WITH rolled AS (
       SELECT day, reseller_id, action, actor_type, actor_id, resource, events FROM audit_daily_counts
       WHERE tenant_id = $1
     ), counted AS (
       SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, reseller_id, action, actor_type, actor_id, resource,
         count(*)::int AS events
       FROM audit_events
       WHERE tenant_id = $1 AND occurred_at < (SELECT rolled_until::timestamp AT TIME ZONE 'UTC'
         FROM audit_rollup_state WHERE tenant_id = $1)
       GROUP BY 1, 2, 3, 4, 5, 6
     )
     SELECT (SELECT count(*)::int FROM ((SELECT * FROM rolled EXCEPT ALL SELECT * FROM counted)
       UNION ALL (SELECT * FROM counted EXCEPT ALL SELECT * FROM rolled)) d) AS differences,
       (SELECT count(*)::int FROM rolled WHERE events <= 0) AS zeros`,
    [tenantId],
  )
  expect(rows[0]).toEqual({ differences: 0, zeros: 0 })
}

beforeAll(async () => {
  t = await startTestApp()
  listed = await t.createTenant('listed.example.com')
  unlisted = await t.createTenant('unlisted.example.com')
  resellerId = (await t.createReseller({}, listed.token)).id
  const other = (await t.createReseller({}, unlisted.token)).id
  await insertEvents(listed.tenantId, 3000, resellerId)
  await insertEvents(unlisted.tenantId, 3000, other)
}, 120_000)
afterAll(() => t?.close())

describe('audit retention', () => {
  it('deletes events older than RETENTION_AUDIT_DAYS and keeps every total equal to the events left', async () => {
    // The listed tenant's days are rolled up by its first list; the other's by the purge itself.
    await expectTotalsExact(listed, 'listed.example.com')
    const before = await exactCount(listed.tenantId)
    const old = await exactCount(listed.tenantId, "occurred_at < now() - interval '30 days'")
    expect(old).toBeGreaterThan(500)
    const purged = await purgeOnce(t.db, RULES)
    expect(purged.auditEvents).toBeGreaterThanOrEqual(old)
    expect(await exactCount(listed.tenantId)).toBe(before - old)
    expect(await exactCount(listed.tenantId, "occurred_at < now() - interval '30 days'")).toBe(0)
    expect(await exactCount(unlisted.tenantId, "occurred_at < now() - interval '30 days'")).toBe(0)
    await expectRollupsExact(listed.tenantId)
    await expectRollupsExact(unlisted.tenantId)
    await expectTotalsExact(listed, 'listed.example.com')
    await expectTotalsExact(unlisted, 'unlisted.example.com')
  })

  it('is shared by two purgers at once, and the totals stay exact', async () => {
    // A tenant of its own: new events in days already rolled up would make its counts wrong by themselves.
    const third = await t.createTenant('third.example.com')
    await insertEvents(third.tenantId, 4000, null)
    await expectTotalsExact(third, 'third.example.com')
    const old = await t.count('audit_events', "occurred_at < now() - interval '30 days'")
    expect(old).toBeGreaterThan(0)
    const [a, b] = await Promise.all([
      purgeOnce(t.db, { ...RULES, batchSize: 50 }),
      purgeOnce(t.db, { ...RULES, batchSize: 50 }),
    ])
    expect(a.auditEvents + b.auditEvents).toBe(old)
    expect(a.auditEvents).toBeGreaterThan(0)
    expect(b.auditEvents).toBeGreaterThan(0)
    expect(await t.count('audit_events', "occurred_at < now() - interval '30 days'")).toBe(0)
    await expectRollupsExact(third.tenantId)
    await expectTotalsExact(third, 'third.example.com')
  })

  it('keeps audit_events append-only for everything but the purge', async () => {
    await expect(t.db.query("DELETE FROM audit_events WHERE correlation_id = 'bulk-1'")).rejects.toThrow(
      /append-only/,
    )
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query("SELECT set_config('reseller_api.audit_retention', 'on', true)")
        await tx.query("UPDATE audit_events SET action = 'x' WHERE correlation_id = 'bulk-1'")
      }),
    ).rejects.toThrow(/append-only/)
  })
})
