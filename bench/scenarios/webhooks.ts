// 5. Webhook fan-out to a receiver on loopback. ENDPOINTS endpoints (all to the receiver) subscribe to
// reseller.updated; each PATCH of the reseller commits one outbox event, so each event is ENDPOINTS
// deliveries. Burst: BURST_EVENTS PATCHes as fast as they go; deliveries/s from the first event's commit to
// the last arrival (target ≥ 1,000/s). Steady: events at the rate that offers 1,000 deliveries/s for the
// run's duration; commit-to-delivery p50/p99 (target p99 < 250 ms). Baseline: the same number of POSTs of
// the same body to the same receiver from a bare process, one sequential stream per endpoint.
//
// Commit time: the body's triggeredAt, which is the outbox row's triggered_at: now() of the transaction
// that wrote the change, i.e. its start. It precedes the commit by the transaction's length (a few ms for a
// PATCH), so the latency reported is at worst that much longer than commit-to-delivery. Arrival: the
// receiver's clock when the body has been read. One machine, one clock.
import type { Scenario } from '../lib/context.ts'
import { type Measured, summarize } from '../lib/measure.ts'
import { runJson } from '../lib/processes.ts'
import { type Arrival, startReceiver } from '../lib/receiver.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { reportPeakRss } from '../lib/rows.ts'

const ENDPOINTS = 4
const BURST_EVENTS = 1_250
const STEADY_DELIVERIES_PER_SECOND = 1_000
/** How long to wait for the last deliveries of a phase after its requests are done. */
const DRAIN_MS = 60_000

function phaseStats(
  arrivals: Arrival[],
  expected: number,
): Measured & { missing: number; duplicates: number } {
  const ids = new Set<string>()
  let duplicates = 0
  const latencies: number[] = []
  let first = Number.POSITIVE_INFINITY
  let last = 0
  for (const a of arrivals) {
    if (ids.has(a.webhookId)) duplicates++
    ids.add(a.webhookId)
    if (Number.isFinite(a.triggeredAt)) {
      latencies.push(a.at - a.triggeredAt)
      first = Math.min(first, a.triggeredAt)
    }
    last = Math.max(last, a.at)
  }
  const missing = Math.max(0, expected - ids.size)
  const seconds = arrivals.length ? (last - first) / 1000 : Number.NaN
  return { ...summarize(latencies, missing, seconds), missing, duplicates }
}

export const webhooks: Scenario = {
  name: 'webhooks',
  title: '5. webhook fan-out',
  async run(ctx) {
    const receiver = await startReceiver()
    try {
      const service = await ctx.service('scratch', { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
      const reseller = await service.api<{ id: string }>('POST', '/v3/resellers', {
        name: 'Bench',
        email: 'bench@example.com',
      })
      for (let i = 0; i < ENDPOINTS; i++) {
        await service.api('POST', '/v3/webhooks', {
          name: `bench ${i}`,
          url: `${receiver.url}/${i}`,
          events: ['reseller.updated'],
        })
      }
      let n = 0
      const patch = {
        method: 'PATCH' as const,
        path: `/v3/resellers/${reseller.id}`,
        headers: service.headers,
        setup: () => ({ body: JSON.stringify({ description: `bench change ${n++}` }) }),
        warmup: 0,
      }

      // Burst.
      const burstLoad = await ctx.load(service, {
        ...patch,
        connections: 10,
        amount: BURST_EVENTS,
        seconds: 60,
      })
      const burstExpected = burstLoad.ok * ENDPOINTS
      const burst = phaseStats(await receiver.waitFor(burstExpected, DRAIN_MS), burstExpected)
      const body = receiver.sampleBody
      const burstPeak = service.rss.peak
      receiver.reset()

      // Steady.
      const eventsPerSecond = STEADY_DELIVERIES_PER_SECOND / ENDPOINTS
      const steadyLoad = await ctx.load(service, { ...patch, connections: 4, overallRate: eventsPerSecond })
      const steadyExpected = steadyLoad.ok * ENDPOINTS
      const steady = phaseStats(await receiver.waitFor(steadyExpected, DRAIN_MS), steadyExpected)
      const peak = Math.max(burstPeak, service.rss.peak)
      await service.stop()
      receiver.reset()

      // Baseline: delivering alone.
      const baseline = await runJson<Measured>(
        'bench/lib/baselines/poster.ts',
        {
          BENCH_URLS: Array.from({ length: ENDPOINTS }, (_, i) => `${receiver.url}/${i}`).join(','),
          BENCH_TOTAL: String(Math.max(burstExpected, 1)),
          BENCH_BODY: body ?? '{}',
        },
        DRAIN_MS,
      )

      const label = `${ENDPOINTS} endpoints`
      const burstRatio = ratioOf(burst.rps, baseline.rps)
      ctx.report({
        metric: `burst: ${fmt.count(burstLoad.ok)} events → ${fmt.count(burstExpected)} deliveries, ${label}: deliveries/s`,
        value: fmt.rate(burst.rps, 'del/s'),
        baseline: fmt.rate(baseline.rps, 'posts/s'),
        ratio: burstRatio,
        target: '≥ 1,000 del/s',
        met: burst.rps >= 1000,
        data: { burst, burstLoad, baseline },
      })
      ctx.report({
        metric: 'burst: commit-to-delivery p50 / p99 (queueing included)',
        value: fmt.latency(burst),
        baseline: fmt.latency(baseline),
        ratio: null,
        target: '',
        met: null,
      })
      ctx.report({
        metric: `steady: ${fmt.count(STEADY_DELIVERIES_PER_SECOND)} del/s offered (${eventsPerSecond} events/s) for ${ctx.options.seconds} s: deliveries/s`,
        value: fmt.rate(steady.ok / ctx.options.seconds, 'del/s'),
        baseline: '',
        ratio: null,
        target: '',
        met: null,
        data: { steady, steadyLoad },
      })
      ctx.report({
        metric: 'steady: commit-to-delivery p50 / p99',
        value: fmt.latency(steady),
        baseline: '',
        ratio: null,
        target: 'p99 < 250 ms',
        met: steady.p99 < 250,
      })
      ctx.report({
        metric: 'errors: PATCH failures; deliveries missing; delivered twice',
        value: `${burstLoad.errors + steadyLoad.errors}; ${burst.missing + steady.missing} of ${fmt.count(burstExpected + steadyExpected)}; ${burst.duplicates + steady.duplicates}`,
        baseline: `${baseline.errors} failed posts`,
        ratio: null,
        target: '',
        met: null,
      })
      reportPeakRss(ctx, service, peak)
      ctx.note(
        "webhooks: commit time = the body's triggeredAt (outbox_events.triggered_at, now() of the change's transaction: its start, a few ms before its commit); arrival = the receiver's clock when the body is read. Baseline = a bare process POSTing the same body to the same receiver, one sequential stream per endpoint (undici, keep-alive).",
      )
    } finally {
      await receiver.close()
    }
  },
}
