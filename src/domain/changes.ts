// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { AUDIT_INSERT, auditParams, diff } from './audit.ts'
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
  // NOTIFY is transactional: the dispatcher hears it only if the change commits.
  const audit = auditParams(actor, {
    action,
    resource: tracking.resource,
    resourceId: subject.id,
    resellerId,
    changes: diff(before && view(before), after && view(after), tracking.fields),
  })
  await tx.query(
    `WITH audit AS (${AUDIT_INSERT}), outbox AS (
       INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
       VALUES ($13, $14, $4, $7, $6, $15, now())
     )
     SELECT pg_notify('${OUTBOX_CHANNEL}', $4)`,
    [...audit, newId(), subject.tenantId, JSON.stringify(subject)],
  )
}
