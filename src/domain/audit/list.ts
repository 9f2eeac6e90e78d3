// Reading the audit log: a tenant's events, newest first; a reseller sees only its own (auditReach).
import type { Queryable } from '../../db/connection.ts'
import { filterConditions } from '../../query/filters.ts'
import type { FieldSpec, Filter, ListQuery } from '../../query/language.ts'
import { amongMatches, FEW_MATCHES } from '../../query/matches.ts'
import { orderBy, searchCondition } from '../../query/order.ts'
import type { Actor } from '../actor.ts'
import { notFound } from '../errors.ts'
import { isUuid } from '../ids.ts'
import { tenantOf } from '../reach.ts'
import type { AuditEvent, Change } from './record.ts'
import { countWithRollups, exactCount, isRollupCountable, windowOf } from './totals.ts'

export const AUDIT_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', kind: 'id' },
  correlationId: { column: 'correlation_id', kind: 'text', isSortable: false },
  resourceId: { column: 'resource_id', kind: 'text', isSortable: false },
  resource: { column: 'resource', kind: 'text' },
  action: { column: 'action', kind: 'text' },
  resellerId: { column: 'reseller_id', kind: 'id', isSortable: false },
  actorId: { column: 'actor_id', kind: 'text', isSortable: false },
  actorType: { column: 'actor_type', kind: 'text', isSortable: false },
  createdAt: { column: 'occurred_at', kind: 'date' },
  // Cryptlex's filters on the user who acted: our actors are clients, the system, anonymous callers and users.
  userId: {
    // Only a user actor's id is a user's (CASE: the cast reads user ids only, which are UUIDs).
    column: "(CASE WHEN actor_type = 'user' THEN actor_id::uuid END)",
    kind: 'id',
    isSortable: false,
    isNullable: true,
    description:
      'The events a user did (actor type user, actor id this). Events of other actors have no user.',
  },
  'user.email': actorEmail(),
  actorEmail: actorEmail(),
}

/** The events of the users whose email matches (of the tenant, deleted ones too: their events stay). */
function actorEmail(): FieldSpec {
  return {
    column: 'actor_id',
    kind: 'text',
    isSortable: false,
    // The lookup answers user ids: the events of clients and the system never match one.
    lookup: (match) => `SELECT u.id::text FROM users u WHERE u.tenant_id = $1 AND ${match('u.email')}`,
    isLookupMapping: true,
    description:
      "The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only.",
  }
}

/** What `search` looks in: caseless, any of them contains the term. */
export const AUDIT_SEARCH_COLUMNS = ['action', 'resource', 'resource_id', 'correlation_id'] as const

/** Filters beyond the v3 list's fields (v1's Reseller and Customer): by a reseller's or an organization's name. */
const NAME_FIELDS: Record<string, FieldSpec> = {
  // The events of the resellers whose name matches (deleted ones too: their events stay).
  resellerName: {
    column: 'reseller_id',
    kind: 'text',
    isSortable: false,
    lookup: (match) => `SELECT r.id FROM resellers r WHERE r.tenant_id = $1 AND ${match('r.name')}`,
  },
  // An event names no organization: those of the matching organizations themselves and of their users (the
  // users in them now), by resource id (audit_events_tenant_resource).
  organizationName: {
    column: 'resource_id',
    kind: 'text',
    isSortable: false,
    lookup: (match) =>
      `SELECT o.id::text FROM organizations o WHERE o.tenant_id = $1 AND ${match('o.name')}
       UNION ALL SELECT u.id::text FROM organizations o JOIN users u ON u.tenant_id = o.tenant_id
         AND u.organization_id = o.id WHERE o.tenant_id = $1 AND ${match('o.name')}`,
  },
}
const FILTER_FIELDS = { ...AUDIT_FIELDS, ...NAME_FIELDS }

interface AuditRow {
  id: string
  occurred_at: Date
  correlation_id: string
  action: string
  resource: string
  resource_id: string
  reseller_id: string | null
  actor_type: string
  actor_id: string
  changes: Change[] | string
  ip_address: string | null
  user_agent: string | null
}

const EVENT_COLUMNS = `id, occurred_at, correlation_id, action, resource, resource_id, reseller_id, actor_type,
  actor_id, changes, ip_address, user_agent`

/**
 * The events the actor reaches, as conditions over audit_events (params appended, $1 the tenant): its tenant's,
 * and for a reseller token only its reseller's. The list, one event and the export all read through it.
 */
function auditReach(actor: Actor, params: unknown[]): string[] {
  params.push(tenantOf(actor))
  const conditions = [`tenant_id = $${params.length}`]
  if (actor.role === 'reseller') {
    params.push(actor.resellerId)
    conditions.push(`reseller_id = $${params.length}`)
  }
  return conditions
}

