// Users: people under a reseller, optionally in one of its organizations. The seed operation lives here.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import type { Actor } from '../actor.ts'
import { changeStatement, recordResourceChange, type Tracking } from '../changes.ts'
import { invalid, limitReached, notFound } from '../errors.ts'
import { isUuid, newId } from '../ids.ts'
import {
  assertResellerExists,
  ORGANIZATION_COLUMNS,
  type Organization,
  type OrganizationRow,
  toOrganization,
} from '../organizations.ts'
import { assertResellerReach } from '../reach.ts'
import { DEFAULT_ROLE } from '../roles.ts'

export interface UserGroup {
  id: string
  name: string
}

export interface User {
  id: string
  tenantId: string
  resellerId: string
  organizationId: string | null
  organization: Organization | null
  firstName: string
  lastName: string
  email: string
  role: string
  company: string | null
  allowCustomerPortalAccess: boolean
  twoFactorEnabled: boolean
  googleSsoEnabled: boolean
  lastLoginAt: Date | null
  groups: UserGroup[]
  createdAt: Date
  updatedAt: Date
}

export interface CreateUserInput {
  /** A client-chosen id (the v1 contract allows one); a new UUIDv7 otherwise. */
  id?: string | undefined
  organizationId: string | null
  firstName: string
  lastName: string
  email: string
  /** A role name of the tenant; the default role when null. */
  role: string | null
  company: string | null
  allowCustomerPortalAccess: boolean
  /** An argon2id hash computed before the transaction opens (see auth/passwords); null: no password yet. */
  passwordHash: string | null
  groupIds: string[]
}

export const USER_AUDITED_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'role',
  'company',
  'organizationId',
  'allowCustomerPortalAccess',
  'groupIds',
] as const

export interface UserRow {
  id: string
  tenant_id: string
  reseller_id: string
  organization_id: string | null
  first_name: string
  last_name: string
  email: string
  role: string
  company: string | null
  allow_customer_portal_access: boolean
  two_factor_enabled: boolean
  google_sso_enabled: boolean
  last_login_at: Date | null
  created_at: Date
  updated_at: Date
}

export type JoinedRow = UserRow & { groups: UserGroup[] | string } & Record<string, unknown>

export const USER_COLUMNS = `u.id, u.tenant_id, u.reseller_id, u.organization_id, u.first_name, u.last_name, u.email,
  u.role, u.company, u.allow_customer_portal_access, u.two_factor_enabled, u.google_sso_enabled,
  u.last_login_at, u.created_at, u.updated_at`
export const ORG_COLUMNS = ORGANIZATION_COLUMNS.map((c) => `o.${c} AS org_${c}`).join(', ')
export const GROUPS = `COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name)
  FROM user_groups ug JOIN groups g ON g.id = ug.group_id
  WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id), '[]'::json) AS groups`

export function toUser(row: UserRow, organization: Organization | null, groups: UserGroup[]): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    resellerId: row.reseller_id,
    organizationId: row.organization_id,
    organization,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    role: row.role,
    company: row.company,
    allowCustomerPortalAccess: row.allow_customer_portal_access,
    twoFactorEnabled: row.two_factor_enabled,
    googleSsoEnabled: row.google_sso_enabled,
    lastLoginAt: row.last_login_at ? new Date(row.last_login_at) : null,
    groups,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

export function fromJoinedRow(row: JoinedRow): User {
  let organization: Organization | null = null
  if (row.org_id) {
    const orgRow = Object.fromEntries(
      ORGANIZATION_COLUMNS.map((c) => [c, row[`org_${c}`]]),
    ) as unknown as OrganizationRow
    organization = toOrganization(orgRow)
  }
  const groups = typeof row.groups === 'string' ? (JSON.parse(row.groups) as UserGroup[]) : row.groups
  return toUser(row, organization, groups)
}

/** The flat record a user's changes are read from: its fields, and its groups as sorted ids. */
export const userView = (user: User): Record<string, unknown> => ({
  ...user,
  groupIds: user.groups.map((g) => g.id).sort(),
})

export const USER_TRACKING: Tracking<User> = {
  resource: 'reseller.user',
  fields: USER_AUDITED_FIELDS,
  view: userView,
  resellerIdOf: (user) => user.resellerId,
}

