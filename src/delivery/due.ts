// Which deliveries are due: the one rule the endpoint scan, an endpoint's claim and drain's count share.
import type { Db } from '../db/connection.ts'
import { type Sql, sql } from '../db/sql.ts'

/**
 * Delivery `d` is due: pending or retrying with its time come, or 'queued' — claimed by a dispatcher that
 * died mid-attempt (under the endpoint's lock, no live dispatcher holds it).
 */
export const isDue = (d: string): Sql => {
  const alias = sql.raw(d)
  return sql`${alias}.status IN ('pending', 'retrying', 'queued')
    AND (${alias}.status = 'queued' OR ${alias}.next_attempt_at <= now())`
}

/** Endpoint `e` may be delivered to: live, enabled and not suspended. */
export const isDeliverable = (e: string): Sql => {
  const alias = sql.raw(e)
  return sql`${alias}.deleted_at IS NULL AND ${alias}.enabled AND ${alias}.status <> 'suspended'`
}

/** Up to 200 endpoints with due deliveries, in no fixed order, so that none starves behind busy ones. */
export async function dueEndpoints(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    sql`SELECT e.id FROM webhook_endpoints e
       WHERE ${isDeliverable('e')}
         AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = e.id AND ${isDue('d')})
       ORDER BY random() LIMIT 200`,
  )
  return rows.map((r) => r.id)
}

/** How many deliveries are due to deliverable endpoints. */
export async function dueCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.webhook_id
       WHERE ${isDue('d')} AND ${isDeliverable('e')}`,
  )
  return rows[0]?.n ?? 0
}
