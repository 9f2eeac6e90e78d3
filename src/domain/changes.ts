// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { AUDIT_INSERT, auditInsertFor, auditParams, diff } from './audit/record.ts'
import { newId } from './ids.ts'
import { endpointTakes, OUTBOX_CHANNEL } from './webhooks/events.ts'

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

/**
 * A change's audit event, its outbox event and the outbox's NOTIFY as the CTEs and final SELECT of one
 * statement, with its parameters ($1..$15; a caller adds its own after them). With `from`, the events are
 * written once per row of that CTE (a caller's insert: no row, no event) and `data` is the SQL of the outbox
 * data, which may read that row; by default the data is the resource as JSON ($15).
 */
export function changeStatement<T extends { id: string; tenantId: string }>(
  actor: Actor,
  tracking: Tracking<T>,
  verb: Verb,
  before: T | null,
  after: T | null,
  options: { from?: string; data?: string } = {},
): { ctes: string; notify: string; params: unknown[] } {
  const subject = (after ?? before) as T
  const view = tracking.view ?? ((value: T) => value as unknown as Record<string, unknown>)
  const action = `${tracking.resource}.${verb}`
  const resellerId = tracking.resellerIdOf(subject)
  const audit = auditParams(actor, {
    action,
    resource: tracking.resource,
    resourceId: subject.id,
    resellerId,
    changes: diff(before && view(before), after && view(after), tracking.fields),
  })
  const outboxValues = `$13, $14, $4, $7, $6, ${options.data ?? '$15'}, now()`
  const outbox = `INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
       ${options.from ? `SELECT ${outboxValues} FROM ${options.from}` : `VALUES (${outboxValues})`}`
  return {
    ctes: `audit AS (${options.from ? auditInsertFor(options.from) : AUDIT_INSERT}), outbox AS (${outbox})`,
    // NOTIFY is transactional: the dispatcher hears it only if the change commits. Only when an endpoint
    // would take the event (as fan-out matches them): the others' events wait for the dispatcher's poll,
    // which marks them in batches, so a change nobody subscribes to costs the dispatcher no round of its own.
    notify: `(SELECT pg_notify('${OUTBOX_CHANNEL}', $4) WHERE EXISTS (SELECT 1 FROM webhook_endpoints e
       WHERE ${endpointTakes('e', { tenantId: '$14', name: '$4', resellerId: '$7' })}))`,
    params: [...audit, newId(), subject.tenantId, JSON.stringify(subject)],
  }
}

export async function recordResourceChange<T extends { id: string; tenantId: string }>(
  tx: Queryable,
  actor: Actor,
  tracking: Tracking<T>,
  verb: Verb,
  before: T | null,
  after: T | null,
): Promise<void> {
  // The audit event, the outbox event and its NOTIFY in one statement: one round trip, same transaction.
  const change = changeStatement(actor, tracking, verb, before, after)
  await tx.query(`WITH ${change.ctes} SELECT ${change.notify}`, change.params, { isPrepared: true })
}
