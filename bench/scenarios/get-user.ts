// 2. Get user (v3 GET …/users/{id}, random ids of the seeded database) against the held-out baseline: a bare
// Fastify app with one plain `pg` point select by id (bare-pg.ts: no auth, no project code, same database, same
// pool size), loaded alike in the same run. Target: ≥ 0.70 of it. A second row compares with a bare route
// calling the project's own getUser (bare-get.ts), which splits the gap into SQL/mapping and HTTP/auth.
import type { Scenario } from '../lib/context.ts'
import { startChildServer } from '../lib/processes.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

export const getUser: Scenario = {
  name: 'get-user',
  title: '2. get user',
  async run(ctx) {
    const fixtures = await ctx.fixtures()
    const { sample } = fixtures
    const pick = () => sample[Math.floor(Math.random() * sample.length)] as { id: string; resellerId: string }
    const { connections } = ctx.options

    const service = await ctx.service('seeded')
    const load = await ctx.load(service, {
      path: '/',
      headers: { authorization: `Bearer ${service.token}` },
      connections,
      setup: () => {
        const user = pick()
        return { path: `/v3/resellers/${user.resellerId}/users/${user.id}` }
      },
    })
    await service.stop()

    // The baselines: on the same database (embedded: the same data directory, now free), one at a time.
    const loadBare = async (
      script: string,
      env: Record<string, string>,
      pathOf: (u: { id: string; resellerId: string }) => string,
    ) => {
      const bare = await startChildServer(script, { ...fixtures.database.env, ...env })
      try {
        return await ctx.load(bare, {
          path: '/',
          connections,
          setup: () => ({ path: pathOf(pick()) }),
        })
      } finally {
        await bare.stop()
      }
    }
    const plain = await loadBare(
      'bench/lib/baselines/bare-pg.ts',
      { BENCH_TENANT_ID: fixtures.tenantId },
      (u) => `/users/${u.id}`,
    )
    const sameSql = await loadBare(
      'bench/lib/baselines/bare-get.ts',
      { BENCH_TENANT_ID: fixtures.tenantId, BENCH_CLIENT_ROW_ID: fixtures.clientRowId },
      (u) => `/users/${u.resellerId}/${u.id}`,
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
    ctx.note(
      `get user: baseline = a bare Fastify app with one route doing one plain \`pg\` point select by primary key (tenant id, id; pg.Pool of the same size, same database${ctx.options.embedded ? '; with --embedded the same select through PGlite' : ''}), answering the row as JSON without authentication; the second throughput row's baseline is a bare Fastify route calling the service's own getUser (same SQL and mapping, openDatabase), without authentication, schema or presenter.`,
    )
  },
}
