// 9. What safety under abuse costs: creates that carry an Idempotency-Key against the same creates without one,
// and token issuance while another address floods the token endpoint with wrong secrets (throttled) against
// token issuance alone — both in the same run, on the same service.

import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { Context, RunningService, Scenario } from '../lib/context.ts'
import { reportLoad } from '../lib/rows.ts'

function userBody(prefix: string, n: number): string {
  return JSON.stringify({
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `u${n}-${prefix}@example.com`,
    role: 'user',
    allowCustomerPortalAccess: true,
    password: 'correct horse battery',
  })
}

export const idempotency: Scenario = {
  name: 'idempotency',
  title: '9a. create user with an Idempotency-Key',
  async run(ctx) {
    const { connections } = ctx.options
    const service = await ctx.service('scratch')
    const reseller = await service.api<{ id: string }>('POST', '/v3/resellers', {
      name: 'Bench',
      email: 'bench@example.com',
    })
    const path = `/v3/resellers/${reseller.id}/users`
    const prefix = randomBytes(4).toString('hex')
    let n = 0
    const plain = await ctx.load(service, {
      method: 'POST',
      path,
      headers: service.headers,
      connections,
      setup: () => ({ body: userBody(prefix, n++) }),
    })
    const keyed = await ctx.load(service, {
      method: 'POST',
      path,
      headers: service.headers,
      connections,
      setup: () => ({ body: userBody(prefix, n++), headers: { 'idempotency-key': randomUUID() } }),
    })
    reportLoad(ctx, {
      label: `v3 POST user with Idempotency-Key, c=${connections}`,
      value: keyed,
      baseline: plain,
      unit: 'req/s',
      baselineUnit: 'req/s',
    })
    ctx.note(
      'idempotency: baseline = the same create without a key, on the same service in the same run; a key adds a claim (one INSERT) before and a store (one UPDATE) after the create.',
    )
  },
}

/** Wrong secrets from another loopback address, as fast as `connections` keep-alive sockets go, until stopped. */
function flood(service: RunningService, connections: number) {
  const url = new URL(`${service.url}/oauth/token`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, localAddress: '127.0.0.2' })
  const body = JSON.stringify({
    grant_type: 'client_credentials',
    client_id: service.clientId,
    client_secret: 'wrong',
  })
  const statuses: Record<string, number> = {}
  let isStopped = false
  const once = () =>
    new Promise<void>((resolve) => {
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1
          response.resume()
          response.on('end', resolve)
        },
      )
      request.on('error', () => resolve())
      request.end(body)
    })
  const loops = Array.from({ length: connections }, async () => {
    while (!isStopped) await once()
  })
  return {
    statuses,
    async stop() {
      isStopped = true
      await Promise.all(loops)
      agent.destroy()
    },
  }
}

async function issueLoad(ctx: Context, service: RunningService) {
  return ctx.load(service, {
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: service.clientId,
      client_secret: service.clientSecret,
    }),
    connections: ctx.options.connections,
  })
}

export const tokenThrottling: Scenario = {
  name: 'token-throttling',
  title: '9b. token issuance under a throttled flood of wrong secrets',
  async run(ctx) {
    const { connections } = ctx.options
    // The throttle on, the request limits off (they would cap the measurement, not the throttle).
    const service = await ctx.service('scratch')
    const alone = await issueLoad(ctx, service)
    const attacker = flood(service, connections)
    const started = Date.now()
    const underFlood = await issueLoad(ctx, service)
    await attacker.stop()
    const floodSeconds = (Date.now() - started) / 1000
    const attempts = Object.values(attacker.statuses).reduce((a, b) => a + b, 0)
    reportLoad(ctx, {
      label: `POST /oauth/token during a flood, c=${connections}+${connections}`,
      value: underFlood,
      baseline: alone,
      unit: 'req/s',
      baselineUnit: 'req/s',
    })
    ctx.report({
      metric: 'the flood: wrong secrets answered',
      value: `${Math.round(attempts / floodSeconds)} req/s`,
      baseline: '—',
      ratio: null,
      target: '',
      met: null,
      data: { statuses: attacker.statuses },
    })
    ctx.note(
      `token-throttling: baseline = the same client's issuance alone on the same service; the flood sends the same client id with a wrong secret from 127.0.0.2 (${JSON.stringify(attacker.statuses)}): after 10 failures every answer is a 429 that reads two counters and writes nothing.`,
    )
  },
}
