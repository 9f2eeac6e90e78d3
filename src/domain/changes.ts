// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { diff, recordAudit } from './audit.ts'
import { recordOutbox, type WebhookEvent } from './outbox.ts'

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
  await recordAudit(tx, actor, {
    action,
    resource: tracking.resource,
    resourceId: subject.id,
    resellerId: tracking.resellerIdOf(subject),
    changes: diff(before && view(before), after && view(after), tracking.fields),
  })
  await recordOutbox(tx, {
    tenantId: subject.tenantId,
    event: action as WebhookEvent,
    resellerId: tracking.resellerIdOf(subject),
    resourceId: subject.id,
    data: subject,
  })
}
