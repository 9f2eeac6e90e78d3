// Transactional outbox: each change writes its webhook event in the same transaction.
import type { Queryable } from '../db/connection.ts'
import { newId } from './ids.ts'

export const WEBHOOK_EVENTS = [
  'reseller.created',
  'reseller.updated',
  'reseller.deleted',
  'reseller.user.created',
  'reseller.user.updated',
  'reseller.user.deleted',
  'reseller.organization.created',
  'reseller.organization.updated',
  'reseller.organization.deleted',
  'role.created',
  'role.updated',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** Channel the dispatcher LISTENs on; notified when an outbox row commits. */
export const OUTBOX_CHANNEL = 'outbox_events'

export interface OutboxInput {
  tenantId: string
  event: WebhookEvent
  resellerId: string | null
  resourceId: string
  /** A snapshot of the resource at commit time (the domain entity, JSON-ready). */
  data: unknown
}

export async function recordOutbox(tx: Queryable, input: OutboxInput): Promise<void> {
  await tx.query(
    `INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())`,
    [newId(), input.tenantId, input.event, input.resellerId, input.resourceId, JSON.stringify(input.data)],
  )
  // NOTIFY is transactional: listeners hear it only if this transaction commits.
  await tx.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', $1)`, [input.event])
}
