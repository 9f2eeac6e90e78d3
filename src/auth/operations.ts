// The one authorization table: every operation of every API, named once (Cryptlex's operationId where Cryptlex
// has the operation), with what it requires. Routes name their operation; one hook enforces this table for
// v3, v1 and the platform API alike, and a route whose operation is not here fails to register.
import type { PrincipalRole } from '../domain/actor.ts'
import type { Scope } from './scopes.ts'

export type Access =
  /** A tenant's client (csp or reseller) whose token carries the scope; v1 also names the roles it serves. */
  | { scope: Scope; roles?: readonly PrincipalRole[] }
  /** The platform operator alone. */
  | { platform: true }
  /** Anyone, without a token (signing in, accepting an invitation): limited per IP as every anonymous call. */
  | { public: true }
  /** A signed-in user (a token from POST /v3/accounts/login), acting on itself: no scope is asked. */
  | { signedIn: true }

const V1_ROLES: readonly PrincipalRole[] = ['csp', 'reseller']
const PLATFORM = { platform: true } as const
/** Operations anyone may call without a token. */
export const PUBLIC = { public: true } as const
/** Operations of the signed-in user on itself. */
export const SIGNED_IN = { signedIn: true } as const

export const OPERATIONS = {
  // v3: resellers, organizations, users
  CreateReseller: { scope: 'reseller:write' },
  GetAllResellers: { scope: 'reseller:read' },
  GetReseller: { scope: 'reseller:read' },
  UpdateReseller: { scope: 'reseller:write' },
  DeleteReseller: { scope: 'reseller:write' },
  CreateResellerOrganization: { scope: 'reseller:organization:create' },
  GetAllResellerOrganizations: { scope: 'reseller:organization:read' },
  GetResellerOrganization: { scope: 'reseller:organization:read' },
  UpdateResellerOrganization: { scope: 'reseller:organization:update' },
  DeleteResellerOrganization: { scope: 'reseller:organization:delete' },
  CreateResellerUser: { scope: 'reseller:user:create' },
  GetAllResellerUsers: { scope: 'reseller:user:read' },
  ExportResellerUsers: { scope: 'reseller:user:read' },
  GetResellerUser: { scope: 'reseller:user:read' },
  UpdateResellerUser: { scope: 'reseller:user:update' },
  DeleteResellerUser: { scope: 'reseller:user:delete' },
  SetResellerUserPassword: { scope: 'reseller:user:update' },
  UnlockResellerUser: { scope: 'reseller:user:update' },
  // v3: users who sign in (Cryptlex's login), and the signed-in user's own routes
  LoginAccount: PUBLIC,
  LogoutAccount: PUBLIC,
  GetCurrentUser: SIGNED_IN,
  UpdateCurrentUser: SIGNED_IN,
  ChangeCurrentUserPassword: SIGNED_IN,
  // v3: a user's account by mail (an invitation sets credentials, as a password change does)
  InviteResellerUser: { scope: 'reseller:user:update' },
  AcceptInvitation: PUBLIC,
  RequestPasswordReset: PUBLIC,
  ConfirmPasswordReset: PUBLIC,
  ResetResellerUserTwoFactor: { scope: 'reseller:user:update' },
  // v3: the signed-in user's two-factor (our extension)
  BeginTwoFactor: SIGNED_IN,
  ConfirmTwoFactor: SIGNED_IN,
  DisableTwoFactor: SIGNED_IN,
  // v3: API clients, event logs, roles
  CreateClient: { scope: 'client:write' },
  GetAllClients: { scope: 'client:read' },
  DeleteClient: { scope: 'client:write' },
  GetAllEventLogs: { scope: 'eventLog:read' },
  GetEventLog: { scope: 'eventLog:read' },
  ExportEventLogs: { scope: 'eventLog:read' },
  // Cryptlex: any valid token; here every tenant operation names a scope, and the names serve the log's readers.
  GetResourcesEventLog: { scope: 'eventLog:read' },
  GetAllRoles: { scope: 'role:read' },
  GetClaimsRole: { scope: 'role:read' },
  CreateRole: { scope: 'role:write' },
  GetRole: { scope: 'role:read' },
  UpdateRole: { scope: 'role:write' },
  DeleteRole: { scope: 'role:write' },
  // v3: webhooks and their delivery log
  CreateWebhook: { scope: 'webhook:write' },
  GetAllWebhooks: { scope: 'webhook:read' },
  GetEventTypesWebhook: { scope: 'webhook:read' },
  GetWebhook: { scope: 'webhook:read' },
  UpdateWebhook: { scope: 'webhook:write' },
  DeleteWebhook: { scope: 'webhook:write' },
  TestWebhook: { scope: 'webhook:write' },
  GetAllWebhookEventLogs: { scope: 'webhookEventLog:read' },
  GetWebhookEventLog: { scope: 'webhookEventLog:read' },
  // Cryptlex asks only webhookEventLog:read; a resend makes a delivery happen, so it is a write here.
  ResendWebhookEventLog: { scope: 'webhook:write' },
  // v3: signing in with OpenID Connect (the browser comes without a token)
  StartOidcSignIn: PUBLIC,
  CompleteOidcSignIn: PUBLIC,
  // v1 (CloudCockpit): the scope of the v3 operation that does the same thing, and the seed's roles
  CreateResellerUserV1: { scope: 'reseller:user:create', roles: V1_ROLES },
  CreateCustomerUserV1: { scope: 'reseller:user:create', roles: V1_ROLES },
  GetCustomerUsersV1: { scope: 'reseller:user:read', roles: V1_ROLES },
  GetUsersV1: { scope: 'reseller:user:read', roles: V1_ROLES },
  UpdateUserV1: { scope: 'reseller:user:update', roles: V1_ROLES },
  DeleteUserV1: { scope: 'reseller:user:delete', roles: V1_ROLES },
  GetUserGroupsV1: { scope: 'reseller:user:read', roles: V1_ROLES },
  GetAuditLogsV1: { scope: 'eventLog:read', roles: V1_ROLES },
  // platform
  CreateTenant: PLATFORM,
  GetAllTenants: PLATFORM,
  GetTenant: PLATFORM,
  UpdateTenant: PLATFORM,
  DeleteTenant: PLATFORM,
} as const satisfies Record<string, Access>

export type Operation = keyof typeof OPERATIONS

export const accessOf = (operation: string): Access | undefined =>
  (OPERATIONS as Record<string, Access>)[operation]