export async function createUser(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  input: CreateUserInput,
): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  if (input.id !== undefined && !isUuid(input.id)) throw invalid('id', 'id must be a UUID.')
  const role = input.role ?? DEFAULT_ROLE
  const groups = await resolveGroups(tx, tenantId, input.groupIds)

  // Take a slot of the reseller's allowedUsers under its row lock (then the organization's, always in
  // that order): concurrent creates racing for the last slot cannot both win.
  const slot = await tx.query(takeResellerSlot('$1', '$2'), [tenantId, resellerId], { isPrepared: true })
  if (slot.rowCount === 0) {
    await assertResellerExists(tx, tenantId, resellerId)
    throw limitReached('The reseller has reached its allowed number of users.', 'USER_LIMIT_REACHED')
  }
  const organization = input.organizationId
    ? await takeOrganizationSlot(tx, tenantId, resellerId, input.organizationId)
    : null

  // The role is checked by the users_role_fkey foreign key, in the insert itself: one round trip fewer.
  const { rows } = await tx
    .query<UserRow>(
      `INSERT INTO users (${INSERT_COLUMNS}, created_at, updated_at)
     VALUES (${insertPlaceholders(0)}, now(), now())
     RETURNING ${USER_COLUMNS.replaceAll('u.', '')}`,
      insertValues(input.id ?? newId(), tenantId, resellerId, organization?.id ?? null, role, input),
      { isPrepared: true },
    )
    .catch(mapRoleError(role))
  const row = rows[0] as UserRow
  if (groups.length > 0) {
    await tx.query(
      `INSERT INTO user_groups (tenant_id, user_id, group_id) SELECT $1, $2, unnest($3::uuid[])`,
      [tenantId, row.id, groups.map((g) => g.id)],
    )
  }
  const user = toUser(row, organization, groups)
  await recordResourceChange(tx, actor, USER_TRACKING, 'created', null, user)
  return user
}

/**
 * Creates a user with a password: the reach check first (cheap), then the argon2id hash on a hashing
 * thread, before any statement, so no row lock is held while hashing. A user in no organization and no group
 * is created by one statement (createUserAtOnce); otherwise, or when that statement takes no slot, by the
 * transaction of createUser, which also tells why a slot cannot be taken.
 */
export async function createUserWithPassword(
  db: Db,
  actor: Actor,
  resellerId: string,
  input: Omit<CreateUserInput, 'passwordHash'> & { password: string | null },
): Promise<User> {
  assertResellerReach(actor, resellerId)
  const { password, ...rest } = input
  const passwordHash = password === null ? null : await hashPassword(password)
  const full = { ...rest, passwordHash }
  if (full.organizationId === null && full.groupIds.length === 0) {
    const user = await createUserAtOnce(db, actor, resellerId, full)
    if (user) return user
  }
  return db.transaction((tx) => createUser(tx, actor, resellerId, full))
}

/**
 * One of a reseller's allowedUsers, taken under its row lock (no row: no such live reseller, or none left):
 * concurrent creates racing for the last slot cannot both win. SQL over the tenant's and reseller's params.
 */
const takeResellerSlot = (tenant: string, reseller: string) =>
  `UPDATE resellers SET user_count = user_count + 1
   WHERE tenant_id = ${tenant} AND id = ${reseller} AND deleted_at IS NULL
     AND (allowed_users = -1 OR user_count < allowed_users)
   RETURNING id`

/** The columns a create writes, and their values for a new user (the rest take their defaults). */
const INSERT_COLUMNS = `id, tenant_id, reseller_id, organization_id, first_name, last_name, email, role, company,
  allow_customer_portal_access, password_hash`
const insertValues = (
  id: string,
  tenantId: string,
  resellerId: string,
  organizationId: string | null,
  role: string,
  input: CreateUserInput,
): unknown[] => [
  id,
  tenantId,
  resellerId,
  organizationId,
  input.firstName,
  input.lastName,
  input.email,
  role,
  input.company,
  input.allowCustomerPortalAccess,
  input.passwordHash,
]
/** $from+1 … $from+11: insertValues' placeholders. */
const insertPlaceholders = (from: number) =>
  Array.from({ length: 11 }, (_, i) => `$${from + i + 1}`).join(', ')

const mapRoleError = (role: string) => (error: { code?: string; constraint?: string }) => {
  if (error?.code === '23503' && error.constraint === 'users_role_fkey')
    throw invalid('role', `role "${role}" is not a role of this tenant.`)
  throw error
}

