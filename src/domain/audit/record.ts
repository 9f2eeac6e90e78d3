import { type Param, type Sql, sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { newId } from '../ids.ts'

export interface Change {
  field: string
  from: unknown
  to: unknown
}

export interface AuditEvent {
  id: string
  occurredAt: Date
  correlationId: string
  action: string
  resource: string
  resourceId: string
  resellerId: string | null
  actor: { type: string; id: string }
  changes: Change[]
  ipAddress: string | null
  userAgent: string | null
}

export interface AuditInput {
  action: string
  resource: string
  resourceId: string
  resellerId: string | null
  changes: Change[]
}

/** The changes between two snapshots of a resource, over the audited fields only (never a secret). */
export function diff(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  fields: readonly string[],
): Change[] {
  const changes: Change[] = []
  for (const field of fields) {
    const from = normalize(before?.[field])
    const to = normalize(after?.[field])
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to })
  }
  return changes
}

function normalize(value: unknown): unknown {
  if (value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  return value
}

const AUDIT_COLUMNS = sql.raw(`id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
  reseller_id, actor_type, actor_id, changes, ip_address, user_agent`)

/** An audit event's values, in AUDIT_COLUMNS' order; action, resource id and reseller are Params, so that a
 * statement that also writes the outbox event names them once. */
export function auditValues(
  actor: Actor,
  input: Omit<AuditInput, 'action' | 'resourceId' | 'resellerId'> & {
    action: Param
    resourceId: Param
    resellerId: Param
  },
): Sql {
  return sql`${newId()}, ${actor.tenantId}, now(), ${actor.correlationId}, ${input.action}, ${input.resource},
    ${input.resourceId}, ${input.resellerId}, ${actor.type}, ${actor.id}, ${JSON.stringify(input.changes)},
    ${actor.ipAddress}, ${actor.userAgent}`
}

/** The audit insert: one row, or one per row of a CTE `from` of the same statement (none when it is empty). */
export function auditInsert(values: Sql, from?: string): Sql {
  return from
    ? sql`INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${values} FROM ${sql.raw(from)}`
    : sql`INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${values})`
}
