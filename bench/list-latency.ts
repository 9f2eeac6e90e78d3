// List latency at scale: every list shape of both dialects (pages, sorts, each filter kind, search, groups, the
// audit log), timed over HTTP against the real service, plus EXPLAIN (ANALYZE, BUFFERS) of the SQL each one runs.
//
//   npm run seed -- --users 1000000 --database-url postgres://postgres@127.0.0.1:5432/users_1m
//   npm run bench:lists -- --database-url postgres://postgres@127.0.0.1:5432/users_1m [--requests 20]
//       [--only <substring>] [--no-http] [--no-explain] [--plans] [--pg-options '-c random_page_cost=1.1']
//
// The service runs in its own process (bench/lib/service.ts); requests go one at a time over loopback. The SQL
// is not rewritten here: listUsers / listAuditEvents run with a recording connection and each statement they
// send is explained with the same parameters: EXPLAIN (ANALYZE, BUFFERS, TIMING OFF), since timing every
// node of a plan that passes a million rows doubles its time on this machine (--node-timing turns it on).
// Without --plans, only the scan, join and sort lines of the statements that take 10 ms or more are printed.
import pg from 'pg'
import { type QueryArgs, type Queryable, statementOf } from '../src/db/connection.ts'
import { parseListQuery } from '../src/dialects/v3/list-query.ts'
import type { Actor } from '../src/domain/actor.ts'
import { AUDIT_FIELDS, listAuditEvents } from '../src/domain/audit/list.ts'
import { listUsers, USER_FIELDS } from '../src/domain/users/list.ts'
import type { Filter, ListQuery } from '../src/query/language.ts'
import { percentile, startService, tokenOf } from './lib/service.ts'

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}
const flag = (name: string) => process.argv.includes(`--${name}`)

const databaseUrl = option('database-url') ?? process.env.BENCH_DATABASE_URL
const requests = Number(option('requests') ?? 20)
const warmup = Number(option('warmup') ?? 3)
const only = option('only')
const TENANT = 'bench.example.com'
if (!databaseUrl) {
  process.stderr.write(
    'Usage: npm run bench:lists -- --database-url postgres://… (a database seeded by npm run seed)\n',
  )
  process.exit(2)
}

// Session settings for this run (e.g. "-c random_page_cost=1.1"), for the bench's connection and the service's.
const pgOptions = option('pg-options')
if (pgOptions) process.env.PGOPTIONS = pgOptions
const client = new pg.Client({ connectionString: databaseUrl })
await client.connect()
const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
  const { rows } = await client.query(sql, params)
  if (!rows[0]) throw new Error(`no row: ${sql}`)
  return rows[0] as T
}

// The seeded tenant and the things the shapes name.
const tenant = await one<{ id: string }>('SELECT id FROM tenants WHERE domain = $1', [TENANT])
const apiClient = await one<{ id: string }>("SELECT id FROM api_clients WHERE client_id = 'bench-csp'")
const big = await one<{ id: string; user_count: number }>(
  'SELECT id, user_count FROM resellers WHERE tenant_id = $1 ORDER BY user_count DESC LIMIT 1',
  [tenant.id],
)
const small = await one<{ id: string; user_count: number }>(
  'SELECT id, user_count FROM resellers WHERE tenant_id = $1 ORDER BY user_count ASC LIMIT 1',
  [tenant.id],
)
const orgs = (
  await client.query<{ id: string; user_count: number }>(
    'SELECT id, user_count FROM organizations WHERE tenant_id = $1 AND reseller_id = $2 ORDER BY user_count DESC',
    [tenant.id, big.id],
  )
).rows
const bigOrg = orgs[0] as { id: string; user_count: number }
const smallOrg = orgs[orgs.length - 1] as { id: string; user_count: number }
const groupId = async (name: string) =>
  (await one<{ id: string }>('SELECT id FROM groups WHERE tenant_id = $1 AND name = $2', [tenant.id, name]))
    .id
