// The platform operator's API: reached only with a `platform` token (PLATFORM_CLIENT_ID), which in turn
// reaches no tenant's data.
import type { Principal } from '../domain/actor.ts'
import { forbidden } from '../domain/errors.ts'
import { createDialect } from '../http/dialect.ts'
import { renderPlatformError } from './errors.ts'
import { tenantRoutes } from './tenants.ts'

function requirePlatformOperator(principal: Principal): void {
  if (principal.role !== 'platform') throw forbidden('Only the platform operator manages tenants.')
}

export const platform = createDialect({
  renderError: renderPlatformError,
  authorize: requirePlatformOperator,
  routes: [tenantRoutes],
})
