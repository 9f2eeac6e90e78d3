// POST /oauth/token (RFC 6749 §4.4 client credentials, §6 a signed-in user's refresh token) and the JWKS that
// verifies what it issues.
import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Pepper } from '../auth/client-secrets.ts'
import { grantClientCredentials, grantRefreshToken, OAuthFailure } from '../auth/grant.ts'
import type { PrincipalResolver } from '../auth/principals.ts'
import { createTokenThrottle } from '../auth/throttle.ts'
import type { TokenService } from '../auth/tokens.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import { isDomainError } from '../domain/errors.ts'
import { textProblem } from '../http/input.ts'
import { requestFactsOf } from '../http/request-context.ts'

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
  refresh_token: Type.Optional(
    Type.String({ description: 'grant_type=refresh_token only: the next refresh token (use it once).' }),
  ),
})
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() })
const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: 'client_credentials or refresh_token.' })),
    refresh_token: Type.Optional(
      Type.String({ description: 'grant_type=refresh_token: a refresh token from POST /v3/accounts/login.' }),
    ),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String({ description: 'Space-separated scopes, a subset of the client’s.' })),
  },
  { additionalProperties: true },
)

export const oauthRoutes: FastifyPluginAsyncTypebox<{
  db: Db
  tokens: TokenService
  config: Config
  pepper: Pepper
  principals?: PrincipalResolver
}> = async (app, { db, tokens, config, pepper, principals }) => {
  await app.register(formbody)
  const throttle = createTokenThrottle(app.limits.count, config.tokenThrottle)

  app.setErrorHandler((error, request, reply) => {
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
    if (error instanceof OAuthFailure) {
      // The challenge answers a client that authenticated with HTTP Basic (RFC 6749 5.2); one that sent its secret in
      // the body gets none: a browser would answer a Basic challenge with its own password prompt.
      if (error.status === 401 && /^basic /i.test(request.headers.authorization ?? ''))
        reply.header('WWW-Authenticate', 'Basic realm="reseller-api"')
      if (error.retryAfterSeconds) reply.header('Retry-After', String(error.retryAfterSeconds))
      return reply.code(error.status).send({ error: error.error, error_description: error.message })
    }
    // The per-IP request limit, counted before the route: in RFC 6749's shape like every answer here.
    if (isDomainError(error) && error.kind === 'TooManyRequests')
      return reply.code(429).send({ error: 'too_many_requests', error_description: error.message })
    const status = (error as { statusCode?: number }).statusCode
    if (status === 413 || status === 415)
      return reply.code(status).send({
        error: 'invalid_request',
        error_description:
          status === 413 ? 'The request body is too large.' : 'The body must be form-encoded or JSON.',
      })
    if (status && status >= 400 && status < 500)
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: 'The request body is malformed.' })
    request.log.error({ err: error }, 'token endpoint failed')
    return reply.code(500).send({ error: 'server_error', error_description: 'An unexpected error occurred.' })
  })

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'GetJsonWebKeySet',
        tags: ['authentication'],
        summary: 'Public keys that verify access tokens',
        security: [],
        // Its errors (the per-IP limit) are rendered by this plugin's handler, in RFC 6749's shape.
        response: {
          200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
          429: OAuthError,
          500: OAuthError,
        },
      },
    },
    async (_request, reply) => {
      reply.header('Cache-Control', 'public, max-age=300')
      return tokens.jwks()
    },
  )

  app.post(
    '/oauth/token',
    {
      schema: {
        operationId: 'CreateAccessToken',
        tags: ['authentication'],
        summary: 'Issue an access token (OAuth2 client credentials, or a signed-in user’s refresh token)',
        description:
          'Form or JSON body. grant_type=client_credentials: authenticate with HTTP Basic or client_id/client_secret in the body. grant_type=refresh_token (RFC 6749 §6, no client authentication): a refresh token from POST /v3/accounts/login is used once and answered with a new access token and the next refresh token; a refresh token presented a second time ends its whole session (every token of that sign-in); a retired, unknown, expired or revoked one is invalid_grant. Errors follow RFC 6749 §5.2. After TOKEN_THROTTLE_MAX_FAILURES failed authentications (default 10) in TOKEN_THROTTLE_WINDOW_S (default 300 s) for one client id from one IP, or from one IP for any client, the endpoint answers 429 with Retry-After, for the right secret too, until the window has passed.',
        security: [],
        body: TokenRequest,
        response: {
          200: TokenResponse,
          400: OAuthError,
          401: OAuthError,
          413: OAuthError,
          429: OAuthError,
          415: OAuthError,
          500: OAuthError,
        },
      },
      // Validation here only documents the shape; every refusal is rendered as an RFC 6749 error below.
      attachValidation: true,
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
      const body = (request.body ?? {}) as Record<string, unknown>
      for (const value of Object.values(body))
        if (typeof value === 'string' && textProblem(value))
          throw new OAuthFailure(400, 'invalid_request', 'A parameter holds a character that is not allowed.')
      const grant = body.grant_type === 'refresh_token' ? grantRefreshToken : grantClientCredentials
      return grant(
        {
          db,
          tokens,
          config,
          pepper,
          throttle,
          onThrottled: () => app.counters.throttled.inc(),
          onFailure: (reason) => app.counters.authenticationFailures.inc({ reason }),
          onSessionRevoked: (sessionId) => principals?.forgetSessions([sessionId]),
        },
        { authorization: request.headers.authorization, body },
        requestFactsOf(request),
      )
    },
  )
}