const [admins, viewers, team1, team2] = (await Promise.all(
  ['Administrator', 'Viewer', 'Team 01', 'Team 02'].map(groupId),
)) as [string, string, string, string]
// A user in the middle of the big reseller's creation order, and two others.
const sample = await one<{ id: string; email: string; name: string; created_at: Date; updated_at: Date }>(
  `SELECT id, email, name, created_at, updated_at FROM users WHERE tenant_id = $1 AND reseller_id = $2
     AND deleted_at IS NULL ORDER BY created_at OFFSET $3 LIMIT 1`,
  [tenant.id, big.id, Math.floor(big.user_count / 2)],
)
const others = (
  await client.query<{ id: string; email: string; name: string }>(
    `SELECT id, email, name FROM users WHERE tenant_id = $1 AND reseller_id = $2 AND deleted_at IS NULL
     ORDER BY created_at LIMIT 2`,
    [tenant.id, big.id],
  )
).rows
const midDate = sample.created_at.toISOString()
const weekAgo = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString()
const yearAgo = new Date(Date.now() - 366 * 24 * 3600 * 1000).toISOString()
const firstEvent = await one<{ correlation_id: string; resource_id: string }>(
  "SELECT correlation_id, resource_id FROM audit_events WHERE tenant_id = $1 AND action = 'reseller.user.updated' LIMIT 1",
  [tenant.id],
)

const actor: Actor = {
  type: 'client',
  id: apiClient.id,
  role: 'csp',
  tenantId: tenant.id,
  resellerId: null,
  scopes: new Set(),
  correlationId: 'bench',
  ipAddress: null,
  userAgent: null,
}

type Query = Record<string, string | number>
interface Shape {
  list: 'v3 users' | 'v1 users' | 'v1 AuditLogs' | 'v3 event-logs'
  label: string
  /** The HTTP path and query string. */
  path: string
  /** The SQL the service runs for it, by calling the same domain function with a recording connection. */
  run(db: Queryable): Promise<unknown>
}

const qs = (query: Query) =>
  Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&')
const lastPage = (total: number, limit: number) => Math.max(1, Math.ceil(total / limit))

const shapes: Shape[] = []
function v3(label: string, query: Query, resellerId = big.id) {
  shapes.push({
    list: 'v3 users',
    label,
    path: `/v3/resellers/${resellerId}/users${Object.keys(query).length ? `?${qs(query)}` : ''}`,
    run: (db) => listUsers(db, actor, { resellerId }, parseListQuery(query, USER_FIELDS)),
  })
}
function v1(
  label: string,
  q: {
    pageNumber?: number
    pageSize?: number
    sortPropertyName?: string
    ascending?: boolean
    search?: string
    groups?: string[]
    resellerId?: string
  },
) {
  const query: Query = {}
  for (const [k, v] of Object.entries(q)) if (k !== 'groups') query[k] = String(v)
  const groups = q.groups?.map((g) => `groups=${g}`).join('&')
  const string = [qs(query), groups].filter(Boolean).join('&')
  // The mapping of src/dialects/v1/users.ts.
  const pageNumber = q.pageNumber ?? 1
  const pageSize = q.pageSize ?? 25
  const listQuery: ListQuery = {
    filters: [],
    sort: [
      {
        field: (q.sortPropertyName ?? 'Name').toLowerCase() === 'email' ? 'email' : 'name',
        isDescending: q.ascending === false,
      },
    ],
    search: q.search || null,
    offset: (pageNumber - 1) * pageSize,
    limit: pageSize,
  }
  shapes.push({
    list: 'v1 users',
    label,
    path: `/v1/users${string ? `?${string}` : ''}`,
    run: (db) =>
      listUsers(
        db,
        actor,
        { resellerId: q.resellerId ?? null, groupIds: (q.groups ?? []).flatMap((g) => g.split(',')) },
        listQuery,
      ),
  })
}
function auditLogs(
  label: string,
  q: { PageNumber?: number; PageSize?: number; StartDate?: string; Operations?: string; resellerId?: string },
) {
  // The mapping of src/dialects/v1/audit-logs.ts (the default window: the last 30 days).
  const now = new Date().toISOString()
  const start = q.StartDate ?? new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString()
  const filters: Filter[] = [
    { field: 'createdAt', op: 'gte', value: start },
    { field: 'createdAt', op: 'lte', value: now },
  ]
  if (q.resellerId) filters.push({ field: 'resellerId', op: 'eq', value: q.resellerId })
  if (q.Operations) filters.push({ field: 'action', op: 'in', value: q.Operations })
  const pageNumber = q.PageNumber ?? 1
  const pageSize = q.PageSize ?? 25
  shapes.push({
    list: 'v1 AuditLogs',
    label,
    path: `/v1/AuditLogs${Object.keys(q).length ? `?${qs(q as Query)}` : ''}`,
    run: (db) =>
      listAuditEvents(db, actor, {
        filters,
        sort: [{ field: 'createdAt', isDescending: true }],
        search: null,
        offset: (pageNumber - 1) * pageSize,
        limit: pageSize,
      }),
  })
}
function eventLogs(label: string, query: Query) {
  shapes.push({
    list: 'v3 event-logs',
    label,
    path: `/v3/event-logs${Object.keys(query).length ? `?${qs(query)}` : ''}`,
    run: (db) => listAuditEvents(db, actor, parseListQuery(query, AUDIT_FIELDS)),
  })
}

