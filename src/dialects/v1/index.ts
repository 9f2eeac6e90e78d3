// The v1 (CloudCockpit) dialect: X-Tenant matched to the token's tenant, CloudCockpit errors (access: auth/operations.ts).
import type { FastifyInstance } from 'fastify'
import { DomainError } from '../../domain/errors.ts'
import { findTenantDomain } from '../../domain/tenants.ts'
import { createDialect } from '../../http/dialect.ts'
import type { AppDeps } from '../../services.ts'
import { auditLogRoutes } from './audit-logs.ts'
import { customerUserRoutes } from './customer-users.ts'
import { renderV1Error } from './errors.ts'
import { groupRoutes } from './groups.ts'
import { userRoutes } from './users.ts'

const DOMAIN_CACHE_MS = 30_000

/** .NET binds query names case-insensitively: `PageNumber` and `pageNumber` are the same parameter. */
function bindQueryNamesCaseInsensitively(app: FastifyInstance): void {
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
}

/** After schema validation (which reports a missing X-Tenant as a 400): the header must name the token's tenant. */
function requireTenantHeaderMatch(app: FastifyInstance, { db }: AppDeps): void {
  const domains = new Map<string, { domain: string | null; until: number }>()
  async function domainOf(tenantId: string): Promise<string | null> {
    const cached = domains.get(tenantId)
    if (cached && cached.until > Date.now()) return cached.domain
    const domain = await findTenantDomain(db, tenantId)
    domains.set(tenantId, { domain, until: Date.now() + DOMAIN_CACHE_MS })
    return domain
  }
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
}

export const v1 = createDialect({
  renderError: renderV1Error,
  addHooks(app, deps) {
    bindQueryNamesCaseInsensitively(app)
    requireTenantHeaderMatch(app, deps)
  },
  routes: [userRoutes, customerUserRoutes, groupRoutes, auditLogRoutes],
})
