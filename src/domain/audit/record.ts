// Audit events: one per change, written with the change's transaction, never updated.
import type { Queryable } from '../../db/connection.ts'
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

/** The changes between two snapshots of a resource; fields in `secret` never appear. */
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

const AUDIT_COLUMNS = `id, tenant_id, occurred_at, correlation_id, action, resource, resource_id, reseller_id,
  actor_type, actor_id, changes, ip_address, user_agent`
const AUDIT_VALUES = '$1, $2, now(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12'

/** The audit insert, $1..$12: on its own in recordAudit, or inside a larger statement (domain/changes.ts). */
export const AUDIT_INSERT = `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${AUDIT_VALUES})`

/** AUDIT_INSERT once per row of a CTE of the same statement: none when the CTE holds no row. */
export const auditInsertFor = (cte: string) =>
  `INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${AUDIT_VALUES} FROM ${cte}`

/** AUDIT_INSERT's parameters; $4 is the action, $6 the resource id, $7 the reseller. */
export function auditParams(actor: Actor, input: AuditInput): unknown[] {
  return [
    newId(),
    actor.tenantId,
    actor.correlationId,
    input.action,
    input.resource,
    input.resourceId,
    input.resellerId,
    actor.type,
    actor.id,
    JSON.stringify(input.changes),
    actor.ipAddress,
    actor.userAgent,
  ]
}

export async function recordAudit(tx: Queryable, actor: Actor, input: AuditInput): Promise<void> {
  await tx.query(AUDIT_INSERT, auditParams(actor, input))
}
