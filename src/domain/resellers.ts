// Resellers: the accounts that sell to organizations and own users.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { CONTACT_FIELDS, type ListQuery } from '../query/language.ts'
import { CONTACT_LIST, listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { isUnchanged, recordResourceChange, type Tracking } from './changes.ts'
import { revokeResellerClients } from './clients.ts'
import { conflict, notFound } from './errors.ts'
import { isUuid, newId } from './ids.ts'
import { definedOnly, type Patch } from './patch.ts'
import { assertCsp, assertResellerReach, reachScope } from './reach.ts'

export interface Reseller {
  id: string
  tenantId: string
  name: string
  email: string
  description: string | null
  allowedUsers: number
  allowedOrganizations: number
  createdAt: Date
  updatedAt: Date
}

export interface ResellerInput {
  name: string
  email: string
  description: string | null
  allowedUsers: number
  allowedOrganizations: number
}

const TRACKING: Tracking<Reseller> = {
  resource: 'reseller',
  fields: ['name', 'email', 'description', 'allowedUsers', 'allowedOrganizations'],
  resellerIdOf: (reseller) => reseller.id,
}

interface ResellerRow {
  id: string
  tenant_id: string
  name: string
  email: string
  description: string | null
  allowed_users: number
  allowed_organizations: number
  created_at: Date
  updated_at: Date
}

const COLUMNS =
  'id, tenant_id, name, email, description, allowed_users, allowed_organizations, created_at, updated_at'

function toReseller(row: ResellerRow): Reseller {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    email: row.email,
    description: row.description,
    allowedUsers: row.allowed_users,
    allowedOrganizations: row.allowed_organizations,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

export async function createReseller(tx: Queryable, actor: Actor, input: ResellerInput): Promise<Reseller> {
  const tenantId = assertCsp(actor)
  const { rows } = await tx.query<ResellerRow>(
    sql`INSERT INTO resellers (id, tenant_id, name, email, description, allowed_users, allowed_organizations,
       created_at, updated_at)
     VALUES (${newId()}, ${tenantId}, ${input.name}, ${input.email}, ${input.description}, ${input.allowedUsers},
       ${input.allowedOrganizations}, now(), now())
     RETURNING ${sql.raw(COLUMNS)}`,
  )
  const reseller = toReseller(rows[0] as ResellerRow)
  await recordResourceChange(tx, actor, TRACKING, 'created', null, reseller)
  return reseller
}

export async function getReseller(tx: Queryable, actor: Actor, id: string): Promise<Reseller> {
  const tenantId = assertResellerReach(actor, id)
  const { rows } = await tx.query<ResellerRow>(
    `SELECT ${COLUMNS} FROM resellers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [tenantId, id],
  )
  if (!rows[0]) throw notFound('Reseller')
  return toReseller(rows[0])
}

export const RESELLER_FIELDS = CONTACT_FIELDS

export async function listResellers(
  tx: Queryable,
  actor: Actor,
  query: ListQuery,
): Promise<{ items: Reseller[]; total: number }> {
  // A reseller token sees exactly its own reseller.
  const { rows, total } = await listPage<ResellerRow>(
    tx,
    {
      from: 'resellers',
      columns: COLUMNS,
      scope: sql`${reachScope(actor, 'id')} AND deleted_at IS NULL`,
      ...CONTACT_LIST,
    },
    query,
  )
  return { items: rows.map(toReseller), total }
}

export async function updateReseller(
  tx: Queryable,
  actor: Actor,
  id: string,
  patch: Patch<ResellerInput>,
): Promise<Reseller> {
  const tenantId = assertCsp(actor)
  if (!isUuid(id)) throw notFound('Reseller')
  const { rows } = await tx.query<ResellerRow>(
    `SELECT ${COLUMNS} FROM resellers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
    [tenantId, id],
  )
  if (!rows[0]) throw notFound('Reseller')
  const before = toReseller(rows[0])
  const after: Reseller = { ...before, ...definedOnly(patch) }
  if (isUnchanged(TRACKING, before, after)) return before
  const updated = await tx.query<ResellerRow>(
    sql`UPDATE resellers SET name = ${after.name}, email = ${after.email}, description = ${after.description},
       allowed_users = ${after.allowedUsers}, allowed_organizations = ${after.allowedOrganizations}, updated_at = now()
     WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING ${sql.raw(COLUMNS)}`,
  )
  const reseller = toReseller(updated.rows[0] as ResellerRow)
  await recordResourceChange(tx, actor, TRACKING, 'updated', before, reseller)
  return reseller
}

/** Deletes an empty reseller; answers the ids of its API clients, revoked with it. */
export async function deleteReseller(tx: Queryable, actor: Actor, id: string): Promise<string[]> {
  const tenantId = assertCsp(actor)
  if (!isUuid(id)) throw notFound('Reseller')
  const { rows } = await tx.query<ResellerRow & { user_count: number; organization_count: number }>(
    `SELECT ${COLUMNS}, user_count, organization_count FROM resellers
     WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
    [tenantId, id],
  )
  const row = rows[0]
  if (!row) throw notFound('Reseller')
  if (row.user_count > 0 || row.organization_count > 0)
    throw conflict('RESOURCE_IN_USE', 'The reseller still has users or organizations; delete them first.')
  await tx.query('UPDATE resellers SET deleted_at = now(), updated_at = now() WHERE id = $1', [id])
  // A deleted reseller's API clients die with it.
  const revoked = await revokeResellerClients(tx, actor, tenantId, id)
  await recordResourceChange(tx, actor, TRACKING, 'deleted', toReseller(row), null)
  return revoked
}
