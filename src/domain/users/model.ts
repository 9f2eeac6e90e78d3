// A user: people under a reseller, optionally in one of its organizations; its row, its columns, its audit.
import type { Actor } from '../actor.ts'
import type { Tracking } from '../changes.ts'
import {
  ORGANIZATION_COLUMNS,
  type Organization,
  type OrganizationRow,
  toOrganization,
} from '../organizations.ts'

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
    // The driver's own Dates (both drivers parse timestamptz to one): a copy each was two allocations a row.
    lastLoginAt: row.last_login_at,
    groups,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
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

/** How a user is named where one name is shown: first and last name, or the first alone (as the
 * users.name column of migration 0002 computes it for lists and search). */
export const displayName = (user: Pick<User, 'firstName' | 'lastName'>): string =>
  user.lastName ? `${user.firstName} ${user.lastName}` : user.firstName

/**
 * The user acting on itself without a session of its own: through a link it was mailed (it holds the link), or
 * at the end of an identity provider's sign-in. It reaches its own reseller only, and holds no scope.
 */
export const selfActor = (
  user: User,
  facts: Pick<Actor, 'correlationId' | 'ipAddress' | 'userAgent'>,
): Actor => ({
  type: 'user',
  id: user.id,
  role: 'reseller',
  tenantId: user.tenantId,
  resellerId: user.resellerId,
  scopes: new Set(),
  ...facts,
})
