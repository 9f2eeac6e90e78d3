// Changing a user: names, email, role, company, organization (within its capacity) and groups.
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { releaseOrganizationUserSlot } from '../capacity.ts'
import { isUnchanged, recordResourceChange } from '../changes.ts'
import { forbidden, invalid } from '../errors.ts'
import { addUserToGroups, resolveGroups } from '../groups.ts'
import type { Organization } from '../organizations.ts'
import type { Patch } from '../patch.ts'
import { assertResellerReach, assertRoleWithinReach, organizationRestrictionOf } from '../reach.ts'
import { lockUser } from './get.ts'
import { USER_TRACKING, type User } from './model.ts'
import { moveToOrganization } from './organization-slot.ts'

export interface UpdateUserInput {
  firstName: string
  lastName: string
  email: string
  role: string
  company: string | null
  /** null takes the user out of its organization. */
  organizationId: string | null
  allowCustomerPortalAccess: boolean
  /** Replaces the user's groups. */
  groupIds: string[]
}

/** The user's organization after the patch, its slots moved when it changes. */
async function organizationAfter(
  tx: Queryable,
  actor: Actor,
  tenantId: string,
  before: User,
  patch: Patch<UpdateUserInput>,
): Promise<Organization | null> {
  const target = patch.organizationId === undefined ? before.organizationId : patch.organizationId
  if (target === before.organizationId) return before.organization
  // An organization-admin's users stay in its organization.
  if (organizationRestrictionOf(actor) !== null)
    throw forbidden('This token reaches the users of its own organization only.')
  if (target !== null)
    return moveToOrganization(tx, tenantId, before.resellerId, before.organizationId, target)
  if (before.organizationId) await releaseOrganizationUserSlot(tx, before.organizationId)
  return null
}

async function assertRoleExists(tx: Queryable, tenantId: string, role: string): Promise<void> {
  const { rows } = await tx.query(sql`SELECT 1 FROM roles WHERE tenant_id = ${tenantId} AND name = ${role}`)
  if (rows.length === 0) throw invalid('role', `role "${role}" is not a role of this tenant.`)
}

export async function updateUser(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
  patch: Patch<UpdateUserInput>,
): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  const before = await lockUser(tx, actor, resellerId, id)
  const organization = await organizationAfter(tx, actor, tenantId, before, patch)
  if (patch.role !== undefined && patch.role !== before.role) {
    await assertRoleExists(tx, tenantId, patch.role)
    await assertRoleWithinReach(tx, actor, tenantId, patch.role)
  }
  const groups =
    patch.groupIds === undefined ? before.groups : await resolveGroups(tx, tenantId, patch.groupIds)
  const after: User = {
    ...before,
    firstName: patch.firstName ?? before.firstName,
    lastName: patch.lastName ?? before.lastName,
    email: patch.email ?? before.email,
    role: patch.role ?? before.role,
    company: patch.company === undefined ? before.company : patch.company,
    allowCustomerPortalAccess: patch.allowCustomerPortalAccess ?? before.allowCustomerPortalAccess,
    organizationId: organization?.id ?? null,
    organization,
    groups,
  }
  if (isUnchanged(USER_TRACKING, before, after)) return before

  const { rows } = await tx.query<{ updated_at: Date }>(
    sql`UPDATE users SET first_name = ${after.firstName}, last_name = ${after.lastName}, email = ${after.email},
       role = ${after.role}, company = ${after.company}, organization_id = ${after.organizationId},
       allow_customer_portal_access = ${after.allowCustomerPortalAccess}, updated_at = now()
     WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING updated_at`,
  )
  after.updatedAt = new Date((rows[0] as { updated_at: Date }).updated_at)
  if (patch.groupIds !== undefined) {
    await tx.query(sql`DELETE FROM user_groups WHERE tenant_id = ${tenantId} AND user_id = ${id}`)
    await addUserToGroups(tx, tenantId, id, groups)
  }
  await recordResourceChange(tx, actor, USER_TRACKING, 'updated', before, after)
  return after
}
