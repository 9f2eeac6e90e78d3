// Roles (v3): a user's role is a role name of the tenant. Three built-ins exist in every tenant and are
// read-only; custom roles may be added and changed, but a role in use keeps its name.
import { isScope, SCOPES } from '../auth/scopes.ts'
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import type { FieldSpec, ListQuery } from '../query/language.ts'
import { BY_CREATION, listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { isUnchanged, recordResourceChange, type Tracking } from './changes.ts'
import { conflict, forbidden, invalid, notFound } from './errors.ts'
import { isUuid, newId } from './ids.ts'
import { definedOnly, type Patch } from './patch.ts'
import { assertCsp, tenantOf } from './reach.ts'

export const DEFAULT_ROLE = 'user'

/**
 * The claims a role may hold, grouped by the resource they act on (`reseller:user:read` → `reseller:user`), as
 * Cryptlex's GET /v3/roles/claims answers them.
 */
export function claimsByResource(): Record<string, string[]> {
  const groups: Record<string, string[]> = {}
  for (const scope of SCOPES) {
    const resource = scope.slice(0, scope.lastIndexOf(':'))
    groups[resource] = [...(groups[resource] ?? []), scope]
  }
  return groups
}

export const BUILTIN_ROLES: readonly { name: string; description: string; claims: string[] }[] = [
  {
    name: 'reseller-admin',
    description: 'Manages the reseller, its organizations and its users.',
    claims: SCOPES.filter((scope) => scope.startsWith('reseller:') && scope !== 'reseller:write'),
  },
  {
    name: 'organization-admin',
    description: 'Manages the users of one organization.',
    claims: SCOPES.filter((scope) => scope.startsWith('reseller:user:')),
  },
  { name: 'user', description: 'A user of the customer portal.', claims: [] },
]

export interface Role {
  id: string
  tenantId: string
  name: string
  description: string | null
  claims: string[]
  isBuiltin: boolean
  createdAt: Date
  updatedAt: Date
}

export interface RoleInput {
  name: string
  description: string | null
  claims: string[]
}

export const ROLE_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', kind: 'id' },
  name: { column: 'name', kind: 'text' },
  createdAt: { column: 'created_at', kind: 'date' },
  updatedAt: { column: 'updated_at', kind: 'date' },
}

interface RoleRow {
  id: string
  tenant_id: string
  name: string
  description: string | null
  claims: string[]
  is_builtin: boolean
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, tenant_id, name, description, claims, is_builtin, created_at, updated_at'
const TRACKING: Tracking<Role> = {
  resource: 'role',
  fields: ['name', 'description', 'claims'],
  resellerIdOf: () => null,
}

const toRole = (row: RoleRow): Role => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  claims: row.claims,
  isBuiltin: row.is_builtin,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
})

export async function seedBuiltinRoles(tx: Queryable, tenantId: string): Promise<void> {
  for (const role of BUILTIN_ROLES) {
    await tx.query(
      `INSERT INTO roles (id, tenant_id, name, description, claims, is_builtin, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, true, now(), now()) ON CONFLICT (tenant_id, name) DO NOTHING`,
      [newId(), tenantId, role.name, role.description, role.claims],
    )
  }
}

function checkClaims(claims: readonly string[]): string[] {
  claims.forEach((claim, index) => {
    if (!isScope(claim)) throw invalid(`claims[${index}]`, `"${claim}" is not a known claim.`)
  })
  return [...new Set(claims)]
}

export async function createRole(tx: Queryable, actor: Actor, input: RoleInput): Promise<Role> {
  const tenantId = assertCsp(actor)
  const { rows } = await tx.query<RoleRow>(
    `INSERT INTO roles (id, tenant_id, name, description, claims, is_builtin, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, false, now(), now()) RETURNING ${COLUMNS}`,
    [newId(), tenantId, input.name, input.description, checkClaims(input.claims)],
  )
  const role = toRole(rows[0] as RoleRow)
  await recordResourceChange(tx, actor, TRACKING, 'created', null, role)
  return role
}

