// Roles (v3): a user's role is a role name of the tenant; three built-ins exist in every tenant.
import type { Queryable } from '../db/connection.ts'
import { newId } from './ids.ts'

export const DEFAULT_ROLE = 'user'

export const BUILTIN_ROLES: readonly { name: string; description: string; claims: string[] }[] = [
  {
    name: 'reseller-admin',
    description: 'Manages the reseller, its organizations and its users.',
    claims: [
      'reseller:read',
      'reseller:user:read',
      'reseller:user:create',
      'reseller:user:update',
      'reseller:user:delete',
      'reseller:organization:read',
      'reseller:organization:create',
      'reseller:organization:update',
      'reseller:organization:delete',
    ],
  },
  {
    name: 'organization-admin',
    description: 'Manages the users of one organization.',
    claims: ['reseller:user:read', 'reseller:user:create', 'reseller:user:update', 'reseller:user:delete'],
  },
  { name: 'user', description: 'A user of the customer portal.', claims: [] },
]

export async function seedBuiltinRoles(tx: Queryable, tenantId: string): Promise<void> {
  for (const role of BUILTIN_ROLES) {
    await tx.query(
      `INSERT INTO roles (id, tenant_id, name, description, claims, is_builtin, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, true, now(), now()) ON CONFLICT (tenant_id, name) DO NOTHING`,
      [newId(), tenantId, role.name, role.description, role.claims],
    )
  }
}
