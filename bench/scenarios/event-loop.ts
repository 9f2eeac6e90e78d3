// 6. Event-loop health: GET user p99 at a fixed, modest rate while creates (argon2id on hashing threads)
// saturate the CPU they may have, against the same GETs with the service otherwise idle. Target: loaded p99
// ≤ 3× idle. The creates, many more than may hash at once, keep the hashing queue full: they hold every
// hashing slot (PASSWORD_HASH_CONCURRENCY, default cores − 1) throughout, and the machine's other core is
// what reads get (issue 14: "leave a core for reads").
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import type { Scenario } from '../lib/context.ts'
import { cpuBusy } from '../lib/cpu.ts'
import { serviceHashBound } from '../lib/machine.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { reportPeakRss } from '../lib/rows.ts'

const GET_RATE = 100
const GET_CONNECTIONS = 4

export const eventLoop: Scenario = {
  name: 'event-loop',
  title: '6. event-loop health',
  async run(ctx) {
    const { seconds } = ctx.options
    // Enough creates in flight to keep every core busy (hashing threads, event loop and PostgreSQL).
    const cores = os.availableParallelism()
    const connections = Math.max(ctx.options.connections, 4 * cores)
    const service = await ctx.service('scratch')
    const reseller = await service.api<{ id: string }>('POST', '/v3/resellers', {
      name: 'Bench',
      email: 'bench@example.com',
    })
    const createBody = (email: string) =>
      JSON.stringify({
        firstName: 'Ada',
        lastName: 'Lovelace',
        email,
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'correct horse battery',
      })
    const user = await service.api<{ id: string }>(
      'POST',
      `/v3/resellers/${reseller.id}/users`,
      JSON.parse(createBody('target@example.com')),
    )
    const gets = {
      path: `/v3/resellers/${reseller.id}/users/${user.id}`,
      headers: { authorization: `Bearer ${service.token}` },
      connections: GET_CONNECTIONS,
      overallRate: GET_RATE,
    }
    const idle = await ctx.load(service, gets)

    const prefix = randomBytes(4).toString('hex')
    let n = 0
    const creating = ctx.load(service, {
      method: 'POST',
      path: `/v3/resellers/${reseller.id}/users`,
      headers: service.headers,
      connections,
      seconds: seconds + 2,
      warmup: 0,
      setup: () => ({ body: createBody(`e${n++}-${prefix}@example.com`) }),
    })
    // The GETs start once the creates have the CPU, and end before they stop.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const busy = cpuBusy(cores)
    const loaded = await ctx.load(service, { ...gets, warmup: 0 })
    const busyCores = busy()
    const creates = await creating
    const peak = Math.max(creates.peakRss ?? 0, service.rss.peak)
    await service.stop()

    const ratio = ratioOf(loaded.p99, idle.p99)
    ctx.report({
      metric: `GET user p99 at ${GET_RATE} req/s: under create load (c=${connections}) vs idle`,
      value: fmt.ms(loaded.p99),
      baseline: fmt.ms(idle.p99),
      ratio,
      target: '≤ 3× idle',
      met: ratio !== null && ratio <= 3,
      data: { idle, loaded, creates },
    })
    ctx.report({
      metric: 'GET user p50 / p99 (and max) under create load vs idle',
      value: `${fmt.latency(loaded)} (${fmt.ms(loaded.max)})`,
      baseline: `${fmt.latency(idle)} (${fmt.ms(idle.max)})`,
      ratio: ratioOf(loaded.p50, idle.p50),
      target: '',
      met: null,
    })
    ctx.report({
      metric: 'GETs served / errors; creates during the loaded run',
      value: `${fmt.rate(loaded.rps)}, ${loaded.errors} errors; ${fmt.rate(creates.rps, 'creates/s')}, ${creates.errors} errors`,
      baseline: `${fmt.rate(idle.rps)}, ${idle.errors} errors`,
      ratio: null,
      target: '',
      met: null,
    })
    const bound = serviceHashBound()
    ctx.report({
      metric: `machine CPU busy during the loaded GETs (all processes: service, PostgreSQL, load); creates hash ${bound} at once, ${connections} in flight`,
      value: busyCores === null ? '—' : `${busyCores.toFixed(2)} of ${cores} cores`,
      baseline: '',
      ratio: null,
      target: '',
      met: null,
    })
    reportPeakRss(ctx, service, peak)
  },
}