export async function getRole(tx: Queryable, actor: Actor, id: string): Promise<Role> {
  const tenantId = tenantOf(actor)
  if (!isUuid(id)) throw notFound('Role')
  const { rows } = await tx.query<RoleRow>(`SELECT ${COLUMNS} FROM roles WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
  ])
  if (!rows[0]) throw notFound('Role')
  return toRole(rows[0])
}

export async function listRoles(
  tx: Queryable,
  actor: Actor,
  query: ListQuery,
): Promise<{ items: Role[]; total: number }> {
  const { rows, total } = await listPage<RoleRow>(
    tx,
    {
      from: 'roles',
      columns: COLUMNS,
      scope: sql`tenant_id = ${tenantOf(actor)}`,
      fields: ROLE_FIELDS,
      defaultSort: BY_CREATION,
      searchColumns: ['name'],
    },
    query,
  )
  return { items: rows.map(toRole), total }
}

export async function updateRole(
  tx: Queryable,
  actor: Actor,
  id: string,
  patch: Patch<RoleInput>,
): Promise<Role> {
  const tenantId = assertCsp(actor)
  if (!isUuid(id)) throw notFound('Role')
  const { rows } = await tx.query<RoleRow>(
    `SELECT ${COLUMNS} FROM roles WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [tenantId, id],
  )
  if (!rows[0]) throw notFound('Role')
  const before = toRole(rows[0])
  if (before.isBuiltin) throw forbidden('Built-in roles are read-only.')
  const defined = definedOnly(patch)
  const after: Role = {
    ...before,
    ...defined,
    claims: defined.claims ? checkClaims(defined.claims) : before.claims,
  }
  if (isUnchanged(TRACKING, before, after)) return before
  if (after.name !== before.name) {
    const inUse = await tx.query(
      'SELECT 1 FROM users WHERE tenant_id = $1 AND role = $2 AND deleted_at IS NULL LIMIT 1',
      [tenantId, before.name],
    )
    if (inUse.rows.length > 0)
      throw conflict('ROLE_IN_USE', 'The role is in use: users still have it, so it keeps its name.', 'name')
  }
  const updated = await tx.query<RoleRow>(
    `UPDATE roles SET name = $3, description = $4, claims = $5, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, after.name, after.description, after.claims],
  )
  const role = toRole(updated.rows[0] as RoleRow)
  await recordResourceChange(tx, actor, TRACKING, 'updated', before, role)
  return role
}

/**
 * Deletes a custom role. A built-in role cannot be deleted (403); a role that active users hold cannot either
 * (409, naming how many). Users deleted earlier that still name it are given the built-in `user` role, which
 * changes nothing for them: a deleted user acts as nobody.
 */
export async function deleteRole(tx: Queryable, actor: Actor, id: string): Promise<void> {
  const tenantId = assertCsp(actor)
  if (!isUuid(id)) throw notFound('Role')
  const { rows } = await tx.query<RoleRow>(
    sql`SELECT ${sql.raw(COLUMNS)} FROM roles WHERE tenant_id = ${tenantId} AND id = ${id} FOR UPDATE`,
  )
  if (!rows[0]) throw notFound('Role')
  const role = toRole(rows[0])
  if (role.isBuiltin) throw forbidden('Built-in roles cannot be deleted.')
  const held = await tx.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM users
        WHERE tenant_id = ${tenantId} AND role = ${role.name} AND deleted_at IS NULL`,
  )
  const holders = held.rows[0]?.n ?? 0
  if (holders > 0)
    throw conflict(
      'ROLE_IN_USE',
      `The role is in use: ${holders} user${holders === 1 ? '' : 's'} hold${holders === 1 ? 's' : ''} it. Give them another role first.`,
    )
  await tx.query(
    sql`UPDATE users SET role = 'user' WHERE tenant_id = ${tenantId} AND role = ${role.name} AND deleted_at IS NOT NULL`,
  )
  await tx.query(sql`DELETE FROM roles WHERE tenant_id = ${tenantId} AND id = ${id}`)
  await recordResourceChange(tx, actor, TRACKING, 'deleted', role, null)
}