// v3: one reseller's users (the big one: ~90% of the tenant).
const n = big.user_count
v3('first page', {})
v3('first page, limit=100', { limit: 100 })
v3('middle page', { page: lastPage(n, 10) >> 1 })
v3('last page', { page: lastPage(n, 10) })
v3('last page, limit=100', { page: lastPage(n, 100), limit: 100 })
for (const sort of [
  'name',
  '-name',
  'email',
  '-email',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
  'role',
  '-role',
])
  v3(`sort=${sort}`, { sort })
for (const sort of ['name', '-email', '-createdAt', 'updatedAt', 'role']) {
  v3(`sort=${sort}, middle page`, { sort, page: lastPage(n, 10) >> 1 })
  v3(`sort=${sort}, last page`, { sort, page: lastPage(n, 10) })
}
v3('sort=role,-createdAt', { sort: 'role,-createdAt' })
v3('sort=role|name', { sort: 'role|name' })
v3('sort=role,name', { sort: 'role,name' })
v3('organizationId (largest org)', { organizationId: bigOrg.id })
v3('organizationId (largest org), last page', {
  organizationId: bigOrg.id,
  page: lastPage(bigOrg.user_count, 10),
})
v3('organizationId (smallest org)', { organizationId: smallOrg.id })
v3('organizationId (smallest org), sort=-email', { organizationId: smallOrg.id, sort: '-email' })
v3('organizationId[ne]', { 'organizationId[ne]': bigOrg.id })
v3('organizationId[in] (3 orgs)', {
  'organizationId[in]': orgs
    .slice(1, 4)
    .map((o) => o.id)
    .join(','),
})
v3('organizationId[nin]', { 'organizationId[nin]': bigOrg.id })
v3('role=user (85%)', { role: 'user' })
v3('role=auditor (0.3%)', { role: 'auditor' })
v3('role=auditor, sort=name', { role: 'auditor', sort: 'name' })
v3('role[ne]=user', { 'role[ne]': 'user' })
v3('role[ne]=auditor', { 'role[ne]': 'auditor' })
v3('role[in]=auditor,billing', { 'role[in]': 'auditor,billing' })
v3('role[nin]=user', { 'role[nin]': 'user' })
v3('role[sw]=aud', { 'role[sw]': 'aud' })
v3('role[cn]=admin', { 'role[cn]': 'admin' })
v3('role[nc]=user', { 'role[nc]': 'user' })
v3('email (eq)', { email: sample.email.toUpperCase() })
v3('email[ne]', { 'email[ne]': sample.email })
v3('email[sw]=james', { 'email[sw]': 'james' })
v3('email[sw]=a', { 'email[sw]': 'a' })
v3('email[ew]=@gmail.com', { 'email[ew]': '@gmail.com' })
v3('email[ew]=.com (nearly all)', { 'email[ew]': '.com' })
v3('email[ew]=.com, sort=name', { 'email[ew]': '.com', sort: 'name' })
v3('email[cn]=garcia', { 'email[cn]': 'garcia' })
v3('email[nc]=garcia', { 'email[nc]': 'garcia' })
v3('email[in] (2)', { 'email[in]': others.map((o) => o.email).join(',') })
v3('email[nin] (1)', { 'email[nin]': sample.email })
v3('name (eq)', { name: sample.name })
v3('name[ne]', { 'name[ne]': sample.name })
v3('name[sw]=Jam', { 'name[sw]': 'Jam' })
v3('name[sw]=A', { 'name[sw]': 'A' })
v3('name[sw]=A, sort=-email', { 'name[sw]': 'A', sort: '-email' })
v3('name[ew]=Smith', { 'name[ew]': 'Smith' })
v3('name[ew]=s', { 'name[ew]': 's' })
v3('name[cn]=ames', { 'name[cn]': 'ames' })
v3('name[nc]=zzz', { 'name[nc]': 'zzz' })
v3('name[cn]=mar (broad)', { 'name[cn]': 'mar' })
v3('name[nc]=mar', { 'name[nc]': 'mar' })
v3('name[in] (2)', { 'name[in]': others.map((o) => o.name).join(',') })
v3('name[nin] (1)', { 'name[nin]': sample.name })
v3('id (eq)', { id: sample.id })
v3('id[ne]', { 'id[ne]': sample.id })
v3('id[in] (2)', { 'id[in]': others.map((o) => o.id).join(',') })
v3('id[nin] (1)', { 'id[nin]': sample.id })
v3('createdAt (eq)', { createdAt: midDate })
v3('createdAt[ne]', { 'createdAt[ne]': midDate })
v3('createdAt[gt] (newest half)', { 'createdAt[gt]': midDate })
v3('createdAt[gte] (newest half)', { 'createdAt[gte]': midDate })
v3('createdAt[lt] (oldest half)', { 'createdAt[lt]': midDate })
v3('createdAt[lte] (last week)', { 'createdAt[gte]': weekAgo })
v3('createdAt[gte]+[lt] (a range)', { 'createdAt[gte]': yearAgo, 'createdAt[lt]': midDate })
v3('updatedAt[gt] (last week)', { 'updatedAt[gt]': weekAgo })
v3('updatedAt[lt] (older half)', { 'updatedAt[lt]': midDate })
v3('updatedAt (eq)', { updatedAt: sample.updated_at.toISOString() })
v3('updatedAt[ne]', { 'updatedAt[ne]': sample.updated_at.toISOString() })
v3('role=user & createdAt[gte]', { role: 'user', 'createdAt[gte]': midDate })
v3('organizationId & sort=name', { organizationId: bigOrg.id, sort: 'name' })
for (const search of ['john', 'garcia', 'gmail.com', 'Müller', 'zzz', 'mar'])
  v3(`search=${search}`, { search })
