// The delivery log (Cryptlex's webhook event log): list, get, resend, and a signed test event.
import type { Queryable } from '../../db/connection.ts'
import { type Sql, sql } from '../../db/sql.ts'
import type { FieldSpec, ListQuery } from '../../query/language.ts'
import { listPage } from '../../query/page.ts'
import { renderBody } from '../../representations/webhook-body.ts'
import type { Actor } from '../actor.ts'
import { conflict, notFound } from '../errors.ts'
import { isUuid, newId } from '../ids.ts'
import { tenantOf } from '../reach.ts'
import { reachEndpoint } from './endpoints.ts'
import { DELIVERY_DUE, OUTBOX_CHANNEL } from './events.ts'

export type DeliveryStatus = 'pending' | 'queued' | 'succeeded' | 'retrying' | 'failed' | 'cancelled'

export interface Delivery {
  id: string
  webhookId: string
  event: string
  url: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  lastAttemptedAt: Date | null
  requestBody: string
  responseBody: string | null
  responseStatusCode: number | null
  errorMessage: string | null
  createdAt: Date
  updatedAt: Date
}

export const DELIVERY_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', kind: 'id' },
  webhookId: { column: 'webhook_id', kind: 'id' },
  status: { column: 'status', kind: 'text' },
  event: { column: 'event', kind: 'text' },
  createdAt: { column: 'created_at', kind: 'date' },
  updatedAt: { column: 'updated_at', kind: 'date' },
}

/** What `search` looks in (caseless, contains): the event and the url it went to. */
export const DELIVERY_SEARCH = 'event or url'

interface DeliveryRow {
  id: string
  webhook_id: string
  event: string
  url: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: Date | null
  last_attempted_at: Date | null
  request_body: string
  response_body: string | null
  response_status_code: number | null
  error_message: string | null
  created_at: Date
  updated_at: Date
}

const COLUMNS = `id, webhook_id, event, url, status, attempts, next_attempt_at, last_attempted_at, request_body,
  response_body, response_status_code, error_message, created_at, updated_at`

const date = (value: Date | null) => (value ? new Date(value) : null)
const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  event: row.event,
  url: row.url,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: date(row.next_attempt_at),
  lastAttemptedAt: date(row.last_attempted_at),
  requestBody: row.request_body,
  responseBody: row.response_body,
  responseStatusCode: row.response_status_code,
  errorMessage: row.error_message,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
})

/** Deliveries of endpoints the actor may reach (a reseller token: those bound to its reseller). */
function reachCondition(actor: Actor): Sql {
  const tenant = sql`d.tenant_id = ${tenantOf(actor)}`
  if (actor.role !== 'reseller') return tenant
  return sql`${tenant} AND EXISTS (SELECT 1 FROM webhook_endpoints e
    WHERE e.id = d.webhook_id AND e.reseller_id = ${actor.resellerId})`
}

const DELIVERY_LIST_FIELDS = Object.fromEntries(
  Object.entries(DELIVERY_FIELDS).map(([k, v]) => [k, { ...v, column: `d.${v.column}` }]),
)

export async function listDeliveries(
  tx: Queryable,
  actor: Actor,
  query: ListQuery,
): Promise<{ items: Delivery[]; total: number }> {
  const { rows, total } = await listPage<DeliveryRow>(
    tx,
    {
      from: 'webhook_deliveries d',
      columns: COLUMNS,
      scope: reachCondition(actor),
      fields: DELIVERY_LIST_FIELDS,
      defaultSort: [{ field: 'createdAt', isDescending: true }],
      searchColumns: ['d.event', 'd.url'],
      idColumn: 'd.id',
    },
    query,
  )
  return { items: rows.map(toDelivery), total }
}

export async function getDelivery(tx: Queryable, actor: Actor, id: string, lock = false): Promise<Delivery> {
  if (!isUuid(id)) throw notFound('Webhook event log')
  const { rows } = await tx.query<DeliveryRow>(
    sql`SELECT ${sql.raw(COLUMNS)} FROM webhook_deliveries d
     WHERE ${reachCondition(actor)} AND d.id = ${id}${sql.raw(lock ? ' FOR UPDATE' : '')}`,
  )
  if (!rows[0]) throw notFound('Webhook event log')
  return toDelivery(rows[0])
}

/** Sends a delivery again, with the same Webhook-Id and body; one still in flight cannot be resent. */
export async function resendDelivery(tx: Queryable, actor: Actor, id: string): Promise<Delivery> {
  const delivery = await getDelivery(tx, actor, id, true)
  if (delivery.status === 'queued' || delivery.status === 'pending')
    throw conflict('DELIVERY_IN_PROGRESS', 'This delivery is already on its way.')
  const endpoint = await reachEndpoint(tx, actor, delivery.webhookId)
  const { rows } = await tx.query<DeliveryRow>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), url = $2, error_message = NULL,
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, endpoint.url],
  )
  await tx.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '${DELIVERY_DUE}')`)
  return toDelivery(rows[0] as DeliveryRow)
}

/** Queues a signed test event to one endpoint (whatever events it subscribes to). */
export async function sendTestEvent(tx: Queryable, actor: Actor, webhookId: string): Promise<Delivery> {
  const endpoint = await reachEndpoint(tx, actor, webhookId)
  const id = newId()
  const now = new Date()
  const body = renderBody('webhook.test', { webhookId: endpoint.id, message: 'A test event.' }, now)
  const { rows } = await tx.query<DeliveryRow>(
    `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body,
       status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $1, 'webhook.test', $5, $6, 'pending', now(), now(), now()) RETURNING ${COLUMNS}`,
    [id, endpoint.tenantId, endpoint.id, endpoint.resellerId, endpoint.url, body],
  )
  await tx.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '${DELIVERY_DUE}')`)
  return toDelivery(rows[0] as DeliveryRow)
}
