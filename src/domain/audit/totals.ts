// Exact audit log totals at scale: the kept counts of whole completed days, plus an index count of the rest.
import type { Queryable } from '../../db/connection.ts'
import type { Filter } from '../../query/language.ts'

/**
 * The list fields audit_daily_counts keeps (under the same column names as audit_events): a filter on these,
 * whatever its operator, holds for a day's count exactly when it holds for each event the count counts.
 */
const ROLLED_UP_FIELDS: ReadonlySet<string> = new Set([
  'resellerId',
  'action',
  'actorId',
  'actorType',
  'resource',
])

const DAY_MS = 86_400_000

/**
 * A day is rolled up once it ended more than this long ago. An event's occurred_at is its transaction's
 * now(), the time the transaction began, not the time it commits: a change that began at 23:59:59 may commit
 * (and its event become visible) after midnight. Waiting an hour means that only a transaction kept open for
 * more than an hour could add an event to a day already counted; the service's transactions last
 * milliseconds. Until then the day is counted event by event, exactly, like today.
 */
const MARGIN = "interval '1 hour'"
/** The first day that is not complete yet (UTC): every day before it may be rolled up. */
const COMPLETE_UNTIL = `((now() - ${MARGIN}) AT TIME ZONE 'UTC')::date`

/** The window the createdAt filters leave, [from, to) in ms (null: unbounded); null when they are not one. */
export function windowOf(filters: readonly Filter[]): { from: number | null; to: number | null } | null {
  let from: number | null = null
  let to: number | null = null
  const above = (ms: number) => {
    from = from === null ? ms : Math.max(from, ms)
  }
  const below = (ms: number) => {
    to = to === null ? ms : Math.min(to, ms)
  }
  for (const filter of filters) {
    if (filter.field !== 'createdAt') continue
    // The bounds filterClauses compares with: whole milliseconds, gt and lte one past the value.
    const ms = new Date(filter.value).getTime()
    if (Number.isNaN(ms)) return null
    switch (filter.op) {
      case 'gte':
        above(ms)
        break
      case 'gt':
        above(ms + 1)
        break
      case 'lt':
        below(ms)
        break
      case 'lte':
        below(ms + 1)
        break
      case 'eq':
        above(ms)
        below(ms + 1)
        break
      default:
        // ne: two windows; counted event by event.
        return null
    }
  }
  return { from, to }
}

/** Whether the daily counts hold these filters' fields (a createdAt window aside: see windowOf). */
export const isRollupCountable = (filters: readonly Filter[]): boolean =>
  filters.every((f) => ROLLED_UP_FIELDS.has(f.field) || f.field === 'createdAt')

export interface RollupCount {
  tenantId: string
  /** The list's whole WHERE over audit_events (date conditions included). */
  where: string
  /** The same without the date conditions: it reads audit_daily_counts alike (same column names). */
  dimensions: string
  params: unknown[]
  window: { from: number | null; to: number | null }
}

/**
 * The exact number of events matching the list's conditions: the daily counts of the whole days of the window
 * that are rolled up, plus an index count of the window's events outside those days, in one statement (one
 * snapshot). Days that completed since the last roll-up are rolled up first.
 */
export async function countWithRollups(tx: Queryable, count: RollupCount): Promise<number> {
  // Read apart from the count so that the count's bounds are constants the planner can estimate (with the
  // watermark read in the same statement it guesses a third of the table and plans a parallel scan). The
  // count stays exact: the days before a watermark once seen are rolled up for good, and no event is ever
  // added to them.
  const rolledUntil = await rollUpCompletedDays(tx, count.tenantId)
  const { from, to } = count.window
  // The rolled-up whole days of the window, [first, last) as UTC midnights: from its first midnight to its
  // last one, or to the first day not rolled up if that comes sooner.
  const first = from === null ? null : Math.ceil(from / DAY_MS) * DAY_MS
  const last = Math.min(
    to === null ? Number.POSITIVE_INFINITY : Math.floor(to / DAY_MS) * DAY_MS,
    rolledUntil,
  )
  const isRepresentable = (ms: number | null) => ms === null || !Number.isNaN(new Date(ms).getTime())
  const isNoneRolled = first !== null ? last <= first : last === Number.NEGATIVE_INFINITY
  if (isNoneRolled || !isRepresentable(first) || !isRepresentable(last))
    return exactCount(tx, count.where, count.params)
  const params = [...count.params]
  const bind = (ms: number) => {
    params.push(new Date(ms).toISOString())
    return `$${params.length}::timestamptz`
  }
  const lastAt = bind(last)
  const day = (instant: string) => `(${instant} AT TIME ZONE 'UTC')::date`
  const firstAt = first === null ? null : bind(first)
  const { rows } = await tx.query<{ total: string | number }>(
    `SELECT (SELECT coalesce(sum(events), 0) FROM audit_daily_counts
             WHERE ${count.dimensions}${firstAt ? ` AND day >= ${day(firstAt)}` : ''} AND day < ${day(lastAt)})
       ${firstAt ? `+ (SELECT count(*) FROM audit_events WHERE ${count.where} AND occurred_at < ${firstAt})` : ''}
       + (SELECT count(*) FROM audit_events WHERE ${count.where} AND occurred_at >= ${lastAt}) AS total`,
    params,
  )
  return Number(rows[0]?.total ?? 0)
}

