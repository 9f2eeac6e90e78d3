// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import { type Param, type Sql, sql } from '../db/sql.ts'
import type { Actor } from './actor.ts'
import { auditInsert, auditValues, diff } from './audit/record.ts'
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

/** The audited fields of a resource, as its Tracking sees them. */
const viewOf = <T>(tracking: Tracking<T>, value: T): Record<string, unknown> =>
  tracking.view ? tracking.view(value) : (value as unknown as Record<string, unknown>)

/** What a change does to the audited fields (none: an update that changes nothing writes nothing). */
export const changesOf = <T>(tracking: Tracking<T>, before: T | null, after: T | null) =>
  diff(before && viewOf(tracking, before), after && viewOf(tracking, after), tracking.fields)

export const isUnchanged = <T>(tracking: Tracking<T>, before: T, after: T): boolean =>
  changesOf(tracking, before, after).length === 0

/**
 * A change's audit event, its outbox event and the outbox's NOTIFY, as the CTEs and the final SELECT column of
 * one statement. With `from`, the events are written once per row of that CTE (a caller's insert: no row, no
 * event) and `data` is the outbox data's SQL, which may read that row; by default it is the resource as JSON.
 */
export function changeStatement<T extends { id: string; tenantId: string }>(
  actor: Actor,
  tracking: Tracking<T>,
  verb: Verb,
  before: T | null,
  after: T | null,
  options: { from?: string; data?: (resource: Param) => Sql } = {},
): { ctes: Sql; notify: Sql } {
  const subject = (after ?? before) as T
  const action = sql.param(`${tracking.resource}.${verb}`)
  const resourceId = sql.param(subject.id)
  const resellerId = sql.param(tracking.resellerIdOf(subject))
  const tenantId = sql.param(subject.tenantId)
  const audit = auditValues(actor, {
    action,
    resource: tracking.resource,
    resourceId,
    resellerId,
    changes: changesOf(tracking, before, after),
  })
  const resource = sql.param(JSON.stringify(subject))
  const outboxValues = sql`${newId()}, ${tenantId}, ${action}, ${resellerId}, ${resourceId},
    ${options.data ? options.data(resource) : resource}, now()`
  const outbox = options.from
    ? sql`SELECT ${outboxValues} FROM ${sql.raw(options.from)}`
    : sql`VALUES (${outboxValues})`
  return {
    ctes: sql`audit AS (${auditInsert(audit, options.from)}),
      outbox AS (INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
        ${outbox})`,
    // NOTIFY is transactional: the dispatcher hears it only if the change commits. Only when an endpoint
    // would take the event: the others' events leave on the dispatcher's poll, in batches.
    notify: sql`(SELECT pg_notify(${OUTBOX_CHANNEL}, ${action}) WHERE EXISTS (SELECT 1 FROM webhook_endpoints e
       WHERE ${endpointTakes('e', { tenantId, name: action, resellerId })}))`,
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
  await tx.query(sql`WITH ${change.ctes} SELECT ${change.notify}`, { isPrepared: true })
}
