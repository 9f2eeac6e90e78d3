// POST /oauth/token (RFC 6749 §4.4 client credentials) and the JWKS that verifies what it issues.
import { timingSafeEqual } from 'node:crypto'
import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenService } from '../auth/tokens.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import type { Principal } from '../domain/actor.ts'
import { recordAudit } from '../domain/audit.ts'
import { findActiveClient, secretMatches } from '../domain/clients.ts'
import { actorOf } from '../http/request-context.ts'

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
})
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() })
const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: 'Must be client_credentials.' })),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String({ description: 'Space-separated scopes, a subset of the client’s.' })),
  },
  { additionalProperties: true },
)

class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly isBasic = false,
  ) {
    super(description)
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Client credentials from HTTP Basic (form-urlencoded parts, RFC 6749 §2.3.1) or the body, never both. */
function clientCredentials(
  authorization: string | undefined,
  body: Record<string, unknown>,
): { clientId: string; clientSecret: string; isBasic: boolean } {
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)
  if (authorization && !basic)
    throw new OAuthFailure(401, 'invalid_client', 'Unsupported client authentication.', true)
  if (basic?.[1]) {
    if (bodySecret !== undefined)
      throw new OAuthFailure(400, 'invalid_request', 'Use one client authentication method, not two.')
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) throw new OAuthFailure(401, 'invalid_client', 'Malformed Basic credentials.', true)
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '))
      } catch {
        throw new OAuthFailure(401, 'invalid_client', 'Malformed Basic credentials.', true)
      }
    }
    const clientId = decode(decoded.slice(0, colon))
    if (bodyId !== undefined && bodyId !== clientId)
      throw new OAuthFailure(
        400,
        'invalid_request',
        'client_id in the body names another client than Basic does.',
      )
    return { clientId, clientSecret: decode(decoded.slice(colon + 1)), isBasic: true }
  }
  if (!bodyId || bodySecret === undefined)
    throw new OAuthFailure(401, 'invalid_client', 'Client authentication is required.')
  return { clientId: bodyId, clientSecret: bodySecret, isBasic: false }
}

function narrowScopes(requested: unknown, granted: readonly string[]): string[] {
  if (requested === undefined || requested === '') return [...granted]
  if (typeof requested !== 'string') throw new OAuthFailure(400, 'invalid_request', 'scope must be a string.')
  const wanted = [...new Set(requested.split(' ').filter(Boolean))]
  const extra = wanted.find((scope) => !granted.includes(scope))
  if (extra) throw new OAuthFailure(400, 'invalid_scope', `The client may not request the scope "${extra}".`)
  return wanted
}

export const oauthRoutes: FastifyPluginAsyncTypebox<{
  db: Db
  tokens: TokenService
  config: Config
}> = async (app, { db, tokens, config }) => {
  await app.register(formbody)

  app.setErrorHandler((error, request, reply) => {
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
    if (error instanceof OAuthFailure) {
      if (error.status === 401) reply.header('WWW-Authenticate', 'Basic realm="reseller-api"')
      return reply.code(error.status).send({ error: error.error, error_description: error.message })
    }
    const status = (error as { statusCode?: number }).statusCode
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
        tags: ['authentication'],
        summary: 'Public keys that verify access tokens',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async (_request, reply) => {
      reply.header('Cache-Control', 'public, max-age=300')
      return tokens.jwks()
    },
  )

  /**
   * Issues a token for the principal, names it the request's principal (the audit's actor) and records the
   * issuance (the token's id, never the token; a client's scope too); answers RFC 6749's body.
   */
  async function grant(request: FastifyRequest, principal: Omit<Principal, 'scopes'>, scope: string[]) {
    const issued = await tokens.issue({
      sub: principal.id,
      tid: principal.tenantId,
      role: principal.role,
      rid: principal.resellerId,
      scope,
    })
    request.principal = { ...principal, scopes: new Set(scope) }
    await recordAudit(db, actorOf(request), {
      action: 'client.token.issued',
      resource: 'client',
      resourceId: principal.id,
      resellerId: principal.resellerId,
      changes: [
        { field: 'tokenId', from: null, to: issued.jti },
        ...(principal.type === 'client' ? [{ field: 'scope', from: null, to: scope.join(' ') }] : []),
      ],
    })
    return {
      access_token: issued.token,
      token_type: 'Bearer' as const,
      expires_in: issued.expiresIn,
      scope: scope.join(' '),
    }
  }

  app.post(
    '/oauth/token',
    {
      schema: {
        tags: ['authentication'],
        summary: 'Issue an access token (OAuth2 client credentials)',
        description:
          'Form or JSON body. Authenticate with HTTP Basic or client_id/client_secret in the body. Errors follow RFC 6749 §5.2.',
        security: [],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError, 500: OAuthError },
      },
      // Validation here only documents the shape; every refusal is rendered as an RFC 6749 error below.
      attachValidation: true,
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
      const body = (request.body ?? {}) as Record<string, unknown>
      const { clientId, clientSecret, isBasic } = clientCredentials(request.headers.authorization, body)
      if (body.grant_type === undefined)
        throw new OAuthFailure(400, 'invalid_request', 'grant_type is required.')
      if (body.grant_type !== 'client_credentials')
        throw new OAuthFailure(400, 'unsupported_grant_type', 'Only client_credentials is supported.')
      const failed = () => new OAuthFailure(401, 'invalid_client', 'Client authentication failed.', isBasic)

      const platform = config.platform
      if (platform && clientId === platform.clientId) {
        if (!safeEqual(clientSecret, platform.clientSecret)) throw failed()
        return grant(
          request,
          { type: 'platform', id: platform.clientId, role: 'platform', tenantId: null, resellerId: null },
          narrowScopes(body.scope, []),
        )
      }

      const client = await findActiveClient(db, clientId)
      if (!client || !secretMatches(clientSecret, client.secret_hash)) throw failed()
      return grant(
        request,
        {
          type: 'client',
          id: client.id,
          role: client.role,
          tenantId: client.tenant_id,
          resellerId: client.reseller_id,
        },
        narrowScopes(body.scope, client.scopes),
      )
    },
  )
}
