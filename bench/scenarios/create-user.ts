// 1. Create user (v3 POST …/users, with a password) against argon2id hashing alone with the same parameters
// and concurrency in a bare process: the physical limit of the operation. Target: ≥ 0.85 of that limit.
import { randomBytes } from 'node:crypto'
import type { Scenario } from '../lib/context.ts'
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
    await service.stop() // the baseline gets the machine to itself
    const limit = await runJson<Measured>(
      'bench/lib/baselines/argon2.ts',
      {
        BENCH_CONCURRENCY: String(connections),
        BENCH_SECONDS: String(seconds),
        BENCH_WARMUP: String(warmup),
      },
      (seconds + warmup + 60) * 1000,
    )
    reportLoad(ctx, {
      label: `v3 POST user, c=${connections}`,
      value: load,
      baseline: limit,
      baselineUnit: 'hash/s',
      minRatio: 0.85,
    })
    reportPeakRss(ctx, service, load.peakRss)
    ctx.note(
      'create user: baseline = argon2id hash() of @node-rs/argon2 with ARGON2_OPTIONS at the same concurrency, in a bare node process (the same libuv thread pool size).',
    )
  },
}
