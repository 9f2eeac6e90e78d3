// Fan-out: outbox events become deliveries, one per endpoint that takes the event.
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { newId } from '../domain/ids.ts'
import { endpointTakes } from '../domain/webhooks/events.ts'
import { presentEventData } from '../representations/cryptlex.ts'
import { renderBody } from '../representations/webhook-body.ts'
import { ENDPOINT_COLUMNS, type EndpointRow } from './rows.ts'

const FANOUT_LOCK = 72_750_002
export const FANOUT_BATCH = 500

interface OutboxRow {
  id: string
  tenant_id: string
  event: string
  reseller_id: string | null
  data: unknown
  triggered_at: Date
}

/**
 * One round: claims the oldest unprocessed outbox events (marking them processed) and writes their
 * deliveries, in one transaction. A try-lock lets one process fan out at a time; the lock, the claim and the
 * mark are one statement, so an event nobody subscribes to costs four round trips. Returns the events claimed.
 */
export async function fanOut(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query<OutboxRow>(
      sql`UPDATE outbox_events SET processed_at = now()
         WHERE (SELECT pg_try_advisory_xact_lock(${FANOUT_LOCK}))
           AND id IN (SELECT id FROM outbox_events WHERE processed_at IS NULL ORDER BY id
             LIMIT ${sql.raw(String(FANOUT_BATCH))} FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, event, reseller_id, data, triggered_at`,
      { isPrepared: true },
    )
    // In id order (UUIDv7: the order the events were written), as deliveries are created and sent.
    const rows = claimed.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    if (rows.length === 0) return 0
    const endpointsOf = await endpointsTaking(tx, rows)
    const deliveries = rows.flatMap((row) => deliveriesOf(row, endpointsOf.get(row.id) ?? []))
    if (deliveries.length > 0) await insertDeliveries(tx, deliveries)
    return rows.length
  })
}

/** Each event's endpoints, as a change's NOTIFY decides them (endpointTakes). */
async function endpointsTaking(tx: Queryable, rows: OutboxRow[]): Promise<Map<string, EndpointRow[]>> {
  const columns = sql.raw(ENDPOINT_COLUMNS.replace(/(\w+)/g, 'e.$1'))
  const { rows: pairs } = await tx.query<EndpointRow & { outbox_id: string }>(
    sql`SELECT o.id AS outbox_id, ${columns}
       FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.tenant_id)}::uuid[],
         ${rows.map((r) => r.event)}::text[], ${rows.map((r) => r.reseller_id)}::uuid[])
         AS o (id, tenant_id, event, reseller_id)
       JOIN webhook_endpoints e
         ON ${endpointTakes('e', { tenantId: sql.raw('o.tenant_id'), name: sql.raw('o.event'), resellerId: sql.raw('o.reseller_id') })}`,
  )
  const endpointsOf = new Map<string, EndpointRow[]>()
  for (const pair of pairs)
    endpointsOf.set(pair.outbox_id, [...(endpointsOf.get(pair.outbox_id) ?? []), pair])
  return endpointsOf
}

interface NewDelivery {
  id: string
  tenantId: string
  webhookId: string
  resellerId: string | null
  orderKey: string
  event: string
  url: string
  body: string
  status: 'pending' | 'cancelled'
}

/** An event's deliveries; the body is rendered once for all of them. A suspended endpoint's are cancelled. */
function deliveriesOf(row: OutboxRow, endpoints: EndpointRow[]): NewDelivery[] {
  if (endpoints.length === 0) return []
  const snapshot = typeof row.data === 'string' ? JSON.parse(row.data) : row.data
  const body = renderBody(row.event, presentEventData(row.event, snapshot), new Date(row.triggered_at))
  return endpoints.map((endpoint) => ({
    id: newId(),
    tenantId: row.tenant_id,
    webhookId: endpoint.id,
    resellerId: row.reseller_id,
    orderKey: row.id,
    event: row.event,
    url: endpoint.url,
    body,
    status: endpoint.status === 'suspended' ? 'cancelled' : 'pending',
  }))
}

async function insertDeliveries(tx: Queryable, deliveries: NewDelivery[]): Promise<void> {
  const column = <K extends keyof NewDelivery>(key: K) => deliveries.map((d) => d[key])
  await tx.query(
    sql`INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body,
         status, next_attempt_at, created_at, updated_at)
       SELECT id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body, status,
         CASE WHEN status = 'pending' THEN now() END, now(), now()
       FROM unnest(${column('id')}::uuid[], ${column('tenantId')}::uuid[], ${column('webhookId')}::uuid[],
         ${column('resellerId')}::uuid[], ${column('orderKey')}::uuid[], ${column('event')}::text[],
         ${column('url')}::text[], ${column('body')}::text[], ${column('status')}::text[])
         AS v(id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body, status)`,
  )
}
