// The v3 (Cryptlex) dialect: the {message, code} error body and its routes (access: auth/operations.ts).
import { createDialect } from '../../http/dialect.ts'
import { accountLinkRoutes } from './account-links.ts'
import { accountRoutes } from './accounts.ts'
import { clientRoutes } from './clients.ts'
import { renderV3Error } from './errors.ts'
import { eventLogRoutes } from './event-logs.ts'
import { oidcRoutes } from './oidc.ts'
import { organizationRoutes } from './organizations.ts'
import { resellerRoutes } from './resellers.ts'
import { roleRoutes } from './roles.ts'
import { twoFactorRoutes } from './two-factor.ts'
import { userItemRoutes, userRoutes } from './users.ts'
import { webhookDeliveryRoutes, webhookRoutes } from './webhooks.ts'

export const v3 = createDialect({
  renderError: renderV3Error,
  routes: [
    resellerRoutes,
    organizationRoutes,
    userRoutes,
    userItemRoutes,
    accountLinkRoutes,
    clientRoutes,
    eventLogRoutes,
    roleRoutes,
    webhookRoutes,
    webhookDeliveryRoutes,
    accountRoutes,
    oidcRoutes,
    twoFactorRoutes,
  ],
})
