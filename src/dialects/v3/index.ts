// The v3 (Cryptlex) dialect: scope checks and the {message, code} error body.
import type { Scope } from '../../auth/scopes.ts'
import type { Principal } from '../../domain/actor.ts'
import { forbidden } from '../../domain/errors.ts'
import { createDialect } from '../../http/dialect.ts'
import { clientRoutes } from './clients.ts'
import { renderV3Error } from './errors.ts'
import { eventLogRoutes } from './event-logs.ts'
import { organizationRoutes } from './organizations.ts'
import { resellerRoutes } from './resellers.ts'
import { roleRoutes } from './roles.ts'
import { userItemRoutes, userRoutes } from './users.ts'
import { webhookDeliveryRoutes, webhookRoutes } from './webhooks.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The v3 scope a route requires. */
    scope?: Scope
  }
}

function requireScope(principal: Principal, { scope }: { scope?: Scope }): void {
  if (scope && !principal.scopes.has(scope)) throw forbidden(`The token lacks the scope "${scope}".`)
}

/** The scope a route enforces is also what its OpenAPI operation documents. */
function documentScope(schema: Record<string, unknown>, { scope }: { scope?: Scope }): void {
  if (!scope) return
  schema.security = [{ bearer: [] }]
  schema['x-required-scope'] = scope
  schema.description = `${schema.description ? `${schema.description} ` : ''}Requires the scope \`${scope}\`.`
}

export const v3 = createDialect({
  renderError: renderV3Error,
  authorize: requireScope,
  documentAccess: documentScope,
  routes: [
    resellerRoutes,
    organizationRoutes,
    userRoutes,
    userItemRoutes,
    clientRoutes,
    eventLogRoutes,
    roleRoutes,
    webhookRoutes,
    webhookDeliveryRoutes,
  ],
})
