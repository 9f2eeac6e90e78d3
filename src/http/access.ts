// Access to an operation, for every API: the principal must be allowed what the authorization table
// (auth/operations.ts) says, and the OpenAPI operation documents exactly that.
import type { FastifyInstance } from 'fastify'
import { type Access, accessOf, type Operation } from '../auth/operations.ts'
import type { Principal } from '../domain/actor.ts'
import { forbidden } from '../domain/errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation of the authorization table a route performs (its OpenAPI operationId too). */
    operation?: Operation
  }
}

/** Throws Forbidden unless the principal may perform an operation with this access. */
export function assertAllowed(principal: Principal, access: Access): void {
  if ('public' in access) return
  if ('signedIn' in access) {
    if (principal.type !== 'user') throw forbidden('Only a signed-in user may do this.')
    return
  }
  if ('platform' in access) {
    if (principal.role !== 'platform') throw forbidden('Only the platform operator may do this.')
    return
  }
  if (access.roles && !access.roles.includes(principal.role))
    throw forbidden(`Available to the roles: ${access.roles.join(', ')}.`)
  if (!principal.scopes.has(access.scope)) throw forbidden(`The token lacks the scope "${access.scope}".`)
}

/** The access rule as the OpenAPI operation states it. */
function documentAccess(schema: Record<string, unknown>, operation: string, access: Access): void {
  schema.operationId = operation
  if ('public' in access) {
    schema.security = []
    schema['x-public'] = true
    return
  }
  if ('signedIn' in access) {
    schema.security = [{ userToken: [] }]
    schema['x-required-role'] = 'signed-in user'
    return
  }
  if ('platform' in access) {
    schema.security = [{ clientCredentials: [] }]
    schema['x-required-role'] = 'platform'
    return
  }
  schema.security = [{ clientCredentials: [access.scope] }]
  schema['x-required-scope'] = access.scope
  if (access.roles) schema['x-required-roles'] = access.roles
  schema.description = `${schema.description ? `${schema.description} ` : ''}Requires the scope \`${access.scope}\`.`
}

/**
 * Every route of the plugin names an operation of the table, or fails to register; each request is then
 * checked against it once its principal is known.
 */
export function enforceOperationAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const operation = route.config?.operation
    const access = operation ? accessOf(operation) : undefined
    if (!operation || !access)
      throw new Error(
        `${route.method} ${route.url} names no operation of the authorization table (auth/operations.ts)`,
      )
    if (route.schema && route.method !== 'HEAD')
      documentAccess(route.schema as Record<string, unknown>, operation, access)
  })
}

/** The access of the request's route; none for the not-found handler, which serves nothing. */
export const accessOfRequest = (config: { operation?: Operation }): Access | undefined =>
  config.operation ? accessOf(config.operation) : undefined