v3('search=john, sort=-name', { search: 'john', sort: '-name' })
v3('search=john, last page', { search: 'john', page: 1000 })
v3('small reseller, first page', {}, small.id)
v3(
  'small reseller, sort=-email, last page',
  { sort: '-email', page: lastPage(small.user_count, 10) },
  small.id,
)

// v1: the whole tenant for a csp token.
const all = (
  await one<{ n: number }>('SELECT sum(user_count)::int AS n FROM resellers WHERE tenant_id = $1', [
    tenant.id,
  ])
).n
v1('Name asc, first page', {})
v1('Name desc', { ascending: false })
v1('Email asc', { sortPropertyName: 'Email' })
v1('Email desc', { sortPropertyName: 'Email', ascending: false })
v1('Name asc, middle page', { pageNumber: lastPage(all, 25) >> 1 })
v1('Name asc, last page', { pageNumber: lastPage(all, 25) })
v1('Email desc, last page', { sortPropertyName: 'Email', ascending: false, pageNumber: lastPage(all, 25) })
v1('pageSize=2000', { pageSize: 2000 })
v1('search=john', { search: 'john' })
v1('search=zzz', { search: 'zzz' })
v1('groups=Administrator (2%)', { groups: [admins] })
v1('groups=Viewer (55%)', { groups: [viewers] })
v1('groups=Team 01 (1.25%)', { groups: [team1] })
v1('groups=Team 01, middle page', { groups: [team1], pageNumber: 250 })
v1('groups=Team 01,Team 02', { groups: [`${team1},${team2}`] })
v1('groups=Administrator, Email desc', { groups: [admins], sortPropertyName: 'Email', ascending: false })
v1('groups=Viewer, last page', { groups: [viewers], pageNumber: 10_000 })
v1('groups=Team 01 & search=john', { groups: [team1], search: 'john' })
// Every page of one big group, both orders, for the tenant and for one reseller (a token's or resellerId).
const viewerCount = (
  await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM user_groups ug JOIN users u ON u.tenant_id = ug.tenant_id AND u.id = ug.user_id
     WHERE ug.tenant_id = $1 AND ug.group_id = $2 AND u.deleted_at IS NULL`,
    [tenant.id, viewers],
  )
).n
v1('groups=Viewer, middle page', { groups: [viewers], pageNumber: lastPage(viewerCount, 25) >> 1 })
v1('groups=Viewer, Email desc, middle page', {
  groups: [viewers],
  sortPropertyName: 'Email',
  ascending: false,
  pageNumber: lastPage(viewerCount, 25) >> 1,
})
v1('groups=Viewer, Name desc, true last page', {
  groups: [viewers],
  ascending: false,
  pageNumber: lastPage(viewerCount, 25),
})
v1('groups=Viewer, big reseller, middle page', {
  groups: [viewers],
  resellerId: big.id,
  pageNumber: lastPage(Math.round(viewerCount * (big.user_count / all)), 25) >> 1,
})
v1('groups=Viewer, small reseller', { groups: [viewers], resellerId: small.id })
v1('groups=Viewer,Administrator, middle page', {
  groups: [`${viewers},${admins}`],
  pageNumber: lastPage(viewerCount, 25) >> 1,
})
v1('resellerId (small reseller)', { resellerId: small.id })

// The audit log, newest first.
auditLogs('default (last 30 days)', {})
auditLogs('page 100', { PageNumber: 100 })
auditLogs('the whole year', { StartDate: yearAgo })
auditLogs('Operations=reseller.user.updated', { Operations: 'reseller.user.updated' })
auditLogs('resellerId (small reseller)', { resellerId: small.id })
eventLogs('default (everything)', {})
eventLogs('page 1000', { page: 1000 })
eventLogs('action=reseller.user.updated', { action: 'reseller.user.updated' })
eventLogs('resourceId', { resourceId: firstEvent.resource_id })
eventLogs('correlationId', { correlationId: firstEvent.correlation_id })
eventLogs('createdAt[gte] (last week)', { 'createdAt[gte]': weekAgo })
eventLogs('resellerId (small reseller)', { resellerId: small.id })
eventLogs('actorId', { actorId: apiClient.id })
// Filters that match little or nothing: the log is not walked in time order to find it.
eventLogs('actorType=system (few)', { actorType: 'system' })
eventLogs('resellerId[ne] (all but one reseller)', { 'resellerId[ne]': big.id })
eventLogs('action=reseller.user.deleted (few)', { action: 'reseller.user.deleted' })

const selected = shapes.filter((s) => !only || `${s.list} ${s.label}`.includes(only))

// EXPLAIN (ANALYZE, BUFFERS) of every statement a shape sends (but the existence check and the live
// count read), each run once to warm up first.
interface Explained {
  sql: string
  ms: number
  plan: string[]
}
const explained = new Map<Shape, Explained[]>()
if (!flag('no-explain')) {
  for (const shape of selected) {
    const statements: { text: string; params: unknown[] }[] = []
    // One connection: statements the list sends at once (page and count) run one after the other.
    let previous: Promise<unknown> = Promise.resolve()
    const recorder = {
      query<T>(...args: QueryArgs) {
        const { text, params = [] } = statementOf(args)
        statements.push({ text, params: [...params] })
        const result = previous.then(() => client.query(text, [...params]))
        previous = result.catch(() => {})
        return result.then((r) => ({ rows: r.rows as T[], rowCount: r.rowCount ?? 0 }))
      },
    } as Queryable
    await shape.run(recorder)
    const results: Explained[] = []
    for (const { text, params } of statements) {
      // The reseller existence check and the live counts read a row or two of resellers.
      if (!/FROM (users|user_groups|audit_events)\b/.test(text)) continue
      await client.query(text, params)
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS, TIMING ${flag('node-timing') ? 'ON' : 'OFF'}) ${text}`,
        params,
      )
      const plan = rows.map((r) => r['QUERY PLAN'])
      const ms = Number(plan.find((l) => l.startsWith('Execution Time'))?.match(/[\d.]+/)?.[0] ?? Number.NaN)
      results.push({ sql: text.replace(/\s+/g, ' ').trim(), ms, plan })
    }
    explained.set(shape, results)
  }
}

