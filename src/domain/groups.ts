// Groups (v1): named permission groups of a tenant; three built-ins exist in every tenant.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { newId } from './ids.ts'
import { type PageRequest, tenantOf } from './reach.ts'

export const BUILTIN_GROUPS = ['Administrator', 'Viewer', 'Alert Manager'] as const

export interface Group {
  id: string
  name: string
}

export async function seedBuiltinGroups(tx: Queryable, tenantId: string): Promise<void> {
  for (const name of BUILTIN_GROUPS) {
    await tx.query(
      `INSERT INTO groups (id, tenant_id, name, is_builtin, created_at, updated_at)
       VALUES ($1, $2, $3, true, now(), now()) ON CONFLICT (tenant_id, name) DO NOTHING`,
      [newId(), tenantId, name],
    )
  }
}

export async function listGroups(
  tx: Queryable,
  actor: Actor,
  page: PageRequest,
): Promise<{ items: Group[]; total: number }> {
  const { rows, total } = await listPage<Group>(
    tx,
    {
      from: 'groups',
      columns: 'id, name',
      scope: sql`tenant_id = ${tenantOf(actor)}`,
      fields: { name: { column: 'name', kind: 'text' } },
      defaultSort: [{ field: 'name', isDescending: false }],
    },
    page,
  )
  return { items: rows, total }
}
