// User lists narrowed to groups only (v1 `groups`), read from the memberships alone: each membership carries
// its user's sort keys, reseller and liveness (migration 0005), so one group's live members in name or email
// order are one index range, and their number is an index-only count.
import type { FieldSpec, SortKey } from '../../query/language.ts'
import { orderBy } from '../../query/order.ts'

/** What a user list's WHERE (whereOf in user-queries.ts) says about its groups. */
export interface GroupNarrowing {
  /** The groups, deduplicated: the last param. */
  groupIds: string[]
  /** The conditions beyond the scope (tenant, live, reseller): the groups' alone when it has one element. */
  narrowing: string[]
  params: unknown[]
  /** The reseller of the scope, $2, if any. */
  resellerId: string | null
}

/** The ids of a list in its order (or in the reversed order): a SELECT of tenant_id and id, ordered. */
export type OrderedIds = (isReversed: boolean) => string

/** The v1 sorts as the columns of user_groups that copy them from the user. */
const MEMBER_SORT_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'ug.user_name', kind: 'text' },
  email: { column: 'ug.user_lower_email', kind: 'email' },
}
/** The same, over the merged ranges of several groups. */
const MERGED_SORT_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'm.sort_key', kind: 'text' },
  email: { column: 'm.sort_key', kind: 'email' },
}
/** Up to this many groups, a list of their members merges the groups' index ranges. */
const MERGED_GROUPS = 20

const isGroupsOnly = (w: GroupNarrowing) => w.groupIds.length > 0 && w.narrowing.length === 1
const groupsParam = (w: GroupNarrowing) => `$${w.params.length}::uuid[]`
const resellerCondition = (w: GroupNarrowing) => (w.resellerId !== null ? ' AND ug.reseller_id = $2' : '')

/**
 * The members of the list's groups in the list's order: one group's live members (of the reseller, if any)
 * by name or by email are one index range, so a deep page skips index entries of that group only; several
 * groups are a merge of their ranges, each user once. Null where this does not apply (a filter or a search
 * beyond the groups, another sort, many groups): the list reads the users instead.
 */
export function memberIdsOf(w: GroupNarrowing, sort: readonly SortKey[]): OrderedIds | null {
  const key = sort.length === 1 ? sort[0] : undefined
  const sortKey = key ? MEMBER_SORT_FIELDS[key.field]?.column : undefined
  if (!sortKey || !isGroupsOnly(w) || w.groupIds.length > MERGED_GROUPS) return null
  // Each group by equality, (…)[i], not = ANY(…): an = ANY on the group would lose the index's order.
  const rangeOf = (index: number, columns: string, isReversed: boolean) =>
    `SELECT ${columns} FROM user_groups ug
     WHERE ug.tenant_id = $1 AND ug.group_id = (${groupsParam(w)})[${index + 1}] AND NOT ug.is_user_deleted${resellerCondition(w)}
     ORDER BY ${orderBy(MEMBER_SORT_FIELDS, sort, [], 'ug.user_id', isReversed)}`
  if (w.groupIds.length === 1) return (isReversed) => rangeOf(0, 'ug.tenant_id, ug.user_id AS id', isReversed)
  // A user in several of the groups comes once from each: the same sort key and id, next to each other.
  return (isReversed) =>
    `SELECT $1::uuid AS tenant_id, m.user_id AS id FROM (
       ${w.groupIds.map((_, index) => `(${rangeOf(index, `${sortKey} AS sort_key, ug.user_id`, isReversed)})`).join(' UNION ALL ')}
     ) m
     GROUP BY m.sort_key, m.user_id
     ORDER BY ${orderBy(MERGED_SORT_FIELDS, sort, [], 'm.user_id', isReversed)}`
}

/**
 * The exact number of the groups' live members (of the reseller, if any), from the memberships alone: one
 * group's is a range of a deduplicated index (user_groups_group_count, user_groups_reseller_group_count),
 * several groups' the distinct ids of their ranges (user_groups_group, user_groups_reseller_group_name). Null
 * unless the list is its groups only.
 */
export function memberCountSqlOf(w: GroupNarrowing): string | null {
  if (!isGroupsOnly(w)) return null
  const [count, group] =
    w.groupIds.length === 1
      ? ['count(*)', `= (${groupsParam(w)})[1]`]
      : ['count(DISTINCT ug.user_id)', `= ANY(${groupsParam(w)})`]
  return `SELECT ${count}::int AS total FROM user_groups ug
    WHERE ug.tenant_id = $1 AND ug.group_id ${group} AND NOT ug.is_user_deleted${resellerCondition(w)}`
}
