// Purging audit events past RETENTION_AUDIT_DAYS without making a list's total wrong. A total is the daily
// counts of the whole days rolled up plus an index count of the rest (domain/audit/totals.ts), so each batch
// lowers the counts of the events it deletes in the same transaction: every snapshot sees both or neither.
// Only events of days already rolled up are deleted: a roll-up counts the days from the tenant's watermark on,
// so it never counts a day this purge deletes from, whichever commits first, and the watermark only moves on.
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { rollUpCompletedDays } from '../domain/audit/totals.ts'
import { inBatches, withoutWaitingForFlush } from './purge.ts'

/** Serialises, per tenant, the purges' updates of the daily counts (two batches may touch the same rows). */
const AUDIT_COUNTS_LOCK = 72_750_003
const NO_RESELLER = "'00000000-0000-0000-0000-000000000000'::uuid"

interface Gone {
  day: string
  reseller_id: string | null
  action: string
  actor_type: string
  actor_id: string
  resource: string
  n: number
}

/** Audit events older than `days`, of every tenant, and those of no tenant (the platform's). */
export async function purgeAuditEvents(
  db: Db,
  days: number,
  batchSize: number,
  isStopping: () => boolean,
): Promise<number> {
  let total = 0
  total += await inBatches(batchSize, isStopping, () => purgeBatch(db, null, days, null, batchSize))
  const { rows: tenants } = await db.query<{ id: string }>(sql`SELECT id FROM tenants ORDER BY id`)
  for (const { id } of tenants) {
    if (isStopping()) break
    // Roll up the days completed since the last list of this tenant's log: a tenant whose log nobody reads
    // would otherwise keep every event.
    const rolledUntil = await db.transaction((tx) => rollUpCompletedDays(tx, id))
    if (rolledUntil === Number.NEGATIVE_INFINITY) continue
    const until = new Date(rolledUntil).toISOString()
    total += await inBatches(batchSize, isStopping, () => purgeBatch(db, id, days, until, batchSize))
  }
  return total
}

/**
 * One batch of one tenant (null: the events of no tenant, which no daily count counts): deletes the oldest
 * events before both the retention cutoff and `rolledUntil`, and lowers their days' counts.
 */
function purgeBatch(
  db: Db,
  tenantId: string | null,
  days: number,
  rolledUntil: string | null,
  batchSize: number,
): Promise<number> {
  return db.transaction(async (tx) => {
    // The trigger that keeps audit_events append-only lets this transaction's deletes through (0012).
    await tx.query(sql`SELECT set_config('reseller_api.audit_retention', 'on', true)`)
    await withoutWaitingForFlush(tx)
    const tenant = tenantId === null ? sql`tenant_id IS NULL` : sql`tenant_id = ${tenantId}::uuid`
    const cutoff = sql`least(now() - make_interval(days => ${days}::int), coalesce(${rolledUntil}::timestamptz, 'infinity'))`
    const { rows } = await tx.query<Gone>(
      sql`WITH gone AS (
         DELETE FROM audit_events WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM audit_events WHERE ${tenant} AND occurred_at < ${cutoff}
           ORDER BY occurred_at, id LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))
         RETURNING occurred_at, reseller_id, action, actor_type, actor_id, resource)
       SELECT to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, reseller_id, action,
         actor_type, actor_id, resource, count(*)::int AS n
       FROM gone GROUP BY 1, 2, 3, 4, 5, 6`,
    )
    if (tenantId !== null && rows.length > 0) await lowerCounts(tx, tenantId, rows)
    return rows.reduce((sum, row) => sum + row.n, 0)
  })
}

/** Takes the deleted events off their days' counts; a count that reaches 0 goes. */
async function lowerCounts(tx: Queryable, tenantId: string, gone: Gone[]): Promise<void> {
  await tx.query(sql`SELECT pg_advisory_xact_lock(${AUDIT_COUNTS_LOCK}::int, hashtext(${tenantId}))`)
  const column = <K extends keyof Gone>(key: K) => gone.map((row) => row[key])
  const noReseller = sql.raw(NO_RESELLER)
  await tx.query(
    sql`UPDATE audit_daily_counts c SET events = c.events - v.n
       FROM unnest(${column('day')}::date[], ${column('reseller_id')}::uuid[], ${column('action')}::text[],
         ${column('actor_type')}::text[], ${column('actor_id')}::text[], ${column('resource')}::text[],
         ${column('n')}::int[]) AS v (day, reseller_id, action, actor_type, actor_id, resource, n)
       WHERE c.tenant_id = ${tenantId}::uuid AND c.day = v.day AND c.action = v.action
         AND c.actor_type = v.actor_type AND c.actor_id = v.actor_id AND c.resource = v.resource
         AND coalesce(c.reseller_id, ${noReseller}) = coalesce(v.reseller_id, ${noReseller})`,
  )
  await tx.query(
    sql`DELETE FROM audit_daily_counts
       WHERE tenant_id = ${tenantId}::uuid AND day = ANY(${[...new Set(column('day'))]}::date[]) AND events <= 0`,
  )
}