/** A timestamp as JSON.stringify writes a Date: UTC, to the millisecond. */
const JSON_TIME = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`

/**
 * createUser for a user in no organization and no group, as one statement, its own transaction: the
 * reseller's slot, the row, the audit and outbox events and the NOTIFY. One round trip instead of five
 * (BEGIN, slot, insert, events, COMMIT): on a small machine each costs the API and the database about
 * 0.3 ms of CPU, a fifth of what a create costs beyond its password hash. The events are written only if
 * the insert is (they read its row), and the event's times are the row's. Null: no slot was taken (no
 * such reseller, or its limit): the caller's transaction then tells which.
 */
async function createUserAtOnce(
  db: Db,
  actor: Actor,
  resellerId: string,
  request: CreateUserInput,
): Promise<User | null> {
  // The strings as the database will store them (UTF-8 has no lone UTF-16 surrogate: U+FFFD), since the
  // events below are built from them, not from the stored row; jsonb would refuse a lone surrogate.
  const wellFormed = (text: string) => text.toWellFormed()
  const input: CreateUserInput = {
    ...request,
    firstName: wellFormed(request.firstName),
    lastName: wellFormed(request.lastName),
    email: wellFormed(request.email),
    role: request.role === null ? null : wellFormed(request.role),
    company: request.company === null ? null : wellFormed(request.company),
  }
  const tenantId = assertResellerReach(actor, resellerId)
  if (input.id !== undefined && !isUuid(input.id)) throw invalid('id', 'id must be a UUID.')
  const role = input.role ?? DEFAULT_ROLE
  const id = input.id ?? newId()
  // The user as the insert below writes it (the other columns take the defaults of 0001: false, false, null);
  // the times are the database's, patched into the event's data.
  const draft = toUser(
    {
      id,
      tenant_id: tenantId,
      reseller_id: resellerId,
      organization_id: null,
      first_name: input.firstName,
      last_name: input.lastName,
      email: input.email,
      role,
      company: input.company,
      allow_customer_portal_access: input.allowCustomerPortalAccess,
      two_factor_enabled: false,
      google_sso_enabled: false,
      last_login_at: null,
      created_at: new Date(0),
      updated_at: new Date(0),
    },
    null,
    [],
  )
  const change = changeStatement(actor, USER_TRACKING, 'created', null, draft, {
    from: 'ins',
    data: `jsonb_set(jsonb_set($15::jsonb, '{createdAt}', to_jsonb(ins.at)), '{updatedAt}', to_jsonb(ins.at))`,
  })
  const p = change.params.length
  const { rows } = await db
    .query<UserRow>(
      `WITH slot AS (${takeResellerSlot(`$${p + 2}`, `$${p + 3}`)}), ins AS (
         INSERT INTO users (${INSERT_COLUMNS}, created_at, updated_at)
         SELECT ${insertPlaceholders(p)}, now(), now() FROM slot
         RETURNING ${USER_COLUMNS.replaceAll('u.', '')},
           to_char(created_at AT TIME ZONE 'UTC', ${JSON_TIME}) AS at
       ), ${change.ctes}
       SELECT ins.*, ${change.notify} FROM ins`,
      [...change.params, ...insertValues(id, tenantId, resellerId, null, role, input)],
      { isPrepared: true },
    )
    .catch(mapRoleError(role))
  return rows[0] ? toUser(rows[0], null, []) : null
}

export async function getUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  if (!isUuid(id)) throw notFound('User')
  const { rows } = await tx.query<JoinedRow>(
    `SELECT ${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}
     FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
     WHERE u.tenant_id = $1 AND u.reseller_id = $2 AND u.id = $3 AND u.deleted_at IS NULL`,
    [tenantId, resellerId, id],
    { isPrepared: true },
  )
  if (!rows[0]) throw notFound('User')
  return fromJoinedRow(rows[0])
}

export async function resolveGroups(
  tx: Queryable,
  tenantId: string,
  groupIds: string[],
): Promise<UserGroup[]> {
  if (groupIds.length === 0) return []
  groupIds.forEach((id, index) => {
    if (!isUuid(id)) throw invalid(`groupIds[${index}]`, 'The group id must be a UUID.')
  })
  const { rows } = await tx.query<UserGroup>(
    'SELECT id, name FROM groups WHERE tenant_id = $1 AND id = ANY($2::uuid[])',
    [tenantId, groupIds],
  )
  const found = new Map(rows.map((g) => [g.id, g]))
  const groups: UserGroup[] = []
  groupIds.forEach((id, index) => {
    const group = found.get(id.toLowerCase())
    if (!group) throw invalid(`groupIds[${index}]`, `The group "${id}" does not exist.`)
    if (!groups.some((g) => g.id === group.id)) groups.push(group)
  })
  return groups.sort((a, b) => a.name.localeCompare(b.name))
}

export async function takeOrganizationSlot(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  organizationId: string,
): Promise<Organization> {
  const notOfReseller = () =>
    invalid('organizationId', 'organizationId must name an organization of this reseller.')
  if (!isUuid(organizationId)) throw notOfReseller()
  const { rows } = await tx.query<OrganizationRow>(
    `UPDATE organizations SET user_count = user_count + 1
     WHERE tenant_id = $1 AND reseller_id = $2 AND id = $3 AND deleted_at IS NULL
       AND (allowed_users = -1 OR user_count < allowed_users)
     RETURNING ${ORGANIZATION_COLUMNS.join(', ')}`,
    [tenantId, resellerId, organizationId],
  )
  if (rows[0]) return toOrganization(rows[0])
  const exists = await tx.query(
    'SELECT 1 FROM organizations WHERE tenant_id = $1 AND reseller_id = $2 AND id = $3 AND deleted_at IS NULL',
    [tenantId, resellerId, organizationId],
  )
  if (exists.rows.length === 0) throw notOfReseller()
  throw limitReached('The organization has reached its allowed number of users.', 'USER_LIMIT_REACHED')
}