// HTTP: one request at a time, after a warm-up.
const latencies = new Map<Shape, { p50: number; p99: number; total: number }>()
if (!flag('no-http')) {
  const service = await startService(databaseUrl, pgOptions ? { PGOPTIONS: pgOptions } : {})
  try {
    const token = await tokenOf(service)
    const headers = { authorization: `Bearer ${token}`, 'x-tenant': TENANT }
    for (const shape of selected) {
      const times: number[] = []
      let total = Number.NaN
      for (let i = 0; i < warmup + requests; i++) {
        const started = performance.now()
        const response = await fetch(`${service.url}${shape.path}`, { headers })
        const body = await response.text()
        const elapsed = performance.now() - started
        if (response.status !== 200)
          throw new Error(`${shape.list} ${shape.label}: ${response.status} ${body.slice(0, 300)}`)
        total = Number(
          response.headers.get('x-total-count') ?? (JSON.parse(body) as { totalCount: number }).totalCount,
        )
        if (i >= warmup) times.push(elapsed)
      }
      times.sort((a, b) => a - b)
      latencies.set(shape, { p50: percentile(times, 50), p99: percentile(times, 99), total })
    }
  } finally {
    await service.stop()
  }
}
await client.end()

const fmt = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '' : value.toFixed(1)
const lines = [
  `${pgOptions ? `Sessions with PGOPTIONS=${pgOptions}. ` : ''}${all.toLocaleString('en')} users in the tenant; the big reseller has ${n.toLocaleString('en')}. ${requests} requests per shape after ${warmup} to warm up, one at a time over loopback. SQL ms: the execution time EXPLAIN ANALYZE reports for the page and the count statements (none: the page is past the end and not read; live count: the total is the reseller's kept count).`,
  '',
  '| list | shape | total | p50 ms | p99 ms | page SQL ms | count SQL ms |',
  '|---|---|---:|---:|---:|---:|---:|',
]
for (const shape of selected) {
  const latency = latencies.get(shape)
  const plans = explained.get(shape) ?? []
  const page = plans.find((p) => /^WITH page|^SELECT id, occurred_at/.test(p.sql))
  const count = plans.find((p) => /count\(/.test(p.sql))
  lines.push(
    `| ${shape.list} | ${shape.label} | ${latency ? latency.total.toLocaleString('en') : ''} | ${fmt(latency?.p50)} | ${fmt(latency?.p99)} | ${page ? fmt(page.ms) : plans.length > 0 || !explained.has(shape) ? '' : 'none'} | ${count ? fmt(count.ms) : explained.has(shape) ? 'live count' : ''} |`,
  )
}
if (explained.size > 0) {
  lines.push('', '## EXPLAIN (ANALYZE, BUFFERS)', '')
  for (const shape of selected) {
    for (const result of explained.get(shape) ?? []) {
      if (!flag('plans') && result.ms < 10) continue
      lines.push(`### ${shape.list}: ${shape.label} (${result.ms.toFixed(1)} ms)`, '', '```', result.sql, '')
      lines.push(
        ...(flag('plans') ? result.plan : result.plan.filter((l) => /Scan|Execution|Sort|Join|Loop/.test(l))),
      )
      lines.push('```', '')
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`)
