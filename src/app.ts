// buildApp(deps): the Fastify instance, used by main, tests and benchmarks. listen() is the caller's.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify'
import helmet from 'helmet'
import { renderV1Error } from './dialects/v1/errors.ts'
import { v1 } from './dialects/v1/index.ts'
import { renderV3Error } from './dialects/v3/errors.ts'
import { v3 } from './dialects/v3/index.ts'
import { isDomainError, notFound } from './domain/errors.ts'
import { findTenantRateWindow } from './domain/tenants.ts'
import { consoleRoutes } from './http/console.ts'
import { registerJsonBodyParser } from './http/json-body.ts'
import { rateLimits } from './http/rate-limit.ts'
import { correlationIdOf, requestContext } from './http/request-context.ts'
import { createValidatorCompiler } from './http/validation.ts'
import { loggerOptions } from './logging.ts'
import { createMailer, type Mailer } from './mail/mailer.ts'
import { healthRoutes } from './ops/health.ts'
import { metricsPlugin, registerTokenMetrics } from './ops/metrics.ts'
import { oauthRoutes } from './ops/oauth.ts'
import { openapiPlugin } from './ops/openapi.ts'
import { renderPlatformError } from './platform/errors.ts'
import { platform } from './platform/index.ts'
import type { AppDeps } from './services.ts'

export async function buildApp(deps: AppDeps, options: { logger?: FastifyServerOptions['logger'] } = {}) {
  const app = Fastify({
    logger: (options.logger ?? loggerOptions(deps.config.logLevel)) as NonNullable<
      FastifyServerOptions['logger']
    >,
    genReqId: correlationIdOf,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    requestIdHeader: false,
    trustProxy: false,
    bodyLimit: 1_048_576,
    ...serverTimeouts(deps.config),
    // A URL that cannot be decoded never reaches a route: it is answered in the error shape of its API.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = renderAtEdge(request.url, error, request as FastifyRequest)
      void (reply as FastifyReply).code(status).send(body)
    },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(createValidatorCompiler())
  // Outside any API's prefix, errors take the v3 shape ({message, code}); inside, each API renders its own.
  // Set before any route is registered: a route keeps the error handler of when it was registered.
  app.setNotFoundHandler(async (request, reply) => {
    const { status, body } = renderAtEdge(
      request.url,
      notFound(`Route ${request.method} ${request.url.split('?')[0]}`),
      request,
    )
    return reply.code(status).send(body)
  })
  app.setErrorHandler(async (error, request, reply) => {
    if (isDomainError(error) && error.retryAfterSeconds)
      reply.header('Retry-After', String(error.retryAfterSeconds))
    const { status, body } = renderAtEdge(request.url, error, request)
    return reply.code(status).send(body)
  })

  registerJsonBodyParser(app)
  // helmet's headers, taken once: they depend on nothing in a request, and set from one object by Fastify's
  // reply they skip res.setHeader's checks per header per request (@fastify/helmet, once, also rebuilt its
  // middleware per request: 3% of a GET's CPU in bench/profile-read.ts get).
  const securityHeaderSet = securityHeadersOf(deps.config.publicUrl)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaderSet)
    done()
  })

  await app.register(requestContext)
  await app.register(metricsPlugin, { config: deps.config.metrics })
  registerTokenMetrics(app.metrics, deps.tokens.stats)
  // Invitation and password-reset mail: sent in the background; what is under way may finish at close.
  const mailer = createMailer(deps.config.mail, app.log, app.metrics)
  app.decorate('mailer', mailer)
  app.addHook('onClose', async () => mailer.close())
  await app.register(rateLimits, {
    config: deps.config,
    tenantWindow: (tenantId: string) => findTenantRateWindow(deps.db, tenantId),
  })
  // Outside the APIs (the token endpoint, the JWKS, the docs, health), requests are limited per source IP.
  app.addHook('onRequest', (request, reply, done) => {
    if (isApiPath(request.url)) return done()
    app.limits.ip(request, reply).then(() => done(), done)
  })
  await app.register(openapiPlugin, { publicUrl: deps.config.publicUrl })

  await app.register(healthRoutes, { db: deps.db })
  await app.register(oauthRoutes, {
    db: deps.db,
    tokens: deps.tokens,
    config: deps.config,
    pepper: deps.pepper,
    principals: deps.principals,
  })
  await app.register(v3, { ...deps, prefix: '/v3' })
  await app.register(v1, { ...deps, prefix: '/v1' })
  await app.register(platform, { ...deps, prefix: '/platform' })
  // The web console's static files (dist/console), under its own content security policy.
  await app.register(consoleRoutes, { identityProviders: deps.config.oidc.providers })
  // The signing keys' periodic reload ends with the app.
  app.addHook('onClose', async () => deps.tokens.keys.stop())
  return app
}

const isApiPath = (url: string) =>
  url.startsWith('/v3/') || url.startsWith('/v1/') || url.startsWith('/platform/')

/** An error's status and body in the shape of the API whose prefix the URL has (v3's outside any). */
function renderAtEdge(url: string, error: unknown, request: FastifyRequest) {
  if (url.startsWith('/v1/')) return renderV1Error(error, request)
  if (url.startsWith('/platform/')) return renderPlatformError(error, request)
  return renderV3Error(error, request)
}

/**
 * Security headers for an API (nosniff, no referrer, no framing; HSTS and upgrading requests only when served
 * over https). The content security policy is helmet's default otherwise, which /docs works under.
 */
/** The headers helmet's middleware writes for these options, as it writes them (read off a recording response). */
function securityHeadersOf(publicUrl: string): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    },
  }
  let failure: unknown = null
  helmet(securityHeaders(publicUrl))(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error) => {
      failure = error ?? null
    },
  )
  if (failure) throw failure
  return Object.freeze(headers)
}

function securityHeaders(publicUrl: string) {
  const isHttps = publicUrl.startsWith('https:')
  return {
    contentSecurityPolicy: {
      directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: isHttps ? [] : null },
    },
    hsts: isHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' as const },
    frameguard: { action: 'deny' as const },
  }
}

/**
 * A client that announces a body and never sends it, or trickles its headers, loses its socket: Node checks
 * its connections every few seconds (by default only every 30 s) against these limits.
 */
function serverTimeouts(config: AppDeps['config']) {
  return {
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: Math.max(config.requestTimeoutMs, config.keepAliveTimeoutMs),
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(config.requestTimeoutMs / 4))),
    },
  }
}

export type App = Awaited<ReturnType<typeof buildApp>>

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends the service's mail (mail/mailer.ts). */
    mailer: Mailer
  }
}
