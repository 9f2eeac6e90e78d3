// Tenants: one platform or portal each, named by its domain. Created by the platform operator or at bootstrap.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { CREATION_ORDER, listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { recordEvent } from './changes.ts'
import { forbidden, notFound } from './errors.ts'
import { seedBuiltinGroups } from './groups.ts'
import { isUuid, newId } from './ids.ts'
import type { PageRequest } from './reach.ts'
import { seedBuiltinRoles } from './roles.ts'

export interface Tenant {
  id: string
  domain: string
  name: string
  disabledAt: Date | null
  /** The tenant's own request rate limit (null: the service's default). */
  rateLimit: RateWindow | null
  createdAt: Date
  updatedAt: Date
}

export interface RateWindow {
  max: number
  windowSeconds: number
}

interface TenantRow {
  id: string
  domain: string
  name: string
  disabled_at: Date | null
  rate_limit_max: number | null
  rate_limit_window_s: number | null
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, domain, name, disabled_at, rate_limit_max, rate_limit_window_s, created_at, updated_at'

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  domain: row.domain,
  name: row.name,
  disabledAt: row.disabled_at ? new Date(row.disabled_at) : null,
  rateLimit:
    row.rate_limit_max === null || row.rate_limit_window_s === null
      ? null
      : { max: row.rate_limit_max, windowSeconds: row.rate_limit_window_s },
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
})

function assertOperator(actor: Actor): void {
  if (actor.role !== 'platform' && actor.type !== 'system')
    throw forbidden('Only the platform operator manages tenants.')
}

/** Creates a tenant with its built-in roles and groups. */
export async function createTenant(
  tx: Queryable,
  actor: Actor,
  input: { domain: string; name: string },
): Promise<Tenant> {
  assertOperator(actor)
  const { rows } = await tx.query<TenantRow>(
    `INSERT INTO tenants (id, domain, name) VALUES ($1, lower($2), $3) RETURNING ${COLUMNS}`,
    [newId(), input.domain, input.name],
  )
  const tenant = toTenant(rows[0] as TenantRow)
  await seedBuiltinRoles(tx, tenant.id)
  await seedBuiltinGroups(tx, tenant.id)
  await recordEvent(
    tx,
    { ...actor, tenantId: tenant.id },
    {
      action: 'tenant.created',
      resourceId: tenant.id,
      resellerId: null,
      changes: [
        { field: 'domain', from: null, to: tenant.domain },
        { field: 'name', from: null, to: tenant.name },
      ],
      data: tenant,
    },
  )
  return tenant
}

export async function findTenantByDomain(tx: Queryable, domain: string): Promise<Tenant | null> {
  const { rows } = await tx.query<TenantRow>(
    `SELECT ${COLUMNS} FROM tenants WHERE lower(domain) = lower($1)`,
    [domain],
  )
  return rows[0] ? toTenant(rows[0]) : null
}

export async function countTenants(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM tenants')
  return rows[0]?.n ?? 0
}

export async function findTenantDomain(tx: Queryable, tenantId: string): Promise<string | null> {
  const { rows } = await tx.query<{ domain: string }>(
    'SELECT domain FROM tenants WHERE id = $1 AND disabled_at IS NULL',
    [tenantId],
  )
  return rows[0]?.domain ?? null
}

export async function getTenant(tx: Queryable, actor: Actor, id: string): Promise<Tenant> {
  assertOperator(actor)
  if (!isUuid(id)) throw notFound('Tenant')
  const { rows } = await tx.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id])
  if (!rows[0]) throw notFound('Tenant')
  return toTenant(rows[0])
}

export async function listTenants(
  tx: Queryable,
  actor: Actor,
  page: PageRequest,
): Promise<{ items: Tenant[]; total: number }> {
  assertOperator(actor)
  const { rows, total } = await listPage<TenantRow>(
    tx,
    { from: 'tenants', columns: COLUMNS, scope: sql`true`, ...CREATION_ORDER },
    page,
  )
  return { items: rows.map(toTenant), total }
}

/** A tenant's own rate limit, if the platform operator set one (read on every API request, then cached). */
export async function findTenantRateWindow(tx: Queryable, tenantId: string): Promise<RateWindow | null> {
  const { rows } = await tx.query<Pick<TenantRow, 'rate_limit_max' | 'rate_limit_window_s'>>(
    sql`SELECT rate_limit_max, rate_limit_window_s FROM tenants WHERE id = ${tenantId}`,
    { isPrepared: true },
  )
  const row = rows[0]
  if (!row || row.rate_limit_max === null || row.rate_limit_window_s === null) return null
  return { max: row.rate_limit_max, windowSeconds: row.rate_limit_window_s }
}

export interface TenantPatch {
  name?: string | undefined
  isDisabled?: boolean | undefined
  /** null: back to the service's default. */
  rateLimit?: RateWindow | null | undefined
}

const sameWindow = (a: RateWindow | null, b: RateWindow | null) =>
  a?.max === b?.max && a?.windowSeconds === b?.windowSeconds

/** The audited changes between two snapshots of a tenant. */
function tenantChanges(before: Tenant, after: Tenant) {
  const changes = [] as { field: string; from: unknown; to: unknown }[]
  if (after.name !== before.name) changes.push({ field: 'name', from: before.name, to: after.name })
  if ((after.disabledAt !== null) !== (before.disabledAt !== null))
    changes.push({ field: 'disabled', from: before.disabledAt !== null, to: after.disabledAt !== null })
  if (!sameWindow(before.rateLimit, after.rateLimit))
    changes.push({ field: 'rateLimit', from: before.rateLimit, to: after.rateLimit })
  return changes
}

/**
 * Renames a tenant, disables / re-enables it, or sets its rate limit. A disabled tenant keeps its data; its
 * clients get no tokens and its tokens are refused (within the principal cache's lifetime in other processes).
 */
export async function updateTenant(
  tx: Queryable,
  actor: Actor,
  id: string,
  patch: TenantPatch,
): Promise<Tenant> {
  const before = await getTenant(tx, actor, id)
  const isDisabled = patch.isDisabled ?? before.disabledAt !== null
  const name = patch.name ?? before.name
  const rateLimit = patch.rateLimit === undefined ? before.rateLimit : patch.rateLimit
  if (
    name === before.name &&
    isDisabled === (before.disabledAt !== null) &&
    sameWindow(rateLimit, before.rateLimit)
  )
    return before
  const { rows } = await tx.query<TenantRow>(
    sql`UPDATE tenants SET name = ${name},
       disabled_at = CASE WHEN ${isDisabled}::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END,
       rate_limit_max = ${rateLimit?.max ?? null}, rate_limit_window_s = ${rateLimit?.windowSeconds ?? null},
       updated_at = now()
     WHERE id = ${id} RETURNING ${sql.raw(COLUMNS)}`,
  )
  const after = toTenant(rows[0] as TenantRow)
  const changes = tenantChanges(before, after)
  const verb =
    changes.length === 1 && changes[0]?.field === 'disabled'
      ? isDisabled
        ? 'disabled'
        : 'enabled'
      : 'updated'
  await recordEvent(
    tx,
    { ...actor, tenantId: id },
    { action: `tenant.${verb}`, resourceId: id, resellerId: null, changes, data: after },
  )
  return after
}