export async function exactCount(tx: Queryable, where: string, params: readonly unknown[]): Promise<number> {
  const { rows } = await tx.query<{ total: string | number }>(
    `SELECT count(*) AS total FROM audit_events WHERE ${where}`,
    params,
  )
  return Number(rows[0]?.total ?? 0)
}

/**
 * The tenant's first day not rolled up (its UTC midnight in ms; -Infinity when none is), after rolling up the
 * days that have completed since the last roll-up.
 */
export async function rollUpCompletedDays(tx: Queryable, tenantId: string): Promise<number> {
  const { rows } = await tx.query<{
    rolled_until: string | null
    complete_until: string
    is_behind: boolean
  }>(
    `SELECT to_char(s.rolled_until, 'YYYY-MM-DD') AS rolled_until, to_char(c.day, 'YYYY-MM-DD') AS complete_until,
       s.rolled_until IS NULL OR s.rolled_until < c.day AS is_behind
     FROM (SELECT ${COMPLETE_UNTIL} AS day) c
     LEFT JOIN audit_rollup_state s ON s.tenant_id = $1`,
    [tenantId],
  )
  const row = rows[0]
  if (!row) throw new Error('the audit roll-up state answered no row')
  let until = row.rolled_until
  // A request that lost the race to roll the same days up counts them from the events this time.
  if (row.is_behind && (await rollUp(tx, tenantId, row.rolled_until, row.complete_until)))
    until = row.complete_until
  return until === null ? Number.NEGATIVE_INFINITY : Date.parse(`${until}T00:00:00Z`)
}

/**
 * Rolls a tenant's days [from, until) up (from null: every day before until), if its state still says
 * `from`: the state row moves and the counts are written in one statement, and of requests racing to roll the
 * same days up, one moves the state; the others find it moved (after waiting for its lock) and write nothing.
 * Whether this call rolled them up.
 */
export async function rollUp(
  tx: Queryable,
  tenantId: string,
  from: string | null,
  until: string,
): Promise<boolean> {
  const { rows } = await tx.query<{ is_claimed: boolean }>(
    `WITH claim AS (
       INSERT INTO audit_rollup_state AS s (tenant_id, rolled_until) VALUES ($1, $3::date)
       ON CONFLICT (tenant_id) DO UPDATE SET rolled_until = excluded.rolled_until WHERE s.rolled_until = $2::date
       RETURNING tenant_id
     ), counted AS (
       INSERT INTO audit_daily_counts (tenant_id, day, reseller_id, action, actor_type, actor_id, resource, events)
       SELECT $1::uuid, (e.occurred_at AT TIME ZONE 'UTC')::date, e.reseller_id, e.action, e.actor_type,
         e.actor_id, e.resource, count(*)
       FROM audit_events e
       WHERE EXISTS (SELECT FROM claim) AND e.tenant_id = $1
         AND e.occurred_at >= coalesce($2::date::timestamp AT TIME ZONE 'UTC', '-infinity')
         AND e.occurred_at < ($3::date::timestamp AT TIME ZONE 'UTC')
       GROUP BY 1, 2, 3, 4, 5, 6, 7
     )
     SELECT EXISTS (SELECT FROM claim) AS is_claimed`,
    [tenantId, from, until],
  )
  return rows[0]?.is_claimed === true
}
