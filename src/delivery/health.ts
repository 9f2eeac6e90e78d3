// An endpoint's health: consecutive failures move it between healthy, unhealthy and suspended.
import type { Config } from '../config.ts'
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { systemActor } from '../domain/actor.ts'
import { newId } from '../domain/ids.ts'
import { cancelUndelivered, endpointFactsById, recordEndpointEvent } from '../domain/webhooks/endpoints.ts'
import type { EndpointRow } from './rows.ts'

type HealthRules = Pick<Config, 'webhookUnhealthyAfter' | 'webhookSuspendAfterSeconds'>
type Health = Pick<EndpointRow, 'status' | 'consecutive_failures' | 'failing_since'>

/**
 * The health after a run of attempts: unhealthy after WEBHOOK_UNHEALTHY_AFTER failures in a row, suspended
 * once it has also been failing without a single success for WEBHOOK_SUSPEND_AFTER seconds — a long run,
 * not a burst during a short outage.
 */
export function nextHealth(
  rules: HealthRules,
  current: Health,
  outcomes: boolean[],
  now = Date.now(),
): Health {
  let failures = current.consecutive_failures
  let failingSince = current.failing_since ? new Date(current.failing_since) : null
  for (const isSuccess of outcomes) {
    failures = isSuccess ? 0 : failures + 1
    failingSince = isSuccess ? null : (failingSince ?? new Date(now))
  }
  const isLongRun =
    failingSince !== null && now - failingSince.getTime() >= rules.webhookSuspendAfterSeconds * 1000
  const status =
    failures === 0
      ? 'healthy'
      : failures >= rules.webhookUnhealthyAfter
        ? isLongRun
          ? 'suspended'
          : 'unhealthy'
        : current.status
  return { status, consecutive_failures: failures, failing_since: failingSince }
}

/**
 * Records the health that a run of attempts leads to; a change of status is audited, and a suspension
 * cancels the endpoint's undelivered deliveries. `inTransaction` runs on the worker's held connection.
 */
export async function recordHealth(
  rules: HealthRules,
  inTransaction: (fn: (tx: Queryable) => Promise<void>) => Promise<void>,
  endpoint: EndpointRow,
  outcomes: boolean[],
): Promise<EndpointRow> {
  const next = nextHealth(rules, endpoint, outcomes)
  if (next.consecutive_failures === endpoint.consecutive_failures && next.status === endpoint.status)
    return endpoint
  await inTransaction(async (tx) => {
    await tx.query(
      sql`UPDATE webhook_endpoints SET consecutive_failures = ${next.consecutive_failures}, status = ${next.status},
         failing_since = ${next.failing_since}, updated_at = now()
       WHERE id = ${endpoint.id}`,
    )
    if (next.status === endpoint.status) return
    await recordEndpointEvent(
      tx,
      systemActor(endpoint.tenant_id, newId()),
      next.status,
      await endpointFactsById(tx, endpoint.id),
      [{ field: 'status', from: endpoint.status, to: next.status }],
    )
    if (next.status === 'suspended') await cancelUndelivered(tx, endpoint.id)
  })
  return { ...endpoint, ...next }
}
