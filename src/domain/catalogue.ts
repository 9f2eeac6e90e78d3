// The one event catalogue: every action the domain records, named once under its resource. The audit log, the
// webhook events (each audited action is a webhook event of the same name), GET /v3/webhooks/events (grouped
// by resource, as Cryptlex groups them: `reseller`, `reseller.user`, …) and GET /v3/event-logs/resources are
// all read from here.

/** Each resource and the verbs it is recorded with; an action is `${resource}.${verb}`. Order is kept. */
const VERBS_BY_RESOURCE = {
  reseller: ['created', 'updated', 'deleted'],
  'reseller.user': ['created', 'updated', 'deleted', 'password.changed'],
  'reseller.organization': ['created', 'updated', 'deleted'],
  role: ['created', 'updated', 'deleted'],
  webhook: ['created', 'updated', 'deleted', 'healthy', 'unhealthy', 'suspended'],
  // authentication.failed is anonymous: its data names the client id tried and why it failed, never a secret.
  client: ['created', 'updated', 'deleted', 'authentication.failed', 'token.issued'],
  // Recorded in the tenant's own log, the platform operator acting.
  tenant: ['created', 'updated', 'disabled', 'enabled'],
  // Users who sign in, and their accounts. Signing in (login.failed: anonymous, naming the email tried and why,
  // never the password): the data is the facts (user, session, reason). Links, identities and two-factor: the
  // data is the user. Never a token, a link's token, a password or a code.
  user: [
    'login',
    'login.failed',
    'locked',
    'unlocked',
    'token.refreshed',
    'logout',
    'session.revoked',
    'invitation.sent',
    'invitation.accepted',
    'password.reset.requested',
    'password.reset',
    'identity.linked',
    'two-factor.enabled',
    'two-factor.disabled',
    'two-factor.reset',
  ],
} as const

type Verbs = typeof VERBS_BY_RESOURCE
export type EventResource = keyof Verbs
/** Every action the domain can record: a name outside the catalogue does not type-check. */
export type AuditedAction = { [R in EventResource]: `${R}.${Verbs[R][number]}` }[EventResource]

export interface CatalogueEntry {
  action: AuditedAction
  resource: EventResource
}

export const EVENT_CATALOGUE: readonly CatalogueEntry[] = Object.entries(VERBS_BY_RESOURCE).flatMap(
  ([resource, verbs]) =>
    verbs.map((verb) => ({
      action: `${resource}.${verb}` as AuditedAction,
      resource: resource as EventResource,
    })),
)

/** The resources of the audit log, in the catalogue's order. */
export const EVENT_RESOURCES: readonly EventResource[] = Object.keys(VERBS_BY_RESOURCE) as EventResource[]

/** The webhook events: every audited action, under the same name. */
export const WEBHOOK_EVENTS: readonly AuditedAction[] = EVENT_CATALOGUE.map((entry) => entry.action)

const BY_ACTION = new Map<string, CatalogueEntry>(EVENT_CATALOGUE.map((entry) => [entry.action, entry]))

export const isWebhookEvent = (name: string): name is AuditedAction => BY_ACTION.has(name)

/** The resource an action is recorded under. */
export function resourceOf(action: AuditedAction): EventResource {
  return (BY_ACTION.get(action) as CatalogueEntry).resource
}

/** The events by group (the resource), for GET /v3/webhooks/events. */
export function eventsByGroup(): Record<string, string[]> {
  const groups: Record<string, string[]> = {}
  for (const { action, resource } of EVENT_CATALOGUE) {
    groups[resource] ??= []
    groups[resource].push(action)
  }
  return groups
}
