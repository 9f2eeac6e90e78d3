// Audit log totals from the daily counts (domain/audit-totals.ts): whatever the window, the filters and the
// token, the total both dialects answer is count(*) of the matching events, before the days are rolled up,
// after, and when requests race to roll them up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../../src/domain/actor.ts'
import { listAuditEvents } from '../../src/domain/audit/list.ts'
import { rollUp } from '../../src/domain/audit/totals.ts'
import { newId } from '../../src/domain/ids.ts'
import type { Filter, SortKey } from '../../src/query/language.ts'
import { type Json, type Response, startTestApp, type TestApp } from '../support/app.ts'

const DAY = 86_400_000
const HOUR = 3_600_000
/** Today's UTC midnight: the tests' days are counted back from it. */
const MIDNIGHT = Math.floor(Date.now() / DAY) * DAY
const at = (ms: number) => new Date(ms).toISOString()

let t: TestApp
let tenant: { tenantId: string; token: string }
let resellerA: string
let resellerB: string
let tokenA: string

/** Events in bulk, straight into audit_events (the service stamps its own with now()). */
async function insertEvents(tenantId: string, count: number, seed = 0): Promise<void> {
  await t.db.query(
    // One every 21 minutes 7.3 seconds back from now (about 44 days for 3000), so every hour of the day
    // comes up; reseller A, B or none, four actions, three actors of two types.
    `INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
       reseller_id, actor_type, actor_id)
     SELECT gen_random_uuid(), $1, now() - (i + $5) * interval '21 minutes 7.3 seconds', 'bulk-' || i,
       (ARRAY['reseller.user.created', 'reseller.user.updated', 'reseller.updated', 'client.token.issued'])[1 + i % 4],
       (ARRAY['reseller.user', 'reseller.user', 'reseller', 'client'])[1 + i % 4], 'resource-' || (i % 50),
       (ARRAY[$2::uuid, $3::uuid, NULL])[1 + i % 3],
       CASE WHEN i % 5 = 0 THEN 'system' ELSE 'client' END, (ARRAY['actor-a', 'actor-b', 'actor-c'])[1 + i % 7 % 3]
     FROM generate_series(1, $4) i`,
    [tenantId, resellerA, resellerB, count, seed],
  )
}

/** Events on either side of midnights: the last microsecond of a day and the first of the next. */
async function insertEdgeEvents(tenantId: string): Promise<void> {
  await t.db.query(
    `INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
       reseller_id, actor_type, actor_id)
     SELECT gen_random_uuid(), $1, $2::timestamptz - d * interval '1 day' + o * interval '1 microsecond', 'edge',
       'reseller.updated', 'reseller', 'edge', $3::uuid, 'client', 'actor-a'
     FROM generate_series(0, 12) d, (VALUES (-1), (0), (1)) v(o)`,
    [tenantId, at(MIDNIGHT), resellerA],
  )
}

