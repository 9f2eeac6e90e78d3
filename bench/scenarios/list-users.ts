// 3a. List users at scale (the seeded database: 1,000,000 users by default): v3 one reseller's users, 100 a
// page, with a filter and a sort; v1 the whole tenant, paged. Pages vary over the first PAGES. Against
// listUsers called directly (the same SQL, a pool of the service's size, the same concurrency): the
// database's share. Target: p99 < 50 ms. Two connections: one per core, so latency is not queueing.
import { parseListQuery } from '../../src/dialects/v3/list-query.ts'
import { listUsers, USER_FIELDS } from '../../src/domain/users/list.ts'
import type { Scenario } from '../lib/context.ts'
import { TENANT_DOMAIN } from '../lib/fixtures.ts'
import { closedLoop, type Measured } from '../lib/measure.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

const CONNECTIONS = 2
const PAGES = 20
const LIMIT = 100
/** The v3 shape: a filter and a sort. */
const V3_FILTER = { role: 'user' }
const V3_SORT = 'name'

export const listUsersScenario: Scenario = {
  name: 'list-users',
  title: '3. list users',
  async run(ctx) {
    const fixtures = await ctx.fixtures()
    const { big, actor } = fixtures
    const page = () => 1 + Math.floor(Math.random() * PAGES)
    const v3Query = new URLSearchParams({ ...V3_FILTER, sort: V3_SORT, limit: String(LIMIT) }).toString()

    const service = await ctx.service('seeded')
    const v3 = await ctx.load(service, {
      path: '/',
      headers: { authorization: `Bearer ${service.token}` },
      connections: CONNECTIONS,
      setup: () => ({ path: `/v3/resellers/${big.id}/users?${v3Query}&page=${page()}` }),
    })
    const v1 = await ctx.load(service, {
      path: '/',
      headers: { authorization: `Bearer ${service.token}`, 'x-tenant': TENANT_DOMAIN },
      connections: CONNECTIONS,
      setup: () => ({ path: `/v1/users?pageNumber=${page()}&pageSize=${LIMIT}` }),
    })
    await service.stop()

    // The same lists straight from the domain (the mapping of src/dialects/v1/users.ts for v1).
    const db = await fixtures.database.open(10)
    let v3Direct: Measured
    let v1Direct: Measured
    try {
      const loop = {
        concurrency: CONNECTIONS,
        seconds: ctx.options.seconds,
        warmupSeconds: ctx.options.warmup,
      }
      v3Direct = await closedLoop(loop, async () => {
        const query = parseListQuery({ ...V3_FILTER, sort: V3_SORT, limit: LIMIT, page: page() }, USER_FIELDS)
        await listUsers(db, actor, { resellerId: big.id }, query)
      })
      v1Direct = await closedLoop(loop, async () => {
        await listUsers(
          db,
          actor,
          { resellerId: null, groupIds: [] },
          {
            filters: [],
            sort: [{ field: 'name', isDescending: false }],
            search: null,
            offset: (page() - 1) * LIMIT,
            limit: LIMIT,
          },
        )
      })
    } finally {
      await db.close()
    }
    const users = fixtures.users.toLocaleString('en')
    reportLoad(ctx, {
      label: `v3 list ?${v3Query}&page=1..${PAGES} (reseller of ${big.userCount.toLocaleString('en')}), c=${CONNECTIONS}`,
      value: v3,
      baseline: v3Direct,
      maxP99: 50,
    })
    reportLoad(ctx, {
      label: `v1 list ?pageSize=${LIMIT}&pageNumber=1..${PAGES} (tenant of ${users}), c=${CONNECTIONS}`,
      value: v1,
      baseline: v1Direct,
      maxP99: 50,
    })
    reportPeakRss(ctx, service, Math.max(v3.peakRss ?? 0, v1.peakRss ?? 0) || null)
    ctx.note(
      'list users: baseline = listUsers() called in the benchmark process on a pool of the same size, at the same concurrency (the SQL and row mapping, without HTTP, auth or the presenter).',
    )
  },
}
