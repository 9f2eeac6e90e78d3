// A change to a resource that webhooks announce: its audit event and its outbox event, written together
// in the caller's transaction.
import type { Queryable } from '../db/connection.ts'
import { type Param, type Sql, sql } from '../db/sql.ts'
import type { Actor } from './actor.ts'
import { auditInsert, auditValues, type Change, diff } from './audit/record.ts'
import { type AuditedAction, resourceOf } from './catalogue.ts'
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

/** One recorded event: what the audit log keeps and, as `data`, the snapshot its webhook event carries. */
export interface EventRecord {
  action: AuditedAction
  resourceId: Param
  resellerId: Param
  /** The tenant whose log and outbox take it (null: no tenant, audited only: nobody could subscribe). */
  tenantId: Param | null
  changes: Change[]
  /** The outbox data's SQL (a domain snapshot, never a secret: presented at delivery, representations/). */
  data: Sql | Param
}

/**
 * An event's audit row, its outbox row and the outbox's NOTIFY, as the CTEs and the final SELECT column of
 * one statement. With `from`, the events are written once per row of that CTE (a caller's insert: no row, no
 * event), and `data` may read that row.
 */
function eventStatement(actor: Actor, event: EventRecord, from?: string): { ctes: Sql; notify: Sql } {
  const action = sql.param(event.action)
  const { resourceId, resellerId, tenantId } = event
  const audit = auditValues(actor, {
    action,
    resource: resourceOf(event.action),
    resourceId,
    resellerId,
    changes: event.changes,
  })
  const auditCte = sql`audit AS (${auditInsert(audit, from)})`
  if (tenantId === null) return { ctes: auditCte, notify: sql`NULL` }
  const outboxValues = sql`${newId()}, ${tenantId}, ${action}, ${resellerId}, ${resourceId}, ${event.data}, now()`
  const outbox = from ? sql`SELECT ${outboxValues} FROM ${sql.raw(from)}` : sql`VALUES (${outboxValues})`
  return {
    ctes: sql`${auditCte},
      outbox AS (INSERT INTO outbox_events (id, tenant_id, event, reseller_id, resource_id, data, triggered_at)
        ${outbox})`,
    // NOTIFY is transactional: the dispatcher hears it only if the change commits. Only when an endpoint
    // would take the event: the others' events leave on the dispatcher's poll, in batches.
    notify: sql`(SELECT pg_notify(${OUTBOX_CHANNEL}, ${action}) WHERE EXISTS (SELECT 1 FROM webhook_endpoints e
       WHERE ${endpointTakes('e', { tenantId, name: action, resellerId })}))`,
  }
}

/**
 * Records an event that no Tracking describes (a password set, a client, a webhook endpoint, a tenant): its
 * audit row, its outbox row and the NOTIFY in one statement, in the caller's transaction.
 */
export async function recordEvent(
  tx: Queryable,
  actor: Actor,
  event: {
    action: AuditedAction
    resourceId: string
    resellerId: string | null
    changes: Change[]
    /** The webhook data: a snapshot of the resource (never a secret). */
    data: unknown
  },
): Promise<void> {
  const statement = eventStatement(actor, {
    action: event.action,
    resourceId: sql.param(event.resourceId),
    resellerId: sql.param(event.resellerId),
    tenantId: actor.tenantId === null ? null : sql.param(actor.tenantId),
    changes: event.changes,
    data: sql.param(JSON.stringify(event.data)),
  })
  await tx.query(sql`WITH ${statement.ctes} SELECT ${statement.notify}`)
}

/**
 * A tracked change's audit event, outbox event and NOTIFY (see eventStatement). With `from`, once per row of
 * that CTE and `data` is the outbox data's SQL, which may read that row; by default it is the resource as JSON.
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
  const resource = sql.param(JSON.stringify(subject))
  // Typed: a tracked resource or verb that the catalogue does not name does not compile.
  const action: AuditedAction = `${tracking.resource}.${verb}`
  return eventStatement(
    actor,
    {
      action,
      resourceId: sql.param(subject.id),
      resellerId: sql.param(tracking.resellerIdOf(subject)),
      tenantId: sql.param(subject.tenantId),
      changes: changesOf(tracking, before, after),
      data: options.data ? options.data(resource) : resource,
    },
    options.from,
  )
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
