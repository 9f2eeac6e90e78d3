// 1. Create user (v3 POST …/users, with a password) against argon2id hashing alone with the same parameters
// in a bare process, as many hashes at once as the service lets run (PASSWORD_HASH_CONCURRENCY, default cores
// − 1: a core is left to reads, issue 14): the limit of the operation under that bound. Target: ≥ 0.85 of it.
// The hashing rate with every core busy is measured too and shown, so that what the bound costs is seen.
import { randomBytes } from 'node:crypto'
import type { Scenario } from '../lib/context.ts'
import { serviceHashBound } from '../lib/machine.ts'
import type { Measured } from '../lib/measure.ts'
import { runJson } from '../lib/processes.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

export const createUser: Scenario = {
  name: 'create-user',
  title: '1. create user',
  async run(ctx) {
    const { connections, seconds, warmup } = ctx.options
    const service = await ctx.service('scratch')
    const reseller = await service.api<{ id: string }>('POST', '/v3/resellers', {
      name: 'Bench',
      email: 'bench@example.com',
    })
    const prefix = randomBytes(4).toString('hex')
    let n = 0
    const load = await ctx.load(service, {
      method: 'POST',
      path: `/v3/resellers/${reseller.id}/users`,
      headers: service.headers,
      connections,
      setup: () => ({
        body: JSON.stringify({
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: `u${n++}-${prefix}@example.com`,
          role: 'user',
          allowCustomerPortalAccess: true,
          password: 'correct horse battery',
        }),
      }),
    })
    await service.stop() // the baselines get the machine to themselves
    const bound = Math.min(connections, serviceHashBound())
    const hashing = (concurrency: number) =>
      runJson<Measured>(
        'bench/lib/baselines/argon2.ts',
        {
          BENCH_CONCURRENCY: String(concurrency),
          BENCH_SECONDS: String(seconds),
          BENCH_WARMUP: String(warmup),
        },
        (seconds + warmup + 60) * 1000,
      )
    const limit = await hashing(bound)
    const everyCore = await hashing(connections)
    reportLoad(ctx, {
      label: `v3 POST user, c=${connections}`,
      value: load,
      baseline: limit,
      baselineUnit: `hash/s (${bound} at once)`,
      minRatio: 0.85,
    })
    ctx.report({
      metric: `hashing with every core (${connections} at once), for comparison`,
      value: `${Math.round(load.rps)} req/s`,
      baseline: `${Math.round(everyCore.rps)} hash/s`,
      ratio: everyCore.rps > 0 ? load.rps / everyCore.rps : null,
      target: '',
      met: null,
    })
    reportPeakRss(ctx, service, load.peakRss)
    ctx.note(
      `create user: baseline = argon2id hash() of @node-rs/argon2 with ARGON2_OPTIONS in a bare node process, ${bound} at once: the most the service hashes at once (PASSWORD_HASH_CONCURRENCY, default cores − 1, at least 1), so that a core stays free for reads while creates saturate the rest. The row below it compares with hashing on every core.`,
    )
  },
}