const exactCount = async (where: string, params: unknown[] = []) => {
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND ${where}`,
    [tenant.tenantId, ...params],
  )
  return rows[0]?.n ?? 0
}

const events = (query: string, token = tenant.token): Promise<Response<Json>> =>
  t.request('GET', `/v3/event-logs?limit=1${query ? `&${query}` : ''}`, { token })

async function total(query: string, token = tenant.token): Promise<number> {
  const response = await events(query, token)
  expect(response.status, response.text).toBe(200)
  return Number(response.headers.get('pagination-count'))
}

/** The daily counts hold every event of the days before the tenant's watermark, once, and nothing else. */
async function expectRollupsExact(tenantId: string): Promise<void> {
  const { rows } = await t.db.query<{ missing: number; extra: number; duplicates: number; rows: number }>(
    `WITH rolled AS (
       SELECT day, reseller_id, action, actor_type, actor_id, resource, events FROM audit_daily_counts
       WHERE tenant_id = $1
     ), counted AS (
       SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, reseller_id, action, actor_type, actor_id, resource,
         count(*)::int AS events
       FROM audit_events
       WHERE tenant_id = $1 AND occurred_at < (SELECT rolled_until::timestamp AT TIME ZONE 'UTC'
         FROM audit_rollup_state WHERE tenant_id = $1)
       GROUP BY 1, 2, 3, 4, 5, 6
     )
     SELECT (SELECT count(*) FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM rolled) m)::int AS missing,
       (SELECT count(*) FROM (SELECT * FROM rolled EXCEPT ALL SELECT * FROM counted) e)::int AS extra,
       (SELECT count(*) FROM (SELECT 1 FROM rolled GROUP BY day, reseller_id, action, actor_type, actor_id, resource
          HAVING count(*) > 1) d)::int AS duplicates,
       (SELECT count(*) FROM rolled)::int AS rows`,
    [tenantId],
  )
  expect(rows[0]).toMatchObject({ missing: 0, extra: 0, duplicates: 0 })
}

const watermark = async (tenantId: string) =>
  (
    await t.db.query<{ day: string }>(
      `SELECT to_char(rolled_until, 'YYYY-MM-DD') AS day FROM audit_rollup_state WHERE tenant_id = $1`,
      [tenantId],
    )
  ).rows[0]?.day ?? null

beforeAll(async () => {
  t = await startTestApp()
  tenant = await t.createTenant('rollups.example.com')
  resellerA = (await t.createReseller({}, tenant.token)).id
  resellerB = (await t.createReseller({}, tenant.token)).id
  tokenA = await t.tokenFor({ role: 'reseller', resellerId: resellerA, tenantId: tenant.tenantId })
  // Before any list of this tenant: its past days are not rolled up yet.
  await insertEvents(tenant.tenantId, 3000)
  await insertEdgeEvents(tenant.tenantId)
})
afterAll(async () => {
  await t?.close()
})

describe('the first audit list of a tenant', () => {
  it('rolls its completed days up, once, and answers the same total before and after', async () => {
    expect(await watermark(tenant.tenantId)).toBeNull()
    const first = await total('')
    expect(first).toBe(await exactCount('true'))
    // Rolled up to today, or to yesterday in the first hour of a day (the margin).
    const day = await watermark(tenant.tenantId)
    expect([at(MIDNIGHT).slice(0, 10), at(MIDNIGHT - DAY).slice(0, 10)]).toContain(day)
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_daily_counts WHERE tenant_id = $1',
      [tenant.tenantId],
    )
    expect(rows[0]?.n).toBeGreaterThan(100)
    await expectRollupsExact(tenant.tenantId)
    expect(await total('')).toBe(first)
    await expectRollupsExact(tenant.tenantId)
  })
})

describe('the total of /v3/event-logs, rolled up, equals count(*)', () => {
  beforeAll(async () => {
    await total('')
  })

  // Windows: whole days, days cut at any time, one day, nothing, today, the edges of a midnight.
  const windows: [string, string][] = [
    ['everything', 'true'],
    ['from a midnight', `createdAt[gte]=${at(MIDNIGHT - 10 * DAY)}`],
    ['from mid-day', `createdAt[gte]=${at(MIDNIGHT - 10 * DAY + 13 * HOUR + 17_123)}`],
    ['after a midnight (gt)', `createdAt[gt]=${at(MIDNIGHT - 7 * DAY)}`],
    ['up to a midnight (lt)', `createdAt[lt]=${at(MIDNIGHT - 5 * DAY)}`],
    ['up to a midnight (lte)', `createdAt[lte]=${at(MIDNIGHT - 5 * DAY)}`],
    ['up to the ms before a midnight (lte)', `createdAt[lte]=${at(MIDNIGHT - 5 * DAY - 1)}`],
    [
      'mid-day to mid-day',
      `createdAt[gte]=${at(MIDNIGHT - 20 * DAY + 5 * HOUR)}&createdAt[lt]=${at(MIDNIGHT - 3 * DAY + 19 * HOUR)}`,
    ],
    [
      'within one day',
      `createdAt[gt]=${at(MIDNIGHT - 9 * DAY + 2 * HOUR)}&createdAt[lte]=${at(MIDNIGHT - 9 * DAY + 20 * HOUR)}`,
    ],
    ['exactly one day', `createdAt[gte]=${at(MIDNIGHT - 4 * DAY)}&createdAt[lt]=${at(MIDNIGHT - 3 * DAY)}`],
    ['yesterday on', `createdAt[gte]=${at(MIDNIGHT - DAY)}`],
    ['today', `createdAt[gte]=${at(MIDNIGHT)}`],
    ['from an hour ago', `createdAt[gte]=${at(Date.now() - HOUR)}`],
    ['before the first event', `createdAt[lt]=${at(MIDNIGHT - 200 * DAY)}`],
    ['a reversed window', `createdAt[gte]=${at(MIDNIGHT - 2 * DAY)}&createdAt[lt]=${at(MIDNIGHT - 8 * DAY)}`],
    ['the ms of a midnight (eq)', `createdAt=${at(MIDNIGHT - 6 * DAY)}`],
    ['but one ms (ne)', `createdAt[ne]=${at(MIDNIGHT - 6 * DAY)}`],
  ]
  // The same bounds as SQL, whole milliseconds as the list compares (gt and lte: one past the value).
  const windowSql = (query: string): string =>
    query === 'true'
      ? 'true'
      : query
          .split('&')
          .map((part) => {
            const [key, value] = part.split('=') as [string, string]
            const op = key.match(/\[(\w+)\]/)?.[1] ?? 'eq'
            const ms = Date.parse(value)
            const next = `'${at(ms + 1)}'::timestamptz`
            const it = `'${at(ms)}'::timestamptz`
            return {
              gte: `occurred_at >= ${it}`,
              gt: `occurred_at >= ${next}`,
              lt: `occurred_at < ${it}`,
              lte: `occurred_at < ${next}`,
              eq: `occurred_at >= ${it} AND occurred_at < ${next}`,
              ne: `NOT (occurred_at >= ${it} AND occurred_at < ${next})`,
            }[op] as string
          })
          .join(' AND ')

  // Filters on the fields the daily counts keep, with every kind of operator; then fields they do not keep.
  const filters: [string, string, (a: string, b: string) => string][] = [
    ['none', '', () => 'true'],
    ['action', 'action=reseller.user.updated', () => `action = 'reseller.user.updated'`],
    ['action[ne]', 'action[ne]=reseller.updated', () => `action <> 'reseller.updated'`],
    [
      'action[in]',
      'action[in]=reseller.updated,client.token.issued',
      () => `action IN ('reseller.updated', 'client.token.issued')`,
    ],
    ['action[nin]', 'action[nin]=reseller.user.created', () => `action <> 'reseller.user.created'`],
    ['action[sw]', 'action[sw]=reseller.user', () => `action LIKE 'reseller.user%'`],
    ['action[cn] (any case)', 'action[cn]=USER.UP', () => `action ILIKE '%user.up%'`],
    ['resellerId', 'resellerId=A', (a) => `reseller_id = '${a}'`],
    [
      'resellerId[ne] (events of no reseller too)',
      'resellerId[ne]=A',
      (a) => `reseller_id IS DISTINCT FROM '${a}'`,
    ],
    ['resellerId[in]', 'resellerId[in]=A,B', (a, b) => `reseller_id IN ('${a}', '${b}')`],
    ['resellerId[nin]', 'resellerId[nin]=B', (_, b) => `reseller_id IS DISTINCT FROM '${b}'`],
    ['actorId', 'actorId=actor-b', () => `actor_id = 'actor-b'`],
    ['actorId[nin]', 'actorId[nin]=actor-a,actor-c', () => `actor_id NOT IN ('actor-a', 'actor-c')`],
    ['actorType', 'actorType=system', () => `actor_type = 'system'`],
    ['resource[ew]', 'resource[ew]=.user', () => `resource LIKE '%.user'`],
    [
      'action, resellerId and actorType',
      'action[ne]=reseller.updated&resellerId=B&actorType[ne]=system',
      (_, b) => `action <> 'reseller.updated' AND reseller_id = '${b}' AND actor_type <> 'system'`,
    ],
    ['resourceId (counted exactly)', 'resourceId=resource-7', () => `resource_id = 'resource-7'`],
    [
      'correlationId[sw] (counted exactly)',
      'correlationId[sw]=bulk-1',
      () => `correlation_id LIKE 'bulk-1%'`,
    ],
  ]
  const bind = (query: string) => query.replace(/\bA\b/g, resellerA).replace(/\bB\b/g, resellerB)

  it.each(windows)('for the window %s, with each filter', async (_, window) => {
    for (const [name, filter, sql] of filters) {
      const query = [window === 'true' ? '' : window, bind(filter)].filter(Boolean).join('&')
      expect(await total(query), `${name}: ${query}`).toBe(
        await exactCount(`${windowSql(window)} AND ${sql(resellerA, resellerB)}`),
      )
    }
  })

  it('for a reseller token, whose events are only its reseller’s', async () => {
    for (const [, window] of windows) {
      for (const [name, filter, sql] of filters.filter(([n]) => !n.startsWith('resellerId'))) {
        const query = [window === 'true' ? '' : window, bind(filter)].filter(Boolean).join('&')
        expect(await total(query, tokenA), `${name}: ${query}`).toBe(
          await exactCount(`reseller_id = $2 AND ${windowSql(window)} AND ${sql(resellerA, resellerB)}`, [
            resellerA,
          ]),
        )
      }
    }
    expect(await total(`resellerId=${resellerA}`, tokenA)).toBe(
      await exactCount('reseller_id = $2', [resellerA]),
    )
  })

  it('counts a change made after the roll-up (today) at once', async () => {
    const before = await total('action=reseller.created')
    await t.createReseller({}, tenant.token)
    expect(await total('action=reseller.created')).toBe(before + 1)
    expect(await total('')).toBe(await exactCount('true'))
    await expectRollupsExact(tenant.tenantId)
  })
})

describe('whole days, and only whole days, come from the daily counts', () => {
  // A day's count that no event backs: a window that takes the day whole counts it, one that cuts the day does
  // not (its part of the day is counted from the events). Removed after each test.
  const day = MIDNIGHT - 30 * DAY
  const MARK = 1_000_000
  beforeAll(async () => {
    await total('')
    expect(Date.parse(`${await watermark(tenant.tenantId)}T00:00:00Z`)).toBeGreaterThan(day + DAY)
    await t.db.query(
      `INSERT INTO audit_daily_counts (tenant_id, day, reseller_id, action, actor_type, actor_id, resource, events)
       VALUES ($1, $2::date, $3, 'marker', 'client', 'actor-m', 'marker', $4)`,
      [tenant.tenantId, at(day).slice(0, 10), resellerB, MARK],
    )
  })
  afterAll(async () => {
    await t.db.query("DELETE FROM audit_daily_counts WHERE tenant_id = $1 AND action = 'marker'", [
      tenant.tenantId,
    ])
  })

  it.each([
    ['the whole day', `createdAt[gte]=${at(day)}&createdAt[lt]=${at(day + DAY)}`, true],
    ['every day', '', true],
    ['the day and more', `createdAt[gt]=${at(day - 1)}&createdAt[lte]=${at(day + 3 * DAY)}`, true],
    ['all but its first ms', `createdAt[gte]=${at(day + 1)}&createdAt[lt]=${at(day + DAY)}`, false],
    ['all but its last ms', `createdAt[gte]=${at(day)}&createdAt[lte]=${at(day + DAY - 2)}`, false],
    ['the days after it', `createdAt[gte]=${at(day + DAY)}`, false],
    ['the days before it', `createdAt[lt]=${at(day)}`, false],
  ])('%s: counted from the daily count %s', async (_, window, isCounted) => {
    const query = [window, 'action=marker'].filter(Boolean).join('&')
    expect(await total(query)).toBe(isCounted ? MARK : 0)
    expect(await total(`${query}&resellerId=${resellerB}`)).toBe(isCounted ? MARK : 0)
    expect(await total(`${query}&resellerId=${resellerA}`)).toBe(0)
    expect(await total(`${query}&actorId[ne]=actor-m`)).toBe(0)
    expect(await total(query, tokenA)).toBe(0)
  })

  it('but not for a filter the daily counts do not keep', async () => {
    expect(await total('action=marker&resourceId[ne]=x')).toBe(0)
  })
})

describe('the total of /v1/AuditLogs, rolled up, equals count(*)', () => {
  const page = async (query: string, token = tenant.token) => {
    const response = await t.request<Json>('GET', `/v1/AuditLogs?PageSize=1&${query}`, {
      token,
      headers: { 'x-tenant': 'rollups.example.com' },
    })
    expect(response.status, response.text).toBe(200)
    return response.body.totalCount as number
  }
  const start = MIDNIGHT - 25 * DAY + 9 * HOUR + 30_000
  const end = MIDNIGHT - 2 * DAY + 16 * HOUR
  const inWindow = `occurred_at >= '${at(start)}' AND occurred_at < '${at(end + 1)}'`

  it.each([
    ['StartDate and EndDate mid-day', '', 'true'],
    [
      'Operations',
      '&Operations=reseller.user.updated,reseller.updated',
      `action IN ('reseller.user.updated', 'reseller.updated')`,
    ],
    ['resellerId', `&resellerId=RB`, `reseller_id = 'RB'`],
    [
      'resellerId and Operations',
      `&resellerId=RA&Operations=reseller.updated`,
      `reseller_id = 'RA' AND action = 'reseller.updated'`,
    ],
  ])('with %s', async (_, extra, sql) => {
    const bindIds = (s: string) => s.replace(/RA/g, resellerA).replace(/RB/g, resellerB)
    const query = `StartDate=${encodeURIComponent(at(start))}&EndDate=${encodeURIComponent(at(end))}${bindIds(extra)}`
    expect(await page(query)).toBe(await exactCount(`${inWindow} AND ${bindIds(sql)}`))
  })

  it('for a reseller token, with a StartDate mid-day and no EndDate', async () => {
    const query = `StartDate=${encodeURIComponent(at(start))}`
    expect(await page(query, tokenA)).toBe(
      await exactCount(`reseller_id = $2 AND occurred_at >= '${at(start)}'`, [resellerA]),
    )
    expect(await page(`${query}&resellerId=${resellerA}&Operations=reseller.user.created`, tokenA)).toBe(
      await exactCount(
        `reseller_id = $2 AND occurred_at >= '${at(start)}' AND action = 'reseller.user.created'`,
        [resellerA],
      ),
    )
  })

  it('with a bare StartDate and EndDate (midnights)', async () => {
    const from = at(MIDNIGHT - 30 * DAY).slice(0, 10)
    const to = at(MIDNIGHT - 3 * DAY).slice(0, 10)
    expect(await page(`StartDate=${from}&EndDate=${to}`)).toBe(
      // EndDate is taken to the millisecond: an event in its first millisecond is in.
      await exactCount(`occurred_at >= '${from}T00:00:00Z' AND occurred_at < '${to}T00:00:00.001Z'`),
    )
  })
})

describe('requests racing to roll the same days up', () => {
  it('give the same exact total, and the days are rolled up once', async () => {
    const racing = await t.createTenant('racing.example.com')
    await insertEvents(racing.tenantId, 2000, 7)
    await insertEdgeEvents(racing.tenantId)
    const expected = await t.count('audit_events', 'tenant_id = $1', [racing.tenantId])
    const windowed = await t.count('audit_events', `tenant_id = $1 AND occurred_at >= $2`, [
      racing.tenantId,
      at(MIDNIGHT - 12 * DAY + 7 * HOUR),
    ])
    const totals = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? total('', racing.token)
          : total(`createdAt[gte]=${at(MIDNIGHT - 12 * DAY + 7 * HOUR)}`, racing.token),
      ),
    )
    expect(totals).toEqual(totals.map((_, i) => (i % 2 === 0 ? expected : windowed)))
    expect(await watermark(racing.tenantId)).not.toBeNull()
    await expectRollupsExact(racing.tenantId)
    expect(await total('', racing.token)).toBe(expected)
  })

  it('of which only one rolls them up, even when they start together', async () => {
    const racing = await t.createTenant('racing-domain.example.com')
    await insertEvents(racing.tenantId, 500, 3)
    const until = at(MIDNIGHT - 2 * DAY).slice(0, 10)
    const claims = await Promise.all(
      Array.from({ length: 4 }, () => rollUp(t.db, racing.tenantId, null, until)),
    )
    expect(claims.filter(Boolean)).toHaveLength(1)
    await expectRollupsExact(racing.tenantId)
    // A roll-up from a state that has moved on writes nothing.
    expect(await rollUp(t.db, racing.tenantId, null, at(MIDNIGHT).slice(0, 10))).toBe(false)
    const next = await Promise.all(
      Array.from({ length: 3 }, () => rollUp(t.db, racing.tenantId, until, at(MIDNIGHT - DAY).slice(0, 10))),
    )
    expect(next.filter(Boolean)).toHaveLength(1)
    await expectRollupsExact(racing.tenantId)
    expect(await total('', racing.token)).toBe(
      await t.count('audit_events', 'tenant_id = $1', [racing.tenantId]),
    )
    await expectRollupsExact(racing.tenantId)
  })
})

describe('filtered pages', () => {
  // Every page of these fixtures' filtered lists is sorted from the matches' ids (they are few); the same
  // pages walked in the log's order (fewEvents 0) must be the same events in the same order.
  const queries: [string, Filter[]][] = [
    ['action', [{ field: 'action', op: 'eq', value: 'reseller.user.updated' }]],
    ['actorType', [{ field: 'actorType', op: 'eq', value: 'system' }]],
    ['resellerId[ne]', [{ field: 'resellerId', op: 'ne', value: '00000000-0000-7000-8000-000000000000' }]],
    [
      'a week, one actor',
      [
        { field: 'createdAt', op: 'gte', value: at(MIDNIGHT - 7 * DAY) },
        { field: 'actorId', op: 'eq', value: 'actor-b' },
      ],
    ],
    ['nothing', [{ field: 'resourceId', op: 'eq', value: 'no-such-resource' }]],
  ]
  it.each(queries)('%s: the same pages sorted from ids as walked, none past the end', async (_, filters) => {
    const actor = { ...systemActor(tenant.tenantId, newId()), type: 'client' as const, id: 'pages-test' }
    for (const sort of [[], [{ field: 'createdAt', isDescending: false }]] as SortKey[][]) {
      const first = await listAuditEvents(t.db, actor, { filters, sort, search: null, offset: 0, limit: 1 })
      for (const offset of [0, 7, Math.max(0, first.total - 5), first.total, first.total + 10]) {
        const query = { filters, sort, search: null, offset, limit: 25 }
        const [byIds, walked] = await Promise.all([
          listAuditEvents(t.db, actor, query),
          listAuditEvents(t.db, actor, query, 0),
        ])
        expect(byIds.total).toBe(first.total)
        expect(byIds.items.map((e) => e.id)).toEqual(walked.items.map((e) => e.id))
        expect(byIds.items).toHaveLength(Math.max(0, Math.min(25, first.total - offset)))
      }
    }
  })
})
