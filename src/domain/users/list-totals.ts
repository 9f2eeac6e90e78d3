// The totals of user lists: exact, each counted in one statement that reads as few rows as it can (a
// reseller's live count, a complement, the smaller side of a filter), and whether the reseller a list names
// is there.
import type { FilterClause } from '../../query/language.ts'
import { memberCountSqlOf } from './group-members.ts'

/** The WHERE of a user list and what its total is counted from (see whereOf in list.ts). */
export interface UserWhere {
  /** Every condition, ANDed. */
  where: string
  params: unknown[]
  /** The scope alone: tenant, live users and the reseller if any. */
  base: string
  /** The filters, search and group conditions beyond the scope. */
  narrowing: string[]
  /** The filters alone, with their complements; the scope's group ids (deduplicated). */
  clauses: FilterClause[]
  groupIds: string[]
  /**
   * The same WHERE with the groups as the list of their members' ids (u.id = ANY(ARRAY(…))), rather than a
   * membership probe per user: read a few thousand members, not the tenant's users in order (see listUsers).
   */
  whereByMembers: string | null
  resellerId: string | null
  /** The scope names a reseller ($2) that must exist: checked in the list's own statement (see summaryOf). */
  namesReseller: boolean
}

/** The dates a reseller's users are indexed by (users_reseller_created, users_reseller_updated). */
const RANGE_COLUMNS = ['u.created_at', 'u.updated_at']
/** How many users a sample takes to tell which side of a filter holds fewer. */
const SAMPLE = 200

/** The live count of the scope's users: what each reseller keeps with every change, not a count of rows. */
export const liveCount = (resellerId: string | null) =>
  resellerId !== null
    ? '(SELECT user_count FROM resellers WHERE tenant_id = $1 AND id = $2)'
    : '(SELECT COALESCE(sum(user_count), 0) FROM resellers WHERE tenant_id = $1 AND deleted_at IS NULL)'

/** The exact total of a list, counting as few rows as it can, in one statement (one snapshot). */
export function countSqlOf(w: UserWhere): string {
  if (w.narrowing.length === 0) return `SELECT ${liveCount(w.resellerId)}::int AS total`
  const only = w.narrowing.length === 1 && w.clauses.length === 1 ? w.clauses[0] : undefined
  const byOneFilter = only?.complement ? countOneFilter(w, only) : null
  return byOneFilter ?? memberCountSqlOf(w) ?? `SELECT count(*)::int AS total FROM users u WHERE ${w.where}`
}

export interface Summary {
  total: number
  is_found: boolean
}

/** The list's total and whether the reseller it names is there (always, for a list that names none). */
export function summaryOf(w: UserWhere): string {
  const isFound = w.namesReseller
    ? 'EXISTS (SELECT 1 FROM resellers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)'
    : 'true'
  return `SELECT c.total, ${isFound} AS is_found FROM (${countSqlOf(w)}) c`
}

/**
 * One filter with a complement: a negation counts its complement (name[nc]=zzz: none, not 900,000 rows); a
 * one-sided date range and a few-valued field (role) count whichever side is smaller.
 */
function countOneFilter(w: UserWhere, only: FilterClause): string | null {
  const live = liveCount(w.resellerId)
  const countOf = (condition: string) => `(SELECT count(*) FROM users u WHERE ${w.base} AND ${condition})`
  const eitherSide = (isComplementSmaller: string) =>
    `SELECT (CASE WHEN ${isComplementSmaller} THEN ${live} - ${countOf(only.complement as string)}
      ELSE ${countOf(only.countable)} END)::int AS total`
  if (only.side === 'complement')
    return `SELECT (${live} - ${countOf(only.complement as string)})::int AS total`
  if (
    only.side === 'midpoint' &&
    only.rangeAt &&
    w.resellerId !== null &&
    RANGE_COLUMNS.includes(only.column)
  )
    return eitherSide(only.rangeAt(midpointOf(w, only.column)))
  if (only.side === 'sample') return eitherSide(`${sampleShare(w, only.countable)} > 0.5`)
  return null
}

/** The midpoint of the scope's dates in a column a reseller's users are indexed by: two index probes. */
const midpointOf = (w: UserWhere, c: string) =>
  `(SELECT min(${c}) + (max(${c}) - min(${c})) / 2 FROM users u WHERE ${w.base})`

/** The share of the scope's newest users (an index range) that a condition holds for. */
const sampleShare = (w: UserWhere, condition: string) =>
  `(SELECT avg(CASE WHEN ${condition} THEN 1 ELSE 0 END) FROM (SELECT * FROM users u WHERE ${w.base}
     ORDER BY u.created_at DESC LIMIT ${SAMPLE}) u)`
