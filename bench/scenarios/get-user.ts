// 2. Get user (v3 GET …/users/{id}, random ids of the seeded database) against the held-out baseline: a bare
// Fastify app with one plain `pg` point select by id (bare-pg.ts: no auth, no project code, same database, same
// pool size), loaded alike in the same run. Target: ≥ 0.70 of it. A second row compares with a bare route
// calling the project's own getUser (bare-get.ts), which splits the gap into SQL/mapping and HTTP/auth.
import { randomBytes } from 'node:crypto'
import type { Context, Scenario, ScenarioLoadOptions } from '../lib/context.ts'
import { combineLoads } from '../lib/load.ts'
import { startChildServer } from '../lib/processes.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

/** Rounds a side when the service and the baseline run side by side (PostgreSQL). */
const ROUNDS = 2

export const getUser: Scenario = {
  name: 'get-user',
  title: '2. get user',
  async run(ctx) {
    const fixtures = await ctx.fixtures()
    const { sample } = fixtures
    const pick = () => sample[Math.floor(Math.random() * sample.length)] as { id: string; resellerId: string }
    const { connections } = ctx.options
    /** A baseline server started, loaded once and stopped. */
    const loadAlone = async (script: string, env: Record<string, string>, options: ScenarioLoadOptions) => {
      const bare = await startChildServer(script, env)
      try {
        return await ctx.load(bare, options)
      } finally {
        await bare.stop()
      }
    }

    const service = await ctx.service('seeded')
    const serviceLoad = {
      path: '/',
      headers: { authorization: `Bearer ${service.token}` },
      connections,
      setup: () => {
        const user = pick()
        return { path: `/v3/resellers/${user.resellerId}/users/${user.id}` }
      },
    }
    const bareEnv = { ...fixtures.database.env, BENCH_TENANT_ID: fixtures.tenantId }
    const bareLoad = { path: '/', connections, setup: () => ({ path: `/users/${pick().id}` }) }
    let load: Awaited<ReturnType<Context['load']>>
    let plain: Awaited<ReturnType<Context['load']>>
    if (ctx.options.embedded) {
      // The embedded database is the service's own: the baseline opens its data directory after it stops.
      load = await ctx.load(service, serviceLoad)
      await service.stop()
      plain = await loadAlone('bench/lib/baselines/bare-pg.ts', bareEnv, bareLoad)
    } else {
      // Both up at once, loaded in turn (service, bare, service, bare): a change in the machine's load during
      // the run (another process, PostgreSQL's own work) falls on both sides alike rather than on one.
      const bare = await startChildServer('bench/lib/baselines/bare-pg.ts', bareEnv)
      try {
        const seconds = ctx.options.seconds / ROUNDS
        const rounds = { service: [] as (typeof load)[], bare: [] as (typeof load)[] }
        for (let round = 0; round < ROUNDS; round++) {
          rounds.service.push(await ctx.load(service, { ...serviceLoad, seconds, keepLatencies: true }))
          rounds.bare.push(await ctx.load(bare, { ...bareLoad, seconds, keepLatencies: true }))
        }
        load = combineLoads(rounds.service)
        plain = combineLoads(rounds.bare)
      } finally {
        await bare.stop()
        await service.stop()
      }
    }

    const sameSql = await loadAlone(
      'bench/lib/baselines/bare-get.ts',
      { ...bareEnv, BENCH_CLIENT_ROW_ID: fixtures.clientRowId },
      {
        path: '/',
        connections,
        setup: () => {
          const user = pick()
          return { path: `/users/${user.resellerId}/${user.id}` }
        },
      },
    )
    const label = `v3 GET user by id (${fixtures.users.toLocaleString('en')} users), c=${connections}`
    reportLoad(ctx, { label, value: load, baseline: plain, minRatio: 0.7 })
    const ratio = ratioOf(load.rps, sameSql.rps)
    ctx.report({
      metric: `${label}: throughput vs a bare route calling getUser (same SQL and mapping, no auth)`,
      value: fmt.rate(load.rps),
      baseline: fmt.rate(sameSql.rps),
      ratio,
      target: '',
      met: null,
      data: { sameSql },
    })
    reportPeakRss(ctx, service, load.peakRss)
    await reportStatementsPerGet(ctx, () => {
      const user = pick()
      return `/v3/resellers/${user.resellerId}/users/${user.id}`
    })
    ctx.note(
      `get user: baseline = a bare Fastify app with one route doing one plain \`pg\` point select by primary key (tenant id, id; pg.Pool of the same size, same database${ctx.options.embedded ? '; with --embedded the same select through PGlite' : ''}), answering the row as JSON without authentication${ctx.options.embedded ? '' : `, loaded in turn with the service (${ROUNDS} rounds a side of ${ctx.options.seconds / ROUNDS} s each, service first)`}; the second throughput row's baseline is a bare Fastify route calling the service's own getUser (same SQL and mapping, openDatabase), without authentication, schema or presenter.`,
    )
  },
}

const COUNTED_GETS = 200
const USER_ROUTE = '/v3/resellers/:resellerId/users/:id'

/**
 * The statements a GET sends to the database, as the service counts them (METRICS_QUERY_COUNTS, off in the
 * measured run: the count costs throughput): COUNTED_GETS gets on a service started with it, after a first
 * (which reads the token's client, then cached), then reseller_api_db_queries_total ÷ http_requests_total of
 * the route, read from /metrics before and after. Target: 1.
 */
async function reportStatementsPerGet(ctx: Context, pathOf: () => string): Promise<void> {
  const token = randomBytes(24).toString('hex')
  const service = await ctx.service('seeded', { METRICS_QUERY_COUNTS: 'true', METRICS_TOKEN: token })
  try {
    const get = async () =>
      (await fetch(`${service.url}${pathOf()}`, { headers: service.headers })).arrayBuffer()
    const counts = async () => {
      const scrape = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      const text = await scrape.text()
      const sum = (metric: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(`${metric}{`) && line.includes(`route="${USER_ROUTE}"`))
          .filter((line) => line.includes('method="GET"'))
          .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
      return { statements: sum('reseller_api_db_queries_total'), requests: sum('http_requests_total') }
    }
    // The first request reads the token's client once (then cached): counted apart.
    await get()
    const before = await counts()
    for (let i = 0; i < COUNTED_GETS; i++) await get()
    const after = await counts()
    const statements = after.statements - before.statements
    const requests = after.requests - before.requests
    const perGet = requests > 0 ? statements / requests : Number.NaN
    ctx.report({
      metric: `statements sent to the database per GET (${requests} gets, METRICS_QUERY_COUNTS on)`,
      value: Number.isFinite(perGet) ? perGet.toFixed(2) : 'n/a',
      baseline: '',
      ratio: null,
      target: '1',
      met: perGet === 1,
      data: { statements, requests },
    })
  } finally {
    await service.stop()
  }
}
