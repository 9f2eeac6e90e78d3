// The v1 (CloudCockpit) dialect: role checks, X-Tenant matched to the token's tenant, CloudCockpit errors.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../../app-deps.ts'
import type { PrincipalRole } from '../../domain/actor.ts'
import { DomainError, forbidden, notFound } from '../../domain/errors.ts'
import { findTenantDomain } from '../../domain/tenants.ts'
import { auditLogRoutes } from './audit-logs.ts'
import { v1ErrorHandler } from './errors.ts'
import { groupRoutes } from './groups.ts'
import { userRoutes } from './users.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The v1 roles a route is "available to". */
    roles?: PrincipalRole[]
  }
}

const DOMAIN_CACHE_MS = 30_000

export const v1: FastifyPluginAsyncTypebox<AppDeps> = async (app, options) => {
  // Only the deps travel on: the prefix option must not be applied twice.
  const deps: AppDeps = {
    config: options.config,
    db: options.db,
    tokens: options.tokens,
    principals: options.principals,
  }
  const domains = new Map<string, { domain: string | null; until: number }>()
  async function domainOf(tenantId: string): Promise<string | null> {
    const cached = domains.get(tenantId)
    if (cached && cached.until > Date.now()) return cached.domain
    const domain = await findTenantDomain(deps.db, tenantId)
    domains.set(tenantId, { domain, until: Date.now() + DOMAIN_CACHE_MS })
    return domain
  }

  // The roles a route enforces are also what its OpenAPI operation documents.
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles
    if (!roles || !route.schema) return
    const schema = route.schema as Record<string, unknown>
    schema.security = [{ bearer: [] }]
    schema['x-required-roles'] = roles
  })
  // .NET binds query names case-insensitively: `PageNumber` and `pageNumber` are the same parameter.
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema?.querystring as
      | { properties?: Record<string, unknown> }
      | undefined
    const names = schema?.properties ? Object.keys(schema.properties) : []
    const query = request.query as Record<string, unknown> | undefined
    if (!query || names.length === 0) return
    const canonical = new Map(names.map((name) => [name.toLowerCase(), name]))
    for (const key of Object.keys(query)) {
      const name = canonical.get(key.toLowerCase())
      if (name && name !== key && !(name in query)) {
        query[name] = query[key]
        delete query[key]
      }
    }
  })
  app.setErrorHandler(v1ErrorHandler)
  app.setNotFoundHandler(async (request) => {
    throw notFound(`Route ${request.method} ${request.url.split('?')[0]}`)
  })
  app.addHook('onRequest', async (request) => {
    request.principal = await deps.principals.resolve(request.headers.authorization)
    const roles = request.routeOptions.config.roles
    if (roles && !roles.includes(request.principal.role))
      throw forbidden(`Available to the roles: ${roles.join(', ')}.`)
  })
  // After schema validation (which reports a missing X-Tenant as a 400): the header must name the token's tenant.
  app.addHook('preHandler', async (request) => {
    const header = request.headers['x-tenant']
    const tenantId = request.principal?.tenantId
    if (typeof header !== 'string' || !tenantId) return
    const domain = await domainOf(tenantId)
    if (!domain || domain.toLowerCase() !== header.trim().toLowerCase())
      throw new DomainError(
        'Forbidden',
        'X-Tenant does not name the tenant of this token.',
        'TENANT_MISMATCH',
        'X-Tenant',
      )
  })
  await app.register(userRoutes, deps)
  await app.register(groupRoutes, deps)
  await app.register(auditLogRoutes, deps)
}
