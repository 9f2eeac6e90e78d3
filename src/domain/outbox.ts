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

/**
 * Channel the dispatcher LISTENs on. The payload is the event's name when an outbox row commits (fan-out
 * follows), or DELIVERY_DUE when a delivery was made due by hand (a resend, a test event: the scan follows).
 */
export const OUTBOX_CHANNEL = 'outbox_events'
export const DELIVERY_DUE = 'delivery-due'
