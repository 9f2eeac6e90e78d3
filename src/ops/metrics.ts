// Prometheus metrics: request counts and durations by route and status, process metrics, and the counters
// other modules increment (app.counters). Served only when asked for: behind METRICS_TOKEN on the API's port,
// or on an internal listener (METRICS_PORT), or both; with neither, /metrics does not exist.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { MetricsConfig } from '../config.ts'
import { countingQueries, type QueryTally } from '../db/query-count.ts'
import {
  isMetricsToken,
  listenForMetrics,
  METRICS_CHALLENGE,
  type MetricsListener,
} from './metrics-access.ts'

/** A registry with the process metrics: one per app (tests build many apps in one process), or the worker's. */
export function createRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}

/** What abuse the service turned away, and the retries it answered without doing the work twice. */
function createCounters(registry: Registry) {
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

export type AppCounters = ReturnType<typeof createCounters>

/** The token service's own tallies, read when the registry is scraped. */
export function registerTokenMetrics(
  registry: Registry,
  stats: { readonly verifications: number; readonly hits: number },
): void {
  new Counter({
    name: 'reseller_api_token_verifications_total',
    help: 'Access tokens whose ES256 signature this process checked (a token seen before is not checked again).',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(stats.verifications)
    },
  })
  new Counter({
    name: 'reseller_api_token_cache_hits_total',
    help: 'Requests whose access token this process had verified already (its expiry, key and client still checked).',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(stats.hits)
    },
  })
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: { config: MetricsConfig }) => {
  const { config } = options
  const registry = createRegistry()
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
  const queries = new Counter({
    name: 'reseller_api_db_queries_total',
    help: 'Statements sent to the database while answering requests (BEGIN and COMMIT included), by method and route: divided by http_requests_total, the round trips a request costs.',
    labelNames: ['method', 'route'] as const,
    registers: config.queryCounts ? [registry] : [],
  })
  app.decorate('metrics', registry)
  app.decorate('counters', createCounters(registry))
  app.decorateRequest('queryTally', null)

  // Every statement of the request is counted, when asked (config.queryCounts): the rest of the request runs
  // inside this scope. The body arrives on socket events, outside it, so validation (and the handler after
  // it) re-enters the scope.
  if (config.queryCounts) {
    app.addHook('onRequest', (request, _reply, done) => {
      const tally: QueryTally = { count: 0 }
      request.queryTally = tally
      countingQueries(tally, done)
    })
    app.addHook('preValidation', (request, _reply, done) => {
      if (request.queryTally) countingQueries(request.queryTally, done)
      else done()
    })
  }

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { method: request.method, route, status: String(reply.statusCode) }
    requests.inc(labels)
    durations.observe(labels, reply.elapsedTime / 1000)
    if (request.queryTally?.count) queries.inc({ method: request.method, route }, request.queryTally.count)
    done()
  })

  // With an internal listener, the API's port has no /metrics at all, token or not.
  let listener: MetricsListener | null = null
  app.decorate('metricsListener', () => listener)
  if (config.port !== null) {
    app.addHook('onReady', async () => {
      listener = await listenForMetrics(registry, config)
    })
    app.addHook('onClose', async () => {
      await listener?.close()
    })
  } else if (config.token !== null) {
    const token = config.token
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      // Answered here, in the v3 shape of errors outside any API: this route is registered before the app's
      // error handler, so a thrown error would reach Fastify's default one.
      if (!isMetricsToken(request.headers.authorization, token))
        return reply
          .code(401)
          .header('WWW-Authenticate', METRICS_CHALLENGE)
          .send({ message: 'A valid metrics token is required.', code: 'UNAUTHORIZED' })
      reply.header('Content-Type', registry.contentType)
      return registry.metrics()
    })
  }
})

/** Where /metrics is served, for the start banner; null when nowhere. */
export function metricsWhere(config: MetricsConfig, apiAddress: string): string | null {
  if (config.port !== null) {
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    return `http://${host}:${config.port}/metrics${config.token ? ' (bearer METRICS_TOKEN)' : ''}`
  }
  return config.token ? `${apiAddress}/metrics (bearer METRICS_TOKEN)` : null
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The statements this request has sent so far (ops/metrics counts them per route). */
    queryTally: QueryTally | null
  }
  interface FastifyInstance {
    metrics: Registry
    counters: AppCounters
    /** The internal /metrics listener, once the app is ready, when METRICS_PORT is set. */
    metricsListener: () => MetricsListener | null
  }
}
