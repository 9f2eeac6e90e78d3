// The platform operator's API: reached only with a `platform` token (PLATFORM_CLIENT_ID), which in turn
// reaches no tenant's data.
import { createDialect } from '../http/dialect.ts'
import { renderPlatformError } from './errors.ts'
import { tenantRoutes } from './tenants.ts'

export const platform = createDialect({
  renderError: renderPlatformError,
  routes: [tenantRoutes],
})
