// Tenants: one platform or portal each, named by its domain. Created by the platform operator or at bootstrap.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { recordAudit } from './audit.ts'
import { forbidden } from './errors.ts'
import { seedBuiltinGroups } from './groups.ts'
import { newId } from './ids.ts'
import { seedBuiltinRoles } from './roles.ts'

export interface Tenant {
  id: string
  domain: string
  name: string
  disabledAt: Date | null
  createdAt: Date
  updatedAt: Date
}

interface TenantRow {
  id: string
  domain: string
  name: string
  disabled_at: Date | null
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, domain, name, disabled_at, created_at, updated_at'

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  domain: row.domain,
  name: row.name,
  disabledAt: row.disabled_at ? new Date(row.disabled_at) : null,
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
  await recordAudit(
    tx,
    { ...actor, tenantId: tenant.id },
    {
      action: 'tenant.created',
      resource: 'tenant',
      resourceId: tenant.id,
      resellerId: null,
      changes: [
        { field: 'domain', from: null, to: tenant.domain },
        { field: 'name', from: null, to: tenant.name },
      ],
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
