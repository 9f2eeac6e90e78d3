// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { diff } from './audit.ts'
import { newId } from './ids.ts'
import { OUTBOX_CHANNEL } from './outbox.ts'

export type TrackedResource = 'reseller' | 'reseller.organization' | 'reseller.user' | 'role'
export type Verb = 'created' | 'updated' | 'deleted'

/** How one kind of resource is audited: which fields, seen how, and which reseller it belongs to. */
export interface Tracking<T> {
  resource: TrackedResource
  fields: readonly string[]
  /** The flat record the fields are read from (by default the resource itself). */
  view?: (value: T) => Record<string, unknown>
  resellerIdOf: (value: T) => string | null
}

export async function recordResourceChange<T extends { id: string; tenantId: string }>(
  tx: Queryable,
  actor: Actor,
  tracking: Tracking<T>,
  verb: Verb,
  before: T | null,
  after: T | null,
): Promise<void> {
  const subject = (after ?? before) as T
  const view = tracking.view ?? ((value: T) => value as unknown as Record<string, unknown>)
  const action = `${tracking.resource}.${verb}`
  const resellerId = tracking.resellerIdOf(subject)
  // The audit event, the outbox event and its NOTIFY in one statement: one round trip, same transaction.
  await tx.query(
    `WITH audit AS (
       INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
         reseller_id, actor_type, actor_id, changes, ip_address, user_agent)
       VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ), outbox AS (
       INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
       VALUES ($13, $14, $4, $7, $6, $15, now())
     )
     SELECT pg_notify('${OUTBOX_CHANNEL}', $4)`,
    [
      newId(),
      actor.tenantId,
      actor.correlationId,
      action,
      tracking.resource,
      subject.id,
      resellerId,
      actor.type,
      actor.id,
      JSON.stringify(diff(before && view(before), after && view(after), tracking.fields)),
      actor.ipAddress,
      actor.userAgent,
      newId(),
      subject.tenantId,
      JSON.stringify(subject),
    ],
  )
}
