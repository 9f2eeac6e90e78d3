// Domain results → Cryptlex's (v3) shapes: what the v3 API answers and what a webhook's `data` carries.

import type { Static } from 'typebox'
import { maskSecret } from '../delivery/signing.ts'
import type {
  ClientDto,
  EventLogDto,
  OrganizationDto,
  ResellerDto,
  RoleDto,
  UserDto,
  WebhookDto,
  WebhookEventLogDto,
} from '../dialects/v3/schemas.ts'
import type { AuditEvent } from '../domain/audit/record.ts'
import { isWebhookEvent, resourceOf } from '../domain/catalogue.ts'
import type { ApiClient } from '../domain/clients.ts'
import type { Organization } from '../domain/organizations.ts'
import type { Reseller } from '../domain/resellers.ts'
import type { Role } from '../domain/roles.ts'
import { displayName, type User } from '../domain/users/model.ts'
import type { Delivery } from '../domain/webhooks/deliveries.ts'
import type { EndpointFacts, WebhookEndpoint } from '../domain/webhooks/endpoints.ts'
import { isoTime } from './iso-time.ts'

export const presentReseller = (r: Reseller): Static<typeof ResellerDto> => ({
  id: r.id,
  createdAt: isoTime(r.createdAt),
  updatedAt: isoTime(r.updatedAt),
  name: r.name,
  email: r.email,
  description: r.description ?? '',
  allowedUsers: r.allowedUsers,
  allowedOrganizations: r.allowedOrganizations,
})

export const presentOrganization = (o: Organization): Static<typeof OrganizationDto> => ({
  id: o.id,
  createdAt: isoTime(o.createdAt),
  updatedAt: isoTime(o.updatedAt),
  name: o.name,
  email: o.email,
  description: o.description ?? '',
  allowedUsers: o.allowedUsers,
  address: { ...o.address },
})

export const presentUser = (u: User): UserDto => ({
  id: u.id,
  createdAt: isoTime(u.createdAt),
  updatedAt: isoTime(u.updatedAt),
  name: displayName(u),
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  role: u.role,
  twoFactorEnabled: u.twoFactorEnabled,
  googleSsoEnabled: u.googleSsoEnabled,
  lastLoginAt: u.lastLoginAt ? isoTime(u.lastLoginAt) : null,
  organizationId: u.organizationId,
  ...(u.organization ? { organization: presentOrganization(u.organization) } : {}),
  company: u.company,
})

export const presentClient = (c: ApiClient): Static<typeof ClientDto> => ({
  id: c.id,
  clientId: c.clientId,
  name: c.name,
  role: c.role,
  resellerId: c.resellerId,
  scopes: c.scopes,
  createdAt: isoTime(c.createdAt),
  updatedAt: isoTime(c.updatedAt),
})

export const presentEventLog = (e: AuditEvent): Static<typeof EventLogDto> => ({
  id: e.id,
  createdAt: isoTime(e.occurredAt),
  updatedAt: isoTime(e.occurredAt),
  resource: e.resource,
  resourceId: e.resourceId,
  action: e.action,
  resellerId: e.resellerId,
  actorType: e.actor.type,
  actorId: e.actor.id,
  correlationId: e.correlationId,
  changes: e.changes.map((c) => ({ propertyName: c.field, oldValue: c.from, newValue: c.to })),
  ipAddress: e.ipAddress ?? '',
  userAgent: e.userAgent,
})

export const presentRole = (r: Role): Static<typeof RoleDto> => ({
  id: r.id,
  createdAt: isoTime(r.createdAt),
  updatedAt: isoTime(r.updatedAt),
  name: r.name,
  description: r.description ?? '',
  claims: r.claims,
  isBuiltin: r.isBuiltin,
})

export const presentWebhook = (w: WebhookEndpoint, showSecret = false): Static<typeof WebhookDto> =>
  presentEndpointFacts(w, showSecret ? w.secret : maskSecret(w.secret))

/** An endpoint with the token it is shown with (a webhook event's data: "", the secret never leaves). */
const presentEndpointFacts = (w: EndpointFacts, token: string): Static<typeof WebhookDto> => ({
  id: w.id,
  createdAt: isoTime(w.createdAt),
  updatedAt: isoTime(w.updatedAt),
  name: w.name,
  url: w.url,
  token,
  enabled: w.enabled,
  status: w.status,
  events: w.events,
  signatureScheme: w.signatureScheme,
  resellerId: w.resellerId,
})

const iso = (d: Date | null) => (d ? isoTime(d) : null)

export const presentDelivery = (d: Delivery): Static<typeof WebhookEventLogDto> => ({
  id: d.id,
  createdAt: isoTime(d.createdAt),
  updatedAt: isoTime(d.updatedAt),
  webhookId: d.webhookId,
  event: d.event,
  url: d.url,
  status: d.status,
  attempts: d.attempts,
  lastAttemptedAt: iso(d.lastAttemptedAt),
  nextAttemptAt: iso(d.nextAttemptAt),
  requestBody: d.requestBody,
  responseBody: d.responseBody ?? '',
  responseStatusCode: d.responseStatusCode,
  errorMessage: d.errorMessage ?? '',
})

const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'lastLoginAt', 'disabledAt'])
const CLIENT_CHANGES = new Set(['client.created', 'client.updated', 'client.deleted'])

/** Revives the Date fields of a JSON snapshot of a domain entity. */
function revive<T>(snapshot: unknown): T {
  return JSON.parse(JSON.stringify(snapshot), (key, value) =>
    DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value,
  ) as T
}

/**
 * A webhook's `data`: the outbox's domain snapshot (taken at commit) as the v3 API shows that resource, chosen
 * by the event's resource in the catalogue. A deleted resource is sent as it was. The two client events that
 * change no client (a token issued, an authentication failed) send their facts as recorded: ids and a reason.
 */
/** The user events of signing in send their facts as recorded (user, session, reason); the others, the user. */
const SIGN_IN_FACTS = new Set<string>([
  'user.login',
  'user.login.failed',
  'user.locked',
  'user.unlocked',
  'user.token.refreshed',
  'user.logout',
  'user.session.revoked',
])

export function presentEventData(event: string, snapshot: unknown): unknown {
  if (!isWebhookEvent(event)) return snapshot
  switch (resourceOf(event)) {
    case 'reseller.user':
      return presentUser(revive<User>(snapshot))
    case 'user':
      return SIGN_IN_FACTS.has(event) ? snapshot : presentUser(revive<User>(snapshot))
    case 'reseller.organization':
      return presentOrganization(revive<Organization>(snapshot))
    case 'reseller':
      return presentReseller(revive<Reseller>(snapshot))
    case 'role':
      return presentRole(revive<Role>(snapshot))
    case 'webhook':
      return presentEndpointFacts(revive<EndpointFacts>(snapshot), '')
    case 'client':
      return CLIENT_CHANGES.has(event) ? presentClient(revive<ApiClient>(snapshot)) : snapshot
    case 'tenant':
      return snapshot
  }
}
