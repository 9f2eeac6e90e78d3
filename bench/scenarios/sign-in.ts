// 10. Signing in (issue 15): POST /v3/accounts/login with a password against argon2id verifying alone (the
// same parameters, as many at once as the service hashes: PASSWORD_HASH_CONCURRENCY) in a bare process — the
// limit of a password sign-in. Target: ≥ 0.85 of it, as for create. Then refresh-token rotation (POST
// /oauth/token grant_type=refresh_token, each answer's refresh token used for the next request of its
// client), against ES256 signing alone at the same concurrency, for context: a refresh hashes no password.
import type { Scenario } from '../lib/context.ts'
import { serviceHashBound } from '../lib/machine.ts'
import { closedLoop, type Measured } from '../lib/measure.ts'
import { runJson } from '../lib/processes.ts'
import { reportLoad, reportPeakRss } from '../lib/rows.ts'

const USERS = 20
const PASSWORD = 'correct horse battery'

export const signIn: Scenario = {
  name: 'sign-in',
  title: '10. signing in',
  async run(ctx) {
    const { connections, seconds, warmup } = ctx.options
    const service = await ctx.service('scratch')
    const reseller = await service.api<{ id: string }>('POST', '/v3/resellers', {
      name: 'Bench',
      email: 'bench@example.com',
    })
    const emails: string[] = []
    for (let i = 0; i < USERS; i++) {
      const email = `signer${i}@example.com`
      await service.api('POST', `/v3/resellers/${reseller.id}/users`, {
        firstName: 'Sign',
        lastName: 'In',
        email,
        role: 'reseller-admin',
        allowCustomerPortalAccess: true,
        password: PASSWORD,
      })
      emails.push(email)
    }
    const credentials = (email: string) =>
      JSON.stringify({ accountAlias: 'bench.example.com', email, password: PASSWORD })
    let n = 0
    const logins = await ctx.load(service, {
      method: 'POST',
      path: '/v3/accounts/login',
      headers: { 'content-type': 'application/json' },
      connections,
      setup: () => ({ body: credentials(emails[n++ % USERS] as string) }),
    })

    // Refreshes: one chain per client, each answer's token the next request's (closed loop, keep-alive).
    const pool: string[] = []
    for (let i = 0; i < connections; i++) {
      const response = await fetch(`${service.url}/v3/accounts/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: credentials(emails[i % USERS] as string),
      })
      pool.push(((await response.json()) as { refreshToken: string }).refreshToken)
    }
    const refreshes = await closedLoop(
      { concurrency: connections, seconds, warmupSeconds: warmup },
      async () => {
        const refreshToken = pool.shift() as string
        const response = await fetch(`${service.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        })
        const body = (await response.json()) as { refresh_token?: string }
        if (response.status !== 200 || !body.refresh_token) {
          pool.push(refreshToken)
          throw new Error(`refresh: ${response.status}`)
        }
        pool.push(body.refresh_token)
      },
    )
    await service.stop() // the baselines get the machine to themselves
    const bound = Math.min(connections, serviceHashBound())
    const env = { BENCH_SECONDS: String(seconds), BENCH_WARMUP: String(warmup) }
    const timeout = (seconds + warmup + 60) * 1000
    const verifying = await runJson<Measured>(
      'bench/lib/baselines/argon2.ts',
      { ...env, BENCH_CONCURRENCY: String(bound) },
      timeout,
    )
    const signing = await runJson<Measured>(
      'bench/lib/baselines/es256.ts',
      { ...env, BENCH_CONCURRENCY: String(connections) },
      timeout,
    )
    reportLoad(ctx, {
      label: `POST /v3/accounts/login, c=${connections}`,
      value: logins,
      baseline: verifying,
      baselineUnit: `hash/s (${bound} at once)`,
      minRatio: 0.85,
    })
    reportLoad(ctx, {
      label: `POST /oauth/token grant_type=refresh_token (rotating), c=${connections}`,
      value: refreshes,
      baseline: signing,
      baselineUnit: 'sig/s',
    })
    reportPeakRss(ctx, service, logins.peakRss)
    ctx.note(
      `sign-in: login baseline = argon2id hash() with ARGON2_OPTIONS, ${bound} at once, in a bare process (a verify costs what a hash does); each login also writes a session, its refresh token and an audit event, and signs an ES256 token. Refresh baseline = ES256 signing alone at the same concurrency; each refresh also retires a token, writes the next and an audit event in one transaction.`,
    )
  },
}
