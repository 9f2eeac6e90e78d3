// Reading many users: lists with filters, search, sort and pages (both dialects), and the streamed export.
import type { Queryable } from '../../db/connection.ts'
import { filterClauses } from '../../query/filters.ts'
import type { FieldSpec, Filter, ListQuery, SortKey } from '../../query/language.ts'
import { amongMatches, FEW_MATCHES } from '../../query/matches.ts'
import { orderBy, searchCondition } from '../../query/order.ts'
import { unindexedPatterns } from '../../query/patterns.ts'
import type { Actor } from '../actor.ts'
import { invalid, notFound } from '../errors.ts'
import { assertGroupIds } from '../groups.ts'
import { assertResellerExists } from '../organizations.ts'
import { assertResellerReach, organizationRestrictionOf, tenantOf } from '../reach.ts'
import { USER_FIELDS } from './fields.ts'
import { memberIdsOf, type OrderedIds } from './group-members.ts'
import { liveCount, type Summary, summaryOf, type UserWhere } from './list-totals.ts'
import {
  fromJoinedRow,
  GROUPS,
  type JoinedRow,
  ORG_COLUMNS,
  toUser,
  USER_COLUMNS,
  type User,
  type UserRow,
} from './model.ts'

export { USER_FIELDS }

export interface UserScope {
  /** One reseller's users; null: every user of the tenant the actor may see. */
  resellerId: string | null
  /** Only users in any of these groups. */
  groupIds?: string[]
}

const DEFAULT_SORT: SortKey[] = [{ field: 'createdAt', isDescending: false }]

/**
 * The WHERE of a user list: the scope, and the narrowing beyond "every live user of the scope". A reseller
 * the scope names is reached here (a 403 sends no statement); that it exists is for the caller to check.
 */
