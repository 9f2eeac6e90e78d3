// Transactional outbox: each change writes its webhook event in the same transaction (domain/changes.ts); the
// events themselves are named in domain/catalogue.ts.
import { type Param, type Sql, sql } from '../../db/sql.ts'

/**
 * Channel the dispatcher LISTENs on. The payload is the event's name when an outbox row commits (fan-out
 * follows), or DELIVERY_DUE when a delivery was made due by hand (a resend, a test event: the scan follows).
 */
export const OUTBOX_CHANNEL = 'outbox_events'
export const DELIVERY_DUE = 'delivery-due'

/**
 * Whether endpoint `e` takes an event of a tenant, with a name, of a reseller (or none): enabled, not deleted,
 * subscribed to the event, of the tenant and bound to no other reseller. Fan-out and a change's NOTIFY both
 * decide it here.
 */
export const endpointTakes = (
  e: string,
  event: { tenantId: Sql | Param; name: Sql | Param; resellerId: Sql | Param },
) => {
  const endpoint = sql.raw(e)
  return sql`${endpoint}.tenant_id = ${event.tenantId} AND ${endpoint}.deleted_at IS NULL AND ${endpoint}.enabled
   AND ${event.name} = ANY(${endpoint}.events)
   AND (${endpoint}.reseller_id IS NULL OR ${endpoint}.reseller_id = ${event.resellerId})`
}
