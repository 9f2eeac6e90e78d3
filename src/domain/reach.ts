// Tenancy and reseller reach: the one place that decides whom a principal may act on.
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

/** Page bounds shared by every list. */
export interface PageRequest {
  offset: number
  limit: number
}