async function whereOf(
  tx: Queryable,
  actor: Actor,
  scope: UserScope,
  filters: readonly Filter[],
  search: string | null,
): Promise<UserWhere> {
  let resellerId = scope.resellerId
  let tenantId: string
  if (resellerId !== null) {
    tenantId = assertResellerReach(actor, resellerId)
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
  const base = conditions.join(' AND ')
  const clauses = filterClauses(USER_FIELDS, filters, params)
  const narrowing = clauses.map((clause) => clause.condition)
  // An organization-admin's users: a narrowing, not the scope, so that no total is read from the reseller's count.
  const organizationId = organizationRestrictionOf(actor)
  if (organizationId !== null) {
    params.push(organizationId)
    narrowing.push(`u.organization_id = $${params.length}::uuid`)
  }
  await assertPatternsServable(tx, filters, search, tenantId, resellerId)
  narrowing.push(...searchCondition(['u.name', 'u.email'], search, params))
  let groupIds: string[] = []
  let whereByMembers: string | null = null
  if (scope.groupIds && scope.groupIds.length > 0) {
    assertGroupIds(scope.groupIds)
    groupIds = [...new Set(scope.groupIds.map((id) => id.toLowerCase()))]
    params.push(groupIds)
    const groups = `$${params.length}::uuid[]`
    whereByMembers = [
      ...conditions,
      ...narrowing,
      `u.id = ANY(ARRAY(SELECT ug.user_id FROM user_groups ug WHERE ug.tenant_id = $1 AND ug.group_id = ANY(${groups})
         AND NOT ug.is_user_deleted))`,
    ].join(' AND ')
    narrowing.push(
      `EXISTS (SELECT 1 FROM user_groups ug WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id
         AND ug.group_id = ANY(${groups}))`,
    )
  }
  conditions.push(...narrowing)
  return {
    where: conditions.join(' AND '),
    params,
    base,
    narrowing,
    clauses,
    groupIds,
    whereByMembers,
    resellerId,
    namesReseller: scope.resellerId !== null,
  }
}

/**
 * The most users a list may hold for a pattern no index serves (see unindexedPatterns): matched user by
 * user, 100,000 take about 30 ms on a small machine; a million, 300 ms.
 */
export const MAX_SCANNED_USERS = 100_000

/** Refuses, on a list of more than MAX_SCANNED_USERS, a pattern that would be matched user by user. */
async function assertPatternsServable(
  tx: Queryable,
  filters: readonly Filter[],
  search: string | null,
  tenantId: string,
  resellerId: string | null,
): Promise<void> {
  const [name] = unindexedPatterns(USER_FIELDS, filters, {
    value: search,
    specs: [USER_FIELDS.name as FieldSpec, USER_FIELDS.email as FieldSpec],
  })
  if (name === undefined) return
  const { rows } = await tx.query<{ total: number }>(
    `SELECT ${liveCount(resellerId)}::int AS total`,
    resellerId === null ? [tenantId] : [tenantId, resellerId],
  )
  if ((rows[0]?.total ?? 0) > MAX_SCANNED_USERS)
    throw invalid(
      name,
      `${name} must hold at least three letters or digits in a row on a list of more than ${MAX_SCANNED_USERS.toLocaleString('en-US')} users.`,
    )
}

/** The operators that can select few users: the others (ne, nin, nc, date ranges) leave most of them in. */
const SPARSE_OPERATORS = new Set(['eq', 'in', 'sw', 'ew', 'cn'])

/** From this offset on, the total is read before the page, to read the page from the nearer end. */
const DEEP_OFFSET = 1000
/**
 * Up to this many users in the groups of a whole tenant's list, a deep page reads the members and sorts
 * them; beyond it, a deep page walks the tenant's users in order and probes each one's memberships.
 */
const FEW_MEMBERS = 20_000

/**
 * One page of users and the total. The page's ids come from an index-only scan (deferred join), so a
 * deep page skips index entries rather than table rows: of the groups' members when the list is only its
 * groups (see memberIdsOf), of the users otherwise. A page in the second half of the list is read from the
 * end, in the reversed order (the outer ORDER BY restores the order), so that no page skips more than half
 * the list; a page past the end reads nothing. The total is exact (see countSqlOf).
 */
export async function listUsers(
  tx: Queryable,
  actor: Actor,
  scope: UserScope,
  query: ListQuery,
  /** Up to how many matches a sparse narrowing's page is sorted from their ids (both ways are tested). */
  fewMatches = FEW_MATCHES,
): Promise<{ items: User[]; total: number }> {
  const w = await whereOf(tx, actor, scope, query.filters, query.search)
  const summary = summaryOf(w)
  // The summary alone only names the params it uses: PostgreSQL refuses a statement that leaves one untyped.
  const used = Math.max(0, ...[...summary.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))
  const summaryParams = w.params.slice(0, used)
  const order = orderBy(USER_FIELDS, query.sort, DEFAULT_SORT, 'u.id')
  const usersWhere =
    (where: string): OrderedIds =>
    (isReversed) =>
      `SELECT u.tenant_id, u.id FROM users u WHERE ${where}
       ORDER BY ${isReversed ? orderBy(USER_FIELDS, query.sort, DEFAULT_SORT, 'u.id', true) : order}`
  const members = memberIdsOf(w, query.sort)
  const pageSql = (offset: number, limit: number, isReversed: boolean, ids: OrderedIds) =>
    `page AS (
        ${ids(isReversed)}
        LIMIT ${limit} OFFSET ${offset}
      )`
  const page = async (
    offset: number,
    limit: number,
    isReversed: boolean,
    ids: OrderedIds = members ?? usersWhere(w.where),
  ) => {
    if (limit <= 0) return []
    const { rows } = await tx.query<JoinedRow>(
      `WITH ${pageSql(offset, limit, isReversed, ids)}
      SELECT ${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}
      FROM page p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.id
      LEFT JOIN organizations o ON o.id = u.organization_id
      ORDER BY ${order}`,
      w.params,
    )
    return rows
  }
  /** The list's total, or a 404 for a reseller that is not there. */
  const totalOf = (row: Summary | undefined): number => {
    if (!row?.is_found) throw notFound('Reseller')
    return row.total
  }
  const countTotal = async () => totalOf((await tx.query<Summary>(summary, summaryParams)).rows[0])
  // A narrowing that may leave few users far apart in the sort's order (a search, groups, a pattern, an
  // organization, a few emails): the total first, to tell.
  const mayBeSparse =
    members === null &&
    (query.search !== null ||
      w.groupIds.length > 0 ||
      query.filters.some((f) => {
        const spec = USER_FIELDS[f.field]
        // A role filter walks an index that holds the role (users_reseller_name, users_reseller_role_created).
        return SPARSE_OPERATORS.has(f.op) && spec?.kind !== 'date' && !spec?.lookup
      }))
  if (query.offset < DEEP_OFFSET && !mayBeSparse) {
    // The page and its summary in one statement: one round trip, one snapshot. The summary's single row is
    // kept (its user columns null) when the page is empty.
    const { rows } = await tx.query<JoinedRow & Summary>(
      `WITH ${pageSql(query.offset, Math.max(0, query.limit), false, members ?? usersWhere(w.where))},
      summary AS (${summary})
      SELECT s.total, s.is_found, ${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}
      FROM summary s LEFT JOIN (page p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.id
        LEFT JOIN organizations o ON o.id = u.organization_id) ON true
      ORDER BY ${order}`,
      w.params,
    )
    const total = totalOf(rows[0])
    return { items: rows.filter((row) => row.id !== null).map(fromJoinedRow), total }
  }
  const total = await countTotal()
  const remaining = Math.min(query.limit, total - query.offset)
  const fromEnd = total - query.offset - remaining
  const ids =
    members ??
    usersWhere(
      // Few matches (see FEW_MATCHES): a search in a group whose matches sit late in name order walked all
      // but a million users (0.7 s).
      mayBeSparse && total <= fewMatches
        ? `${w.base} AND ${amongMatches('users', 'u', w.where)}`
        : // For a whole tenant the total is the number of live members: few, and their ids the cheaper start.
          w.whereByMembers !== null && w.resellerId === null && total <= FEW_MEMBERS
          ? w.whereByMembers
          : w.where,
    )
  const rows =
    fromEnd < query.offset
      ? await page(fromEnd, remaining, true, ids)
      : await page(query.offset, remaining, false, ids)
  return { items: rows.map(fromJoinedRow), total }
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
  const { where, params } = await whereOf(db, actor, { resellerId }, filters, search)
  await assertResellerExists(db, tenantOf(actor), resellerId)
  // The cursor keeps created_at to the microsecond, as text: a Date would round it down to the millisecond,
  // and the rows of that millisecond would come again (forever, when a batch shares one creation time).
  type Row = UserRow & { cursor: string }
  const batchAfter = (after: { createdAt: string; id: string } | null) => {
    const batchParams = [...params]
    let keyset = ''
    if (after) {
      batchParams.push(after.createdAt, after.id)
      keyset = ` AND (u.created_at, u.id) > ($${batchParams.length - 1}::timestamptz, $${batchParams.length}::uuid)`
    }
    return db.query<Row>(
      `SELECT ${USER_COLUMNS}, to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor
       FROM users u WHERE ${where}${keyset} ORDER BY u.created_at, u.id LIMIT ${batchSize}`,
      batchParams,
    )
  }
  // The next batch is asked for before this one is handed over: the database reads it while the caller
  // formats and writes this one (one query in flight at a time, on one pool connection).
  let pending = batchAfter(null)
  for (;;) {
    const { rows } = await pending
    if (rows.length === 0) return
    const last = rows[rows.length - 1] as Row
    const more = rows.length === batchSize
    if (more) {
      pending = batchAfter({ createdAt: last.cursor, id: last.id })
      // Not awaited if the caller stops early: its failure must not be an unhandled rejection.
      pending.catch(() => {})
    }
    yield rows.map((row) => toUser(row, null, []))
    if (!more) return
  }
}
