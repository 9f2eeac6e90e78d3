// A user's place in an organization: taken under the organization's capacity, moved, given back.
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import { hasRoom, organizationUsersFull, releaseOrganizationUserSlot } from '../capacity.ts'
import { invalid } from '../errors.ts'
import { isUuid } from '../ids.ts'
import {
  ORGANIZATION_COLUMNS,
  type Organization,
  type OrganizationRow,
  toOrganization,
} from '../organizations.ts'

const notOfReseller = () =>
  invalid('organizationId', 'organizationId must name an organization of this reseller.')
const RETURNED = sql.raw(ORGANIZATION_COLUMNS.join(', '))

/** Takes one of an organization's user slots; refuses an organization not of the reseller, or a full one. */
export async function takeOrganizationUserSlot(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  organizationId: string,
): Promise<Organization> {
  if (!isUuid(organizationId)) throw notOfReseller()
  const { rows } = await tx.query<OrganizationRow>(
    sql`UPDATE organizations SET user_count = user_count + 1
     WHERE tenant_id = ${tenantId} AND reseller_id = ${resellerId} AND id = ${organizationId}
       AND deleted_at IS NULL AND ${hasRoom('allowed_users', 'user_count')}
     RETURNING ${RETURNED}`,
  )
  if (rows[0]) return toOrganization(rows[0])
  const exists = await tx.query(
    sql`SELECT 1 FROM organizations
     WHERE tenant_id = ${tenantId} AND reseller_id = ${resellerId} AND id = ${organizationId} AND deleted_at IS NULL`,
  )
  if (exists.rows.length === 0) throw notOfReseller()
  throw organizationUsersFull()
}

/**
 * Moves a user between organizations of its reseller: both rows are locked in id order (so two moves in
 * opposite directions cannot deadlock), the target must have room, and the source gives its slot back.
 */
export async function moveToOrganization(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  from: string | null,
  to: string,
): Promise<Organization> {
  if (!isUuid(to)) throw notOfReseller()
  const ids = [from, to].filter((id): id is string => id !== null).sort()
  const { rows } = await tx.query<OrganizationRow>(
    sql`SELECT ${RETURNED} FROM organizations
     WHERE tenant_id = ${tenantId} AND reseller_id = ${resellerId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NULL
     ORDER BY id FOR UPDATE`,
  )
  if (!rows.some((row) => row.id === to)) throw notOfReseller()
  const taken = await tx.query<OrganizationRow>(
    sql`UPDATE organizations SET user_count = user_count + 1
     WHERE id = ${to} AND ${hasRoom('allowed_users', 'user_count')} RETURNING ${RETURNED}`,
  )
  if (!taken.rows[0]) throw organizationUsersFull()
  if (from) await releaseOrganizationUserSlot(tx, from)
  return toOrganization(taken.rows[0])
}
