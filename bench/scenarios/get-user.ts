// 2. Get user (v3 GET …/users/{id}, random ids of the seeded database) against a bare Fastify route doing
// the same point select (getUser) on the same database with the same pool. Target: ≥ 0.70 of the bare route.
import type { Scenario } from '../lib/context.ts'
import { startChildServer } from '../lib/processes.ts'
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

    // The bare route: on the same database (embedded: the same data directory, now free).
    const bare = await startChildServer('bench/lib/baselines/bare-get.ts', {
      ...fixtures.database.env,
      BENCH_TENANT_ID: fixtures.tenantId,
      BENCH_CLIENT_ROW_ID: fixtures.clientRowId,
    })
    try {
      const baseline = await ctx.load(bare, {
        path: '/',
        connections,
        setup: () => {
          const user = pick()
          return { path: `/users/${user.resellerId}/${user.id}` }
        },
      })
      reportLoad(ctx, {
        label: `v3 GET user by id (${fixtures.users.toLocaleString('en')} users), c=${connections}`,
        value: load,
        baseline,
        minRatio: 0.7,
      })
    } finally {
      await bare.stop()
    }
    reportPeakRss(ctx, service, load.peakRss)
    ctx.note(
      'get user: baseline = a bare Fastify route calling the same getUser (same SQL, openDatabase with the same pool size, same database), answering the row as JSON without authentication, schema or presenter.',
    )
  },
}
