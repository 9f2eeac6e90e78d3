// 4. Token issuance (POST /oauth/token, client credentials in a JSON body) against ES256 signing alone
// with the service's own token code, at the same concurrency, in a bare process.
import type { Scenario } from '../lib/context.ts'
import type { Measured } from '../lib/measure.ts'
import { runJson } from '../lib/processes.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

export const tokens: Scenario = {
  name: 'tokens',
  title: '4. token issuance',
  async run(ctx) {
    const { connections, seconds, warmup } = ctx.options
    const service = await ctx.service('scratch')
    const load = await ctx.load(service, {
      method: 'POST',
      path: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: service.clientId,
        client_secret: service.clientSecret,
      }),
      connections,
    })
    await service.stop()
    const signing = await runJson<Measured>(
      'bench/lib/baselines/es256.ts',
      {
        BENCH_CONCURRENCY: String(connections),
        BENCH_SECONDS: String(seconds),
        BENCH_WARMUP: String(warmup),
      },
      (seconds + warmup + 60) * 1000,
    )
    reportLoad(ctx, {
      label: `POST /oauth/token, c=${connections}`,
      value: load,
      baseline: signing,
      baselineUnit: 'sig/s',
    })
    reportPeakRss(ctx, service, load.peakRss)
    ctx.note(
      'tokens: baseline = createTokenService().issue() (jose SignJWT, ES256, the claims of a csp token) in a bare node process at the same concurrency. The endpoint also reads the client and writes an audit event per token.',
    )
  },
}
