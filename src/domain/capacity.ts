// The capacity rule — an allowance of -1 is unlimited, otherwise the count must stay below it — and the slots
// taken under it. A slot is taken by an UPDATE under the row's lock, so concurrent creates cannot overshoot.
import type { Queryable } from '../db/connection.ts'
import { type Sql, sql } from '../db/sql.ts'
import { limitReached } from './errors.ts'

/** SQL: the row has room for one more (its `allowed` column is -1, or its `count` column below it). */
export const hasRoom = (allowed: string, count: string): Sql =>
  sql`(${sql.raw(allowed)} = -1 OR ${sql.raw(count)} < ${sql.raw(allowed)})`

/** One of a live reseller's users, as a statement (no row: no such reseller, or no room). */
export const takeResellerUserSlot = (tenantId: unknown, resellerId: unknown): Sql =>
  sql`UPDATE resellers SET user_count = user_count + 1
   WHERE tenant_id = ${tenantId} AND id = ${resellerId} AND deleted_at IS NULL
     AND ${hasRoom('allowed_users', 'user_count')}
   RETURNING id`

/** One of a live reseller's organizations, as a statement (no row: no such reseller, or no room). */
export const takeResellerOrganizationSlot = (tenantId: string, resellerId: string): Sql =>
  sql`UPDATE resellers SET organization_count = organization_count + 1
   WHERE tenant_id = ${tenantId} AND id = ${resellerId} AND deleted_at IS NULL
     AND ${hasRoom('allowed_organizations', 'organization_count')}
   RETURNING id`

/** Gives an organization's user slot back (a user left it). */
export async function releaseOrganizationUserSlot(tx: Queryable, organizationId: string): Promise<void> {
  await tx.query(sql`UPDATE organizations SET user_count = user_count - 1 WHERE id = ${organizationId}`)
}

export const resellerUsersFull = () =>
  limitReached('The reseller has reached its allowed number of users.', 'USER_LIMIT_REACHED')
export const organizationUsersFull = () =>
  limitReached('The organization has reached its allowed number of users.', 'USER_LIMIT_REACHED')
export const resellerOrganizationsFull = () =>
  limitReached('The reseller has reached its allowed number of organizations.', 'ORGANIZATION_LIMIT_REACHED')
