// Baseline of scenario 5: delivering alone. One sequential loop per endpoint URL (as the dispatcher
// delivers to one endpoint: in order, one at a time), each POSTing a body of the size the service sends to
// the same loopback receiver with undici (the service's HTTP client), until BENCH_TOTAL posts are done.
// No database, no signing. Prints one JSON line (a Measured).
import { Agent, request } from 'undici'
import { summarize } from '../measure.ts'
import { numberFromEnv } from './env.ts'

const urls = (process.env.BENCH_URLS ?? '').split(',').filter(Boolean)
const total = numberFromEnv('BENCH_TOTAL')
const body = process.env.BENCH_BODY ?? '{}'
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 })
const latencies: number[] = []
let errors = 0
let next = 0
const started = performance.now()
await Promise.all(
  urls.map(async (url) => {
    while (next < total) {
      next++
      const t = performance.now()
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'webhook-id': 'baseline' },
          body,
          dispatcher: agent,
        })
        await response.body.text()
        if (response.statusCode >= 300) errors++
        else latencies.push(performance.now() - t)
      } catch {
        errors++
      }
    }
  }),
)
await agent.close()
process.stdout.write(
  `${JSON.stringify(summarize(latencies, errors, (performance.now() - started) / 1000))}\n`,
)
