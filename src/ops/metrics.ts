// Prometheus metrics: request counts and durations by route and status, plus process metrics.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export const metricsPlugin = fp(async (app: FastifyInstance) => {
  // One registry per app instance: tests build many apps in one process.
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  app.decorate('metrics', registry)
  app.decorate('counters', abuseCounters(registry))

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { method: request.method, route, status: String(reply.statusCode) }
    requests.inc(labels)
    durations.observe(labels, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('Content-Type', registry.contentType)
    return registry.metrics()
  })
})

/** What abuse the service turned away, and the retries it answered without doing the work twice. */
function abuseCounters(registry: Registry) {
  return {
    throttled: new Counter({
      name: 'reseller_api_token_throttled_total',
      help: 'Token requests refused with 429 after repeated failed client authentications.',
      registers: [registry],
    }),
    authenticationFailures: new Counter({
      name: 'reseller_api_token_authentication_failures_total',
      help: 'Failed client authentications at the token endpoint, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'reseller_api_rate_limited_total',
      help: 'Requests refused with 429 past a rate limit, by policy (client or ip).',
      labelNames: ['policy'] as const,
      registers: [registry],
    }),
    idempotentReplays: new Counter({
      name: 'reseller_api_idempotent_replays_total',
      help: 'POSTs answered by replaying the stored response of an earlier request with the same Idempotency-Key.',
      registers: [registry],
    }),
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry
    counters: ReturnType<typeof abuseCounters>
  }
}
