// Changing users: update (moving between organizations within limits), soft delete, password change.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import type { Actor } from '../actor.ts'
import { diff, recordAudit } from '../audit/record.ts'
import { recordResourceChange } from '../changes.ts'
import { invalid, limitReached, notFound } from '../errors.ts'
import { isUuid } from '../ids.ts'
import {
  ORGANIZATION_COLUMNS,
  type Organization,
  type OrganizationRow,
  toOrganization,
} from '../organizations.ts'
import type { Patch } from '../patch.ts'
import { assertResellerReach, tenantOf } from '../reach.ts'
import {
  fromJoinedRow,
  GROUPS,
  type JoinedRow,
  ORG_COLUMNS,
  resolveGroups,
  USER_AUDITED_FIELDS,
  USER_COLUMNS,
  USER_TRACKING,
  type User,
  userView,
} from './create.ts'

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

async function lockUser(tx: Queryable, tenantId: string, resellerId: string, id: string): Promise<User> {
  if (!isUuid(id)) throw notFound('User')
  const { rows } = await tx.query<JoinedRow>(
    `SELECT ${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}
     FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
     WHERE u.tenant_id = $1 AND u.reseller_id = $2 AND u.id = $3 AND u.deleted_at IS NULL
     FOR UPDATE OF u`,
    [tenantId, resellerId, id],
  )
  if (!rows[0]) throw notFound('User')
  return fromJoinedRow(rows[0])
}

/**
 * Moves a user between organizations of its reseller: both rows are locked in id order (so two moves in
 * opposite directions cannot deadlock), the target must have room, and the source gives its slot back.
 */
async function moveOrganization(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  from: string | null,
  to: string,
): Promise<Organization> {
  const notOfReseller = () =>
    invalid('organizationId', 'organizationId must name an organization of this reseller.')
  if (!isUuid(to)) throw notOfReseller()
  const ids = [from, to].filter((id): id is string => id !== null).sort()
  const { rows } = await tx.query<OrganizationRow & { user_count: number }>(
    `SELECT ${ORGANIZATION_COLUMNS.join(', ')}, user_count FROM organizations
     WHERE tenant_id = $1 AND reseller_id = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL
     ORDER BY id FOR UPDATE`,
    [tenantId, resellerId, ids],
  )
  const target = rows.find((row) => row.id === to)
  if (!target) throw notOfReseller()
  if (target.allowed_users !== -1 && target.user_count >= target.allowed_users)
    throw limitReached('The organization has reached its allowed number of users.', 'USER_LIMIT_REACHED')
  await tx.query('UPDATE organizations SET user_count = user_count + 1 WHERE id = $1', [to])
  if (from) await tx.query('UPDATE organizations SET user_count = user_count - 1 WHERE id = $1', [from])
  return toOrganization(target)
}

export async function updateUser(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
  patch: Patch<UpdateUserInput>,
): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  const before = await lockUser(tx, tenantId, resellerId, id)
  let organization = before.organization
  const targetOrganization = patch.organizationId === undefined ? before.organizationId : patch.organizationId
  if (targetOrganization !== before.organizationId) {
    if (targetOrganization === null) {
      await tx.query('UPDATE organizations SET user_count = user_count - 1 WHERE id = $1', [
        before.organizationId,
      ])
      organization = null
    } else {
      organization = await moveOrganization(
        tx,
        tenantId,
        resellerId,
        before.organizationId,
        targetOrganization,
      )
    }
  }
  if (patch.role !== undefined && patch.role !== before.role) {
    const role = await tx.query('SELECT 1 FROM roles WHERE tenant_id = $1 AND name = $2', [
      tenantId,
      patch.role,
    ])
    if (role.rows.length === 0) throw invalid('role', `role "${patch.role}" is not a role of this tenant.`)
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
  if (diff(userView(before), userView(after), USER_AUDITED_FIELDS).length === 0) return before

  const { rows } = await tx.query<{ updated_at: Date }>(
    `UPDATE users SET first_name = $3, last_name = $4, email = $5, role = $6, company = $7,
       organization_id = $8, allow_customer_portal_access = $9, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING updated_at`,
    [
      tenantId,
      id,
      after.firstName,
      after.lastName,
      after.email,
      after.role,
      after.company,
      after.organizationId,
      after.allowCustomerPortalAccess,
    ],
  )
  after.updatedAt = new Date((rows[0] as { updated_at: Date }).updated_at)
  if (patch.groupIds !== undefined) {
    await tx.query('DELETE FROM user_groups WHERE tenant_id = $1 AND user_id = $2', [tenantId, id])
    if (groups.length > 0)
      await tx.query(
        'INSERT INTO user_groups (tenant_id, user_id, group_id) SELECT $1, $2, unnest($3::uuid[])',
        [tenantId, id, groups.map((g) => g.id)],
      )
  }
  await recordResourceChange(tx, actor, USER_TRACKING, 'updated', before, after)
  return after
}

/** Soft delete: the user leaves every read and frees its email and its slots; the row and its history stay. */
export async function deleteUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  const before = await lockUser(tx, tenantId, resellerId, id)
  await tx.query('UPDATE users SET deleted_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ])
  await tx.query('UPDATE resellers SET user_count = user_count - 1 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    resellerId,
  ])
  if (before.organizationId)
    await tx.query('UPDATE organizations SET user_count = user_count - 1 WHERE id = $1', [
      before.organizationId,
    ])
  await recordResourceChange(tx, actor, USER_TRACKING, 'deleted', before, null)
}

/** Sets a user's password: hashed before the transaction opens; audited without any value. */
export async function setUserPassword(
  db: Db,
  actor: Actor,
  resellerId: string,
  id: string,
  password: string,
): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  const passwordHash = await hashPassword(password)
  await db.transaction(async (tx) => {
    await lockUser(tx, tenantId, resellerId, id)
    await tx.query(
      'UPDATE users SET password_hash = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2',
      [tenantId, id, passwordHash],
    )
    await recordAudit(tx, actor, {
      action: 'reseller.user.password.changed',
      resource: 'reseller.user',
      resourceId: id,
      resellerId,
      changes: [],
    })
  })
}

/**
 * The live user with this email (case-insensitively) that the actor may reach, for the v1 paths that name
 * users by email. With a resellerId, only that reseller's user; a reseller token only ever its own.
 */
export async function findUserByEmail(
  tx: Queryable,
  actor: Actor,
  email: string,
  resellerId: string | null,
): Promise<{ id: string; resellerId: string }> {
  const tenantId = resellerId !== null ? assertResellerReach(actor, resellerId) : tenantOf(actor)
  const scopeReseller = resellerId ?? (actor.role === 'reseller' ? actor.resellerId : null)
  const { rows } = await tx.query<{ id: string; reseller_id: string }>(
    `SELECT id, reseller_id FROM users
     WHERE tenant_id = $1 AND lower(email) = lower($2) AND deleted_at IS NULL
       AND ($3::uuid IS NULL OR reseller_id = $3::uuid)`,
    [tenantId, email, scopeReseller],
  )
  if (!rows[0]) throw notFound('User')
  return { id: rows[0].id, resellerId: rows[0].reseller_id }
}
