// Reading many users: lists with filters, search, sort and pages (both dialects), and the streamed export.
import type { Queryable } from '../db/connection.ts'
import type { Actor } from './actor.ts'
import { forbidden, invalid } from './errors.ts'
import { isUuid } from './ids.ts'
import {
  type FieldSpec,
  type Filter,
  filterConditions,
  type ListQuery,
  orderBy,
  type SortKey,
} from './list.ts'
import { assertResellerExists } from './organizations.ts'
import { assertResellerReach, tenantOf } from './reach.ts'
import {
  fromJoinedRow,
  GROUPS,
  type JoinedRow,
  ORG_COLUMNS,
  toUser,
  USER_COLUMNS,
  type User,
  type UserRow,
} from './users.ts'

export const USER_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'u.id', kind: 'id' },
  organizationId: { column: 'u.organization_id', kind: 'id', isSortable: false },
  role: { column: 'u.role', kind: 'text' },
  email: { column: 'u.email', kind: 'email', sortColumn: 'lower(u.email)' },
  name: { column: 'u.name', kind: 'text' },
  firstName: { column: 'u.first_name', kind: 'text' },
  lastName: { column: 'u.last_name', kind: 'text' },
  createdAt: { column: 'u.created_at', kind: 'date' },
  updatedAt: { column: 'u.updated_at', kind: 'date' },
}

export interface UserScope {
  /** One reseller's users; null: every user of the tenant the actor may see. */
  resellerId: string | null
  /** Only users in any of these groups. */
  groupIds?: string[]
}

const DEFAULT_SORT: SortKey[] = [{ field: 'createdAt', isDescending: false }]

/** The WHERE of a user list, and whether it narrows beyond "every live user of the scope". */
async function whereOf(
  tx: Queryable,
  actor: Actor,
  scope: UserScope,
  filters: readonly Filter[],
  search: string | null,
): Promise<{ where: string; params: unknown[]; isNarrowed: boolean; resellerId: string | null }> {
  let resellerId = scope.resellerId
  let tenantId: string
  if (resellerId !== null) {
    tenantId = assertResellerReach(actor, resellerId)
    await assertResellerExists(tx, tenantId, resellerId)
  } else {
    tenantId = tenantOf(actor)
    // A reseller token sees exactly its own users.
    if (actor.role === 'reseller') resellerId = actor.resellerId
  }
  const params: unknown[] = [tenantId]
  const conditions = ['u.tenant_id = $1', 'u.deleted_at IS NULL']
  if (resellerId !== null) {
    params.push(resellerId)
    conditions.push(`u.reseller_id = $${params.length}`)
  }
  const narrowing = filterConditions(USER_FIELDS, filters, params)
  if (search) {
    params.push(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    narrowing.push(`(u.name ILIKE $${params.length} OR u.email ILIKE $${params.length})`)
  }
  if (scope.groupIds && scope.groupIds.length > 0) {
    scope.groupIds.forEach((id, index) => {
      if (!isUuid(id)) throw invalid(`groupIds[${index}]`, 'The group id must be a UUID.')
    })
    params.push(scope.groupIds)
    narrowing.push(
      `EXISTS (SELECT 1 FROM user_groups ug WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id
         AND ug.group_id = ANY($${params.length}::uuid[]))`,
    )
  }
  conditions.push(...narrowing)
  return { where: conditions.join(' AND '), params, isNarrowed: narrowing.length > 0, resellerId }
}

/**
 * One page of users and the total. The page's ids come from an index-only scan (deferred join), so a
 * deep page skips index entries rather than table rows; the total of an unfiltered list is the live
 * count each reseller keeps, not a count over a million rows.
 */
export async function listUsers(
  tx: Queryable,
  actor: Actor,
  scope: UserScope,
  query: ListQuery,
): Promise<{ items: User[]; total: number }> {
  const { where, params, isNarrowed, resellerId } = await whereOf(
    tx,
    actor,
    scope,
    query.filters,
    query.search,
  )
  const order = orderBy(USER_FIELDS, query.sort, DEFAULT_SORT, 'u.id')
  const pageSql = `WITH page AS (
      SELECT u.tenant_id, u.id FROM users u WHERE ${where} ORDER BY ${order}
      LIMIT ${query.limit} OFFSET ${query.offset}
    )
    SELECT ${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}
    FROM page p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.id
    LEFT JOIN organizations o ON o.id = u.organization_id
    ORDER BY ${order}`
  const countSql = isNarrowed
    ? `SELECT count(*)::int AS total FROM users u WHERE ${where}`
    : resellerId !== null
      ? 'SELECT user_count AS total FROM resellers WHERE tenant_id = $1 AND id = $2'
      : 'SELECT COALESCE(sum(user_count), 0)::int AS total FROM resellers WHERE tenant_id = $1 AND deleted_at IS NULL'
  const countParams = isNarrowed ? params : params.slice(0, resellerId !== null ? 2 : 1)
  const [{ rows }, count] = await Promise.all([
    tx.query<JoinedRow>(pageSql, params),
    tx.query<{ total: number }>(countSql, countParams),
  ])
  return { items: rows.map(fromJoinedRow), total: count.rows[0]?.total ?? 0 }
}

/**
 * Every user of a reseller matching the filters, in creation order, a batch at a time. Each batch is its
 * own short query (keyset on created_at, id), so memory stays flat and no transaction stays open.
 */
export async function* exportUsers(
  db: Queryable,
  actor: Actor,
  resellerId: string,
  filters: readonly Filter[],
  search: string | null,
  batchSize = 1000,
): AsyncGenerator<User[]> {
  if (actor.role === 'reseller' && actor.resellerId !== resellerId)
    throw forbidden('This token cannot act on that reseller.')
  const { where, params } = await whereOf(db, actor, { resellerId }, filters, search)
  // The cursor keeps created_at to the microsecond, as text: a Date would round it down to the millisecond,
  // and the rows of that millisecond would come again (forever, when a batch shares one creation time).
  let after: { createdAt: string; id: string } | null = null
  for (;;) {
    const batchParams = [...params]
    let keyset = ''
    if (after) {
      batchParams.push(after.createdAt, after.id)
      keyset = ` AND (u.created_at, u.id) > ($${batchParams.length - 1}::timestamptz, $${batchParams.length}::uuid)`
    }
    const { rows } = await db.query<UserRow & { cursor: string }>(
      `SELECT ${USER_COLUMNS}, to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor
       FROM users u WHERE ${where}${keyset} ORDER BY u.created_at, u.id LIMIT ${batchSize}`,
      batchParams,
    )
    if (rows.length === 0) return
    yield rows.map((row) => toUser(row, null, []))
    const last = rows[rows.length - 1] as UserRow & { cursor: string }
    after = { createdAt: last.cursor, id: last.id }
    if (rows.length < batchSize) return
  }
}
