// Groups (v1): named permission groups of a tenant; three built-ins exist in every tenant.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { invalid } from './errors.ts'
import { isUuid, newId } from './ids.ts'
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

/** Refuses a group id that is not a UUID, naming it where the client sent it (by default `groupIds[i]`). */
export function assertGroupIds(
  ids: readonly string[],
  field = (index: number) => `groupIds[${index}]`,
): void {
  ids.forEach((id, index) => {
    if (!isUuid(id)) throw invalid(field(index), 'The group id must be a UUID.')
  })
}

/** The tenant's groups of these ids, each once, sorted by name; an unknown id is refused. */
export async function resolveGroups(tx: Queryable, tenantId: string, groupIds: string[]): Promise<Group[]> {
  if (groupIds.length === 0) return []
  assertGroupIds(groupIds)
  const { rows } = await tx.query<Group>(
    sql`SELECT id, name FROM groups WHERE tenant_id = ${tenantId} AND id = ANY(${groupIds}::uuid[])`,
  )
  const found = new Map(rows.map((g) => [g.id, g]))
  const groups: Group[] = []
  groupIds.forEach((id, index) => {
    const group = found.get(id.toLowerCase())
    if (!group) throw invalid(`groupIds[${index}]`, `The group "${id}" does not exist.`)
    if (!groups.some((g) => g.id === group.id)) groups.push(group)
  })
  return groups.sort((a, b) => a.name.localeCompare(b.name))
}

/** Makes a user a member of these groups (a new user, or one whose groups were just cleared). */
export async function addUserToGroups(
  tx: Queryable,
  tenantId: string,
  userId: string,
  groups: readonly Group[],
): Promise<void> {
  if (groups.length === 0) return
  await tx.query(
    sql`INSERT INTO user_groups (tenant_id, user_id, group_id)
     SELECT ${tenantId}, ${userId}, unnest(${groups.map((g) => g.id)}::uuid[])`,
  )
}
