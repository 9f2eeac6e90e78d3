// Transactional outbox: each change writes its webhook event in the same transaction (domain/changes.ts).

export const WEBHOOK_EVENTS = [
  'reseller.created',
  'reseller.updated',
  'reseller.deleted',
  'reseller.user.created',
  'reseller.user.updated',
  'reseller.user.deleted',
  'reseller.organization.created',
  'reseller.organization.updated',
  'reseller.organization.deleted',
  'role.created',
  'role.updated',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** Channel the dispatcher LISTENs on; notified when an outbox row commits. */
export const OUTBOX_CHANNEL = 'outbox_events'
