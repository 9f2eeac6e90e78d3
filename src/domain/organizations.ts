// Organizations: a reseller's customers, which users may belong to.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { CONTACT_FIELDS, type FieldSpec, type ListQuery } from '../query/language.ts'
import { CONTACT_LIST, listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { resellerOrganizationsFull, takeResellerOrganizationSlot } from './capacity.ts'
import { isUnchanged, recordResourceChange, type Tracking } from './changes.ts'
import { conflict, notFound } from './errors.ts'
import { isUuid, newId } from './ids.ts'
import { definedOnly, type Patch } from './patch.ts'
import { assertResellerReach, reachScope } from './reach.ts'

export interface Address {
  addressLine1: string | null
  addressLine2: string | null
  city: string | null
  state: string | null
  country: string | null
  postalCode: string | null
}

export interface Organization {
  id: string
  tenantId: string
  resellerId: string
  name: string
  email: string
  description: string | null
  allowedUsers: number
  address: Address
  createdAt: Date
  updatedAt: Date
}

export interface OrganizationInput {
  name: string
  email: string
  description: string | null
  allowedUsers: number
  address: Partial<Address>
}

export interface OrganizationRow {
  id: string
  tenant_id: string
  reseller_id: string
  name: string
  email: string
  description: string | null
  allowed_users: number
  address_line1: string | null
  address_line2: string | null
  city: string | null
  state: string | null
  country: string | null
  postal_code: string | null
  created_at: Date
  updated_at: Date
}

export const ORGANIZATION_COLUMNS = [
  'id',
  'tenant_id',
  'reseller_id',
  'name',
  'email',
  'description',
  'allowed_users',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'country',
  'postal_code',
  'created_at',
  'updated_at',
] as const
const COLUMNS = ORGANIZATION_COLUMNS.join(', ')

const AUDITED = [
  'name',
  'email',
  'description',
  'allowedUsers',
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'country',
  'postalCode',
] as const

export const EMPTY_ADDRESS: Address = {
  addressLine1: null,
  addressLine2: null,
  city: null,
  state: null,
  country: null,
  postalCode: null,
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    resellerId: row.reseller_id,
    name: row.name,
    email: row.email,
    description: row.description,
    allowedUsers: row.allowed_users,
    address: {
      addressLine1: row.address_line1,
      addressLine2: row.address_line2,
      city: row.city,
      state: row.state,
      country: row.country,
      postalCode: row.postal_code,
    },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

const TRACKING: Tracking<Organization> = {
  resource: 'reseller.organization',
  fields: AUDITED,
  view: (org) => ({ ...org, ...org.address }),
  resellerIdOf: (org) => org.resellerId,
}

const addressValues = (a: Address) =>
  sql`${a.addressLine1}, ${a.addressLine2}, ${a.city}, ${a.state}, ${a.country}, ${a.postalCode}`

export async function createOrganization(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  input: OrganizationInput,
): Promise<Organization> {
  const tenantId = assertResellerReach(actor, resellerId)
  const slot = await tx.query(takeResellerOrganizationSlot(tenantId, resellerId))
  if (slot.rowCount === 0) {
    await assertResellerExists(tx, tenantId, resellerId)
    throw resellerOrganizationsFull()
  }
  const address = { ...EMPTY_ADDRESS, ...definedOnly(input.address) }
  const { rows } = await tx.query<OrganizationRow>(
    sql`INSERT INTO organizations (id, tenant_id, reseller_id, name, email, description, allowed_users,
       address_line1, address_line2, city, state, country, postal_code, created_at, updated_at)
     VALUES (${newId()}, ${tenantId}, ${resellerId}, ${input.name}, ${input.email}, ${input.description},
       ${input.allowedUsers}, ${addressValues(address)}, now(), now())
     RETURNING ${sql.raw(COLUMNS)}`,
  )
  const organization = toOrganization(rows[0] as OrganizationRow)
  await recordResourceChange(tx, actor, TRACKING, 'created', null, organization)
  return organization
}

export async function getOrganization(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
): Promise<Organization> {
  const tenantId = assertResellerReach(actor, resellerId)
  const row = await findOrganizationRow(tx, tenantId, resellerId, id, false)
  if (!row) throw notFound('Organization')
  return toOrganization(row)
}

export const ORGANIZATION_FIELDS: Record<string, FieldSpec> = {
  ...CONTACT_FIELDS,
  // Cryptlex's: the path names the reseller already, so another reseller's id lists none.
  resellerId: {
    column: 'reseller_id',
    kind: 'id',
    isSortable: false,
    description:
      "The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none.",
  },
}

export async function listOrganizations(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  query: ListQuery,
): Promise<{ items: Organization[]; total: number }> {
  const tenantId = assertResellerReach(actor, resellerId)
  await assertResellerExists(tx, tenantId, resellerId)
  const { rows, total } = await listPage<OrganizationRow>(
    tx,
    {
      from: 'organizations',
      columns: COLUMNS,
      scope: sql`tenant_id = ${tenantId} AND reseller_id = ${resellerId} AND deleted_at IS NULL`,
      ...CONTACT_LIST,
      fields: ORGANIZATION_FIELDS,
    },
    query,
  )
  return { items: rows.map(toOrganization), total }
}

export async function updateOrganization(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
  patch: Patch<OrganizationInput>,
): Promise<Organization> {
  const tenantId = assertResellerReach(actor, resellerId)
  const row = await findOrganizationRow(tx, tenantId, resellerId, id, true)
  if (!row) throw notFound('Organization')
  const before = toOrganization(row)
  const { address, ...rest } = definedOnly(patch)
  const after: Organization = {
    ...before,
    ...rest,
    address: { ...before.address, ...definedOnly(address ?? {}) },
  }
  if (isUnchanged(TRACKING, before, after)) return before
  const updated = await tx.query<OrganizationRow>(
    sql`UPDATE organizations SET name = ${after.name}, email = ${after.email}, description = ${after.description},
       allowed_users = ${after.allowedUsers}, (address_line1, address_line2, city, state, country, postal_code) =
         (${addressValues(after.address)}), updated_at = now()
     WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING ${sql.raw(COLUMNS)}`,
  )
  const organization = toOrganization(updated.rows[0] as OrganizationRow)
  await recordResourceChange(tx, actor, TRACKING, 'updated', before, organization)
  return organization
}

export async function deleteOrganization(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  const row = await findOrganizationRow(tx, tenantId, resellerId, id, true)
  if (!row) throw notFound('Organization')
  const counts = await tx.query<{ user_count: number }>(
    'SELECT user_count FROM organizations WHERE id = $1',
    [id],
  )
  if ((counts.rows[0]?.user_count ?? 0) > 0)
    throw conflict('RESOURCE_IN_USE', 'The organization still has users; delete or move them first.')
  await tx.query('UPDATE organizations SET deleted_at = now(), updated_at = now() WHERE id = $1', [id])
  await tx.query('UPDATE resellers SET organization_count = organization_count - 1 WHERE id = $1', [
    resellerId,
  ])
  await recordResourceChange(tx, actor, TRACKING, 'deleted', toOrganization(row), null)
}

export async function findOrganizationRow(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  id: string,
  lock: boolean,
): Promise<OrganizationRow | undefined> {
  if (!isUuid(id)) return undefined
  const { rows } = await tx.query<OrganizationRow>(
    `SELECT ${COLUMNS} FROM organizations
     WHERE tenant_id = $1 AND reseller_id = $2 AND id = $3 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, resellerId, id],
  )
  return rows[0]
}

/**
 * A live organization the actor reaches, named by its id alone (v1 names a customer without its reseller):
 * the tenant's, and a reseller token's own reseller's. `resellerId`, when given, must be its reseller. Any
 * miss is the same 404, so the answer tells nothing of organizations out of reach.
 */
export async function findReachableOrganization(
  tx: Queryable,
  actor: Actor,
  id: string,
  resellerId: string | null,
): Promise<Organization> {
  if (!isUuid(id)) throw notFound('Organization')
  const { rows } = await tx.query<OrganizationRow>(
    sql`SELECT ${sql.raw(COLUMNS)} FROM organizations
     WHERE ${reachScope(actor, 'reseller_id')} AND id = ${id} AND deleted_at IS NULL`,
  )
  const row = rows[0]
  if (!row || (resellerId !== null && row.reseller_id !== resellerId.toLowerCase()))
    throw notFound('Organization')
  return toOrganization(row)
}

export async function assertResellerExists(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
): Promise<void> {
  const { rows } = await tx.query(
    'SELECT 1 FROM resellers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
    [tenantId, resellerId],
  )
  if (rows.length === 0) throw notFound('Reseller')
}
