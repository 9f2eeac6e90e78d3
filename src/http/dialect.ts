// One encapsulated Fastify plugin per API (v3, v1, platform): its own error body, access rule and routes, so
// that no API ever renders another's errors.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TSchema } from 'typebox'
import { isDomainError, notFound } from '../domain/errors.ts'
import type { AppDeps } from '../services.ts'
import { accessOfRequest, assertAllowed, enforceOperationAccess } from './access.ts'
import { enforceIdempotency } from './idempotency.ts'
import { assertStorableText } from './input.ts'

/** The challenge a 401 carries, as the OpenAPI document states it. */
export const CHALLENGE_HEADER = {
  'WWW-Authenticate': {
    type: 'string',
    description:
      'How to authenticate: `Bearer realm="reseller-api"` on the APIs (a token from POST /oauth/token), `Basic realm="reseller-api"` at the token endpoint to a client that authenticated with HTTP Basic (one that sent its secret in the body gets no challenge, which a browser would answer with its own password prompt).',
  },
} as const

export interface RenderedError {
  status: number
  body: unknown
}

export interface DialectParts {
  /** Any thrown value → the API's status and error body. */
  renderError(error: unknown, request: FastifyRequest): RenderedError
  /** Hooks of this API alone, added before its routes. */
  addHooks?(app: FastifyInstance, deps: AppDeps): void
  routes: FastifyPluginAsyncTypebox<AppDeps>[]
}

export function createDialect(parts: DialectParts): FastifyPluginAsyncTypebox<AppDeps> {
  return async (app, options) => {
    // Only the deps travel on: the prefix option must not be applied twice.
    const deps: AppDeps = {
      config: options.config,
      db: options.db,
      keyring: options.keyring,
      pepper: options.pepper,
      tokens: options.tokens,
      principals: options.principals,
      oidc: options.oidc,
      signIn: options.signIn,
    }
    enforceOperationAccess(app)
    enforceIdempotency(app, deps)
    app.setErrorHandler(async (error, request, reply) => {
      const { status, body } = parts.renderError(error, request)
      if (isDomainError(error) && error.retryAfterSeconds)
        reply.header('Retry-After', String(error.retryAfterSeconds))
      if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="reseller-api"')
      return reply.code(status).send(body)
    })
    app.setNotFoundHandler(async (request) => {
      throw notFound(`Route ${request.method} ${request.url.split('?')[0]}`)
    })
    app.addHook('onRequest', async (request, reply) => {
      const access = accessOfRequest(request.routeOptions.config)
      // A public operation takes no token (one sent is not read): it is limited per IP.
      if (access && 'public' in access) return app.limits.ip(request, reply)
      try {
        request.principal = await deps.principals.resolve(request.headers.authorization)
      } catch (error) {
        // Guessing tokens costs a signature check each: that is limited per IP, as every anonymous call is.
        await app.limits.ip(request, reply)
        throw error
      }
      await app.limits.client(request, reply)
      if (access) assertAllowed(request.principal, access)
    })
    // Before schema validation, so that no rule of a route's schema ever sees unstorable text.
    app.addHook('preValidation', (request, _reply, done) => {
      try {
        assertStorableText(request.params, '')
        assertStorableText(request.query, '')
        assertStorableText(request.body, '')
      } catch (error) {
        return done(error as Error)
      }
      done()
    })
    parts.addHooks?.(app, deps)
    for (const routes of parts.routes) await app.register(routes, deps)
  }
}

/** A response schema for every status, so the serializer can never emit a field the contract lacks. */
export function errorResponses<B extends TSchema, S extends number>(body: B, statuses: readonly S[]) {
  const errors = Object.fromEntries(statuses.map((status) => [status, body])) as Record<S, B>
  return <T extends Record<number, TSchema>>(responses: T) => ({ ...errors, ...responses })
}