const toEvent = (row: AuditRow): AuditEvent => ({
  id: row.id,
  occurredAt: new Date(row.occurred_at),
  correlationId: row.correlation_id,
  action: row.action,
  resource: row.resource,
  resourceId: row.resource_id,
  resellerId: row.reseller_id,
  actor: { type: row.actor_type, id: row.actor_id },
  changes: typeof row.changes === 'string' ? (JSON.parse(row.changes) as Change[]) : row.changes,
  ipAddress: row.ip_address,
  userAgent: row.user_agent,
})

export async function listAuditEvents(
  tx: Queryable,
  actor: Actor,
  query: ListQuery,
  /** Up to how many matches a filtered page is sorted from their ids (both ways are tested). */
  fewEvents = FEW_MATCHES,
): Promise<{ items: AuditEvent[]; total: number }> {
  const tenantId = tenantOf(actor)
  const params: unknown[] = []
  // Every condition but the dates: the same SQL holds over audit_daily_counts (same column names).
  const dimensions = auditReach(actor, params)
  const dates = query.filters.filter((f) => f.field === 'createdAt')
  dimensions.push(
    ...filterConditions(
      FILTER_FIELDS,
      query.filters.filter((f) => f.field !== 'createdAt'),
      params,
    ),
  )
  const where = [
    ...dimensions,
    ...filterConditions(FILTER_FIELDS, dates, params),
    ...searchCondition(AUDIT_SEARCH_COLUMNS, query.search, params),
  ].join(' AND ')
  const order = orderBy(AUDIT_FIELDS, query.sort, [{ field: 'createdAt', isDescending: true }], 'id')
  const window = windowOf(dates)
  const countTotal = () =>
    // Filters on the fields the daily counts keep: whole days from those, the rest counted exactly.
    window && query.search === null && isRollupCountable(query.filters)
      ? countWithRollups(tx, { tenantId, where, dimensions: dimensions.join(' AND '), params, window })
      : exactCount(tx, where, params)
  const page = async (matching: string) =>
    (
      await tx.query<AuditRow>(
        `SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE ${matching} ORDER BY ${order} LIMIT ${query.limit} OFFSET ${query.offset}`,
        params,
      )
    ).rows.map(toEvent)
  // Unfiltered, the page walks the log in time order and finds its rows at once.
  if (query.filters.length === 0 && query.search === null) {
    const [items, total] = await Promise.all([page(where), countTotal()])
    return { items, total }
  }
  // Filtered, the total first (a few index entries, mostly): none past it; up to FEW_MATCHES, the page is
  // sorted from the matches' ids rather than walking the whole log in time order for a filter that matches
  // little or nothing (resellerId[ne] with a reseller token: 0.57 s over 1.3M events).
  const total = await countTotal()
  if (query.offset >= total) return { items: [], total }
  const items = await page(
    total <= fewEvents ? `e.tenant_id = $1 AND ${amongMatches('audit_events', 'e', where)}` : where,
  )
  return { items, total }
}

/** One event the actor reaches; another tenant's, another reseller's or an unknown id is not found alike. */
export async function getAuditEvent(tx: Queryable, actor: Actor, id: string): Promise<AuditEvent> {
  const params: unknown[] = []
  const reach = auditReach(actor, params)
  if (!isUuid(id)) throw notFound('Event log')
  params.push(id)
  const { rows } = await tx.query<AuditRow>(
    `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE ${reach.join(' AND ')} AND id = $${params.length}`,
    params,
  )
  if (!rows[0]) throw notFound('Event log')
  return toEvent(rows[0])
}

/**
 * Every event the actor reaches that matches the list's filters, newest first as the list, a batch at a time.
 * Each batch is its own short query (keyset on occurred_at, id over the list's index), so memory stays flat and
 * no transaction stays open.
 */
export async function* exportAuditEvents(
  db: Queryable,
  actor: Actor,
  filters: readonly Filter[],
  search: string | null = null,
  batchSize = 1000,
): AsyncGenerator<AuditEvent[]> {
  const params: unknown[] = []
  const where = [
    ...auditReach(actor, params),
    ...filterConditions(AUDIT_FIELDS, filters, params),
    ...searchCondition(AUDIT_SEARCH_COLUMNS, search, params),
  ].join(' AND ')
  // The cursor keeps occurred_at to the microsecond, as text (a Date would round it to the millisecond).
  let after: { occurredAt: string; id: string } | null = null
  for (;;) {
    const batchParams = [...params]
    let keyset = ''
    if (after) {
      batchParams.push(after.occurredAt, after.id)
      keyset = ` AND (occurred_at, id) < ($${batchParams.length - 1}::timestamptz, $${batchParams.length}::uuid)`
    }
    const { rows } = await db.query<AuditRow & { cursor: string }>(
      `SELECT ${EVENT_COLUMNS},
         to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor
       FROM audit_events WHERE ${where}${keyset} ORDER BY occurred_at DESC, id DESC LIMIT ${batchSize}`,
      batchParams,
    )
    if (rows.length === 0) return
    yield rows.map(toEvent)
    const last = rows[rows.length - 1] as AuditRow & { cursor: string }
    after = { occurredAt: last.cursor, id: last.id }
    if (rows.length < batchSize) return
  }
}
