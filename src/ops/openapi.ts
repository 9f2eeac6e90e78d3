// The OpenAPI 3.1 document, generated from the route schemas that validate, and the interactive reference.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { SCOPES } from '../auth/scopes.ts'
import { documentSharedHeaders } from './openapi-headers.ts'

export const openapiPlugin = fp(async (app: FastifyInstance, { publicUrl }: { publicUrl: string }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Reseller API',
        version: '0.1.0',
        // As package.json and LICENSE state it (test/ops/openapi-document.test.ts compares them).
        license: { name: 'MIT License', identifier: 'MIT' },
        description: [
          'Resellers, their organizations and users, in two dialects: v3 (Cryptlex reseller API) and v1 (CloudCockpit reseller user API).',
          '',
          '# Rate limits',
          'Each API client has a window of requests (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S, by default 1000 per 10 s, or its tenant’s own); requests outside the APIs count per source address. Every counted response carries `RateLimit-Policy` and `RateLimit` (IETF draft-ietf-httpapi-ratelimit-headers) and `X-Rate-Limit-Limit` (the period, e.g. `10s`), `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (the UTC time the window resets). Past the limit: 429 with `Retry-After`, in the API’s error shape.',
          '',
          '# Idempotency',
          'Every POST takes an `Idempotency-Key` header (1 to 255 characters): a repeat of the same request with the same key within 24 h gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another request answers 422; a repeat while the first runs waits for it, or answers 409.',
        ].join('\n'),
      },
      servers: [{ url: publicUrl, description: 'This service (its PUBLIC_URL)' }],
      components: {
        securitySchemes: {
          // The bearer token (an ES256 JWT) that POST /oauth/token issues; each operation names the scope it needs.
          clientCredentials: {
            type: 'oauth2',
            description:
              'A bearer token (ES256 JWT) from POST /oauth/token, client credentials grant. v1 operations also take the tenant in X-Tenant; the platform operator’s token carries no scope.',
            flows: {
              clientCredentials: {
                tokenUrl: `${publicUrl}/oauth/token`,
                scopes: Object.fromEntries(SCOPES.map((scope) => [scope, `The \`${scope}\` permission.`])),
              },
            },
          },
          // A signed-in user's access token (POST /v3/accounts/login): it acts as that user, on itself.
          userToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The access token of a signed-in user, from POST /v3/accounts/login (ES256 JWT).',
          },
        },
      },
      security: [{ clientCredentials: [] }],
    },
    // The shared headers, added to every operation at once (this app only ever builds an OpenAPI 3 document).
    transformObject: (document) =>
      'openapiObject' in document
        ? withoutUnusedSchemes(documentSharedHeaders(document.openapiObject))
        : document.swaggerObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
})

interface SecuredDocument {
  security?: Record<string, unknown>[]
  paths?: Record<string, Record<string, { security?: Record<string, unknown>[] }>>
  components?: { securitySchemes?: Record<string, unknown> }
}

/**
 * The document without a security scheme that no operation names (the signed-in user's token is declared
 * before any operation takes it): an unused component is a lint error, and a promise the API does not keep.
 */
function withoutUnusedSchemes<T>(input: T): T {
  const document = input as SecuredDocument
  const schemes = document.components?.securitySchemes
  if (!schemes) return input
  const used = new Set<string>()
  const note = (requirements: Record<string, unknown>[] | undefined) => {
    for (const requirement of requirements ?? []) for (const name of Object.keys(requirement)) used.add(name)
  }
  note(document.security)
  for (const byMethod of Object.values(document.paths ?? {}))
    for (const operation of Object.values(byMethod)) note(operation.security)
  for (const name of Object.keys(schemes)) if (!used.has(name)) delete schemes[name]
  return input
}
