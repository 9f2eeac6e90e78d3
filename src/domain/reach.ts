// Tenancy, reseller and organization reach: the one place that decides whom a principal may act on.
import type { Queryable } from '../db/connection.ts'
import { type Sql, sql } from '../db/sql.ts'
import type { Actor } from './actor.ts'
import { forbidden, notFound } from './errors.ts'
import { isUuid } from './ids.ts'

/** The tenant the actor works in; the platform operator has none and reaches no tenant's data. */
export function tenantOf(actor: Actor): string {
  if (actor.role === 'platform' || actor.tenantId === null)
    throw forbidden('This token reaches no tenant data.')
  return actor.tenantId
}

/**
 * The rows of a table the actor reaches: its tenant's, and for a reseller token only those whose `column`
 * names its reseller. SQL over the table's own columns, for a list's scope.
 */
export function reachScope(actor: Actor, resellerColumn: string): Sql {
  const own =
    actor.role === 'reseller' ? sql` AND ${sql.raw(resellerColumn)} = ${actor.resellerId}` : sql.empty
  return sql`tenant_id = ${tenantOf(actor)}${own}`
}

export function canActOnReseller(actor: Actor, resellerId: string): boolean {
  if (actor.role === 'csp') return true
  return actor.role === 'reseller' && actor.resellerId === resellerId
}

/**
 * A reseller token naming another reseller is refused with 403 whether or not that reseller
 * exists, so the answer reveals nothing; an id that is not a UUID cannot exist (404).
 */
export function assertResellerReach(actor: Actor, resellerId: string): string {
  const tenantId = tenantOf(actor)
  if (!canActOnReseller(actor, resellerId)) throw forbidden('This token cannot act on that reseller.')
  if (!isUuid(resellerId)) throw notFound('Reseller')
  return tenantId
}

export function assertCsp(actor: Actor): string {
  const tenantId = tenantOf(actor)
  if (actor.role !== 'csp') throw forbidden('Only a csp token may do this.')
  return tenantId
}

/**
 * The organization a signed-in organization-admin is held to (its token's restriction): every user read, list,
 * export, create, update and delete of both dialects goes through the helpers below. Null: no restriction.
 */
export const organizationRestrictionOf = (actor: Actor): string | null => actor.organizationId ?? null

/** ` AND <column> = <the organization>` for a restricted actor, nothing for the others. */
export function organizationScope(actor: Actor, column: string): Sql {
  const organizationId = organizationRestrictionOf(actor)
  return organizationId === null ? sql.empty : sql` AND ${sql.raw(column)} = ${organizationId}::uuid`
}

/**
 * A user the actor may act on: outside a restricted actor's organization it is not found (as a user of another
 * reseller is). A signed-in user always reaches itself.
 */
export function assertUserInReach(actor: Actor, user: { id: string; organizationId: string | null }): void {
  const organizationId = organizationRestrictionOf(actor)
  if (organizationId === null || user.organizationId === organizationId) return
  if (actor.type === 'user' && actor.id === user.id) return
  throw notFound('User')
}

/**
 * The organization a user created or moved by the actor goes to: any the caller names, or for a restricted
 * actor its own only (its own when none is named).
 */
export function organizationForActor(actor: Actor, requested: string | null): string | null {
  const organizationId = organizationRestrictionOf(actor)
  if (organizationId === null) return requested
  if (requested !== null && requested.toLowerCase() !== organizationId)
    throw forbidden('This token reaches the users of its own organization only.')
  return organizationId
}

/**
 * A signed-in user gives a role (creating or changing a user), or acts on a user of a role, only if the role
 * claims nothing its own token lacks: an organization-admin can neither make a reseller-admin nor change one.
 * API clients are trusted with every role.
 */
export async function assertRoleWithinReach(
  tx: Queryable,
  actor: Actor,
  tenantId: string,
  role: string,
): Promise<void> {
  if (actor.type !== 'user') return
  const { rows } = await tx.query<{ claims: string[] }>(
    sql`SELECT claims FROM roles WHERE tenant_id = ${tenantId} AND name = ${role}`,
  )
  // An unknown role is refused where the user is written (users_role_fkey, or the update's check).
  const extra = rows[0]?.claims.find((claim) => !actor.scopes.has(claim))
  if (extra !== undefined)
    throw forbidden(
      `This token cannot act on the role "${role}": it claims "${extra}", which the token lacks.`,
    )
}

/** Page bounds shared by every list. */
export interface PageRequest {
  offset: number
  limit: number
}
