// The v3 (Cryptlex) dialect: one encapsulated plugin with its own auth hook, scope checks and error body.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../../app-deps.ts'
import type { Scope } from '../../auth/scopes.ts'
import { forbidden, notFound } from '../../domain/errors.ts'
import { clientRoutes } from './clients.ts'
import { v3ErrorHandler } from './errors.ts'
import { eventLogRoutes } from './event-logs.ts'
import { organizationRoutes } from './organizations.ts'
import { resellerRoutes } from './resellers.ts'
import { roleRoutes } from './roles.ts'
import { userRoutes } from './users.ts'
import { webhookRoutes } from './webhooks.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The v3 scope a route requires. */
    scope?: Scope
  }
}

export const v3: FastifyPluginAsyncTypebox<AppDeps> = async (app, options) => {
  // Only the deps travel on: the prefix option must not be applied twice.
  const deps: AppDeps = {
    config: options.config,
    db: options.db,
    tokens: options.tokens,
    principals: options.principals,
  }
  // The scope a route enforces is also what its OpenAPI operation documents.
  app.addHook('onRoute', (route) => {
    const scope = route.config?.scope
    if (!scope || !route.schema) return
    const schema = route.schema as Record<string, unknown>
    schema.security = [{ bearer: [] }]
    schema['x-required-scope'] = scope
    schema.description = `${schema.description ? `${schema.description} ` : ''}Requires the scope \`${scope}\`.`
  })
  app.setErrorHandler(v3ErrorHandler)
  app.setNotFoundHandler(async (request) => {
    throw notFound(`Route ${request.method} ${request.url.split('?')[0]}`)
  })
  app.addHook('onRequest', async (request) => {
    request.principal = await deps.principals.resolve(request.headers.authorization)
    const scope = request.routeOptions.config.scope
    if (scope && !request.principal.scopes.has(scope))
      throw forbidden(`The token lacks the scope "${scope}".`)
  })
  await app.register(resellerRoutes, deps)
  await app.register(organizationRoutes, deps)
  await app.register(userRoutes, deps)
  await app.register(clientRoutes, deps)
  await app.register(eventLogRoutes, deps)
  await app.register(roleRoutes, deps)
  await app.register(webhookRoutes, deps)
}
