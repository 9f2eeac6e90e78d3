// The webhook dispatcher: turns outbox rows into deliveries (fan-out) and delivers them. Any number may run
// against one database: fan-out takes a transaction-level try-lock, and each endpoint is worked by one
// dispatcher at a time under a session advisory lock, which the server drops if the process dies.
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Db, Queryable } from '../db/connection.ts'
import { systemActor } from '../domain/actor.ts'
import { recordAudit } from '../domain/audit.ts'
import { newId } from '../domain/ids.ts'
import { DELIVERY_DUE, endpointTakes, OUTBOX_CHANNEL } from '../domain/webhooks/events.ts'
import { presentEventData } from '../representations/cryptlex.ts'
import { renderBody } from '../representations/webhook-body.ts'
import { type AttemptResult, createSender, type Sender } from './sender.ts'
import { type SignatureScheme, sign } from './signing.ts'

const FANOUT_LOCK = 72_750_002
const FANOUT_BATCH = 500
/** The least time between the starts of two fan-out rounds (see fanning). */
const FANOUT_GAP_MS = 20
const DELIVERY_BATCH = 50
/** How long a drained endpoint worker waits for more deliveries before it lets go of the endpoint. */
const LINGER_MS = 250

interface OutboxRow {
  id: string
  tenant_id: string
  event: string
  reseller_id: string | null
  data: unknown
  triggered_at: Date
}

interface EndpointRow {
  id: string
  tenant_id: string
  reseller_id: string | null
  url: string
  secret: string
  signature_scheme: SignatureScheme
  enabled: boolean
  events: string[]
  status: 'healthy' | 'unhealthy' | 'suspended'
  consecutive_failures: number
  failing_since: Date | null
  deleted_at: Date | null
}

interface DueRow {
  id: string
  event: string
  url: string
  request_body: string
  attempts: number
}

export interface Dispatcher {
  start(): Promise<void>
  /** Stops claiming, lets in-flight attempts finish, releases what was claimed but not attempted. */
  stop(): Promise<void>
  /** Runs fan-out and delivery until no work is due (tests and benchmarks). */
  drain(): Promise<void>
}

/** Seconds before the next attempt: the schedule's step with ±10 % jitter, so retries do not stampede. */
export function retryDelaySeconds(schedule: readonly number[], attempts: number): number | null {
  const step = schedule[attempts - 1]
  if (step === undefined) return null
  return step * (0.9 + Math.random() * 0.2)
}

export function createDispatcher(db: Db, config: Config, log: FastifyBaseLogger): Dispatcher {
  const sender: Sender = createSender({
    timeoutMs: config.webhookTimeoutMs,
    allowPrivate: config.webhookAllowPrivateNetworks,
  })
  const working = new Set<string>()
  let stopping = false
  let timer: NodeJS.Timeout | null = null
  let unlisten: (() => Promise<void>) | null = null

  /**
   * One round of fan-out: claims the oldest unprocessed outbox events (marking them processed) and writes
   * their deliveries, in one transaction, under a try-lock so that one process fans out at a time. The lock,
   * the claim and the mark are one statement: with the endpoints' read and COMMIT, four round trips when no
   * endpoint matches (a change with no subscriber costs the dispatcher little).
   */
  async function fanOut(): Promise<number> {
    return db.transaction(async (tx) => {
      const claimed = await tx.query<OutboxRow>(
        `UPDATE outbox_events SET processed_at = now()
         WHERE (SELECT pg_try_advisory_xact_lock($1))
           AND id IN (SELECT id FROM outbox_events WHERE processed_at IS NULL ORDER BY id
             LIMIT ${FANOUT_BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, event, reseller_id, data, triggered_at`,
        [FANOUT_LOCK],
        { isPrepared: true },
      )
      // In id order (UUIDv7: the order the events were written), as deliveries are created and sent.
      const rows = claimed.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      if (rows.length === 0) return 0
      // Each event's endpoints, as a change's NOTIFY decides them (endpointTakes).
      const pairs = (
        await tx.query<EndpointRow & { outbox_id: string }>(
          `SELECT o.id AS outbox_id, e.id, e.tenant_id, e.reseller_id, e.url, e.secret, e.signature_scheme,
             e.enabled, e.events, e.status, e.consecutive_failures, e.failing_since, e.deleted_at
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[]) AS o (id, tenant_id, event, reseller_id)
           JOIN webhook_endpoints e
             ON ${endpointTakes('e', { tenantId: 'o.tenant_id', name: 'o.event', resellerId: 'o.reseller_id' })}`,
          [
            rows.map((r) => r.id),
            rows.map((r) => r.tenant_id),
            rows.map((r) => r.event),
            rows.map((r) => r.reseller_id),
          ],
        )
      ).rows
      const endpointsOf = new Map<string, EndpointRow[]>()
      for (const pair of pairs)
        endpointsOf.set(pair.outbox_id, [...(endpointsOf.get(pair.outbox_id) ?? []), pair])
      const columns: unknown[][] = [[], [], [], [], [], [], [], [], []]
      for (const row of rows) {
        const matching = endpointsOf.get(row.id) ?? []
        if (matching.length === 0) continue
        const snapshot = typeof row.data === 'string' ? JSON.parse(row.data) : row.data
        const body = renderBody(row.event, presentEventData(row.event, snapshot), new Date(row.triggered_at))
        for (const endpoint of matching) {
          const values = [
            newId(),
            row.tenant_id,
            endpoint.id,
            row.reseller_id,
            row.id,
            row.event,
            endpoint.url,
            body,
            endpoint.status === 'suspended' ? 'cancelled' : 'pending',
          ]
          for (const [index, value] of values.entries()) columns[index]?.push(value)
        }
      }
      if ((columns[0] as unknown[]).length > 0) {
        await tx.query(
          `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body,
             status, next_attempt_at, created_at, updated_at)
           SELECT id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body, status,
             CASE WHEN status = 'pending' THEN now() END, now(), now()
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],
             $9::text[]) AS v(id, tenant_id, webhook_id, reseller_id, order_key, event, url, request_body, status)`,
          columns,
        )
      }
      return rows.length
    })
  }

  async function dueEndpoints(): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT e.id FROM webhook_endpoints e
       WHERE e.deleted_at IS NULL AND e.enabled AND e.status <> 'suspended'
         AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = e.id
           AND d.status IN ('pending', 'retrying', 'queued') AND (d.status = 'queued' OR d.next_attempt_at <= now()))
       ORDER BY random() LIMIT 200`, // no fixed order: no endpoint starves behind 200 busy ones
    )
    return rows.map((r) => r.id).filter((id) => !working.has(id))
  }

  function headersFor(endpoint: EndpointRow, delivery: DueRow): Record<string, string> {
    const timestamp = Math.floor(Date.now() / 1000)
    return {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'reseller-api-webhooks/1',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(
        endpoint.signature_scheme,
        endpoint.secret,
        delivery.id,
        timestamp,
        delivery.request_body,
      ),
    }
  }

  async function recordResults(
    conn: Queryable,
    results: { delivery: DueRow; result: AttemptResult }[],
    url: string,
  ): Promise<void> {
    if (results.length === 0) return
    const ids: string[] = []
    const statuses: string[] = []
    const codes: (number | null)[] = []
    const bodies: (string | null)[] = []
    const errors: (string | null)[] = []
    const delays: (number | null)[] = []
    for (const { delivery, result } of results) {
      const attempts = delivery.attempts + 1
      const delay =
        result.isSuccess || !result.isRetryable
          ? null
          : retryDelaySeconds(config.webhookRetrySchedule, attempts)
      ids.push(delivery.id)
      statuses.push(result.isSuccess ? 'succeeded' : delay === null ? 'failed' : 'retrying')
      codes.push(result.statusCode)
      bodies.push(result.responseBody)
      errors.push(result.errorMessage)
      delays.push(delay)
    }
    // A delivery cancelled while its attempt was in flight (its endpoint deleted) stays cancelled unless the
    // attempt succeeded: nothing would ever retry it.
    await conn.query(
      `UPDATE webhook_deliveries d SET
         status = CASE WHEN d.status = 'cancelled' AND v.status <> 'succeeded' THEN d.status ELSE v.status END,
         attempts = d.attempts + 1, last_attempted_at = now(), url = $7,
         response_status_code = v.code, response_body = v.body, error_message = v.error,
         next_attempt_at = CASE WHEN v.delay IS NULL OR d.status = 'cancelled' THEN NULL
           ELSE now() + make_interval(secs => v.delay) END,
         updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::float8[])
         AS v(id, status, code, body, error, delay)
       WHERE d.id = v.id`,
      [ids, statuses, codes, bodies, errors, delays, url],
    )
  }

  /**
   * A transaction on the connection the endpoint's worker already holds. Taking a second pooled connection
   * here deadlocks once every pooled connection is held by a worker waiting for one (many endpoints failing
   * at once, or WEBHOOK_CONCURRENCY near the pool size). PGlite has one connection: its transaction() is it.
   */
  async function onHeldConnection(conn: Queryable, fn: (tx: Queryable) => Promise<void>): Promise<void> {
    if (db.kind === 'pglite') return db.transaction(fn)
    await conn.query('BEGIN')
    try {
      await fn(conn)
      await conn.query('COMMIT')
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => {})
      throw error
    }
  }

  /**
   * Counts consecutive failures and moves the endpoint between healthy, unhealthy and suspended: unhealthy
   * after WEBHOOK_UNHEALTHY_AFTER failed attempts in a row, suspended once it has also been failing without
   * a single success for WEBHOOK_SUSPEND_AFTER seconds — a long run, not a burst during a short outage.
   */
  async function recordHealth(
    conn: Queryable,
    endpoint: EndpointRow,
    outcomes: boolean[],
  ): Promise<EndpointRow> {
    let failures = endpoint.consecutive_failures
    let failingSince = endpoint.failing_since ? new Date(endpoint.failing_since) : null
    for (const isSuccess of outcomes) {
      failures = isSuccess ? 0 : failures + 1
      failingSince = isSuccess ? null : (failingSince ?? new Date())
    }
    const isLongRun =
      failingSince !== null && Date.now() - failingSince.getTime() >= config.webhookSuspendAfterSeconds * 1000
    const status =
      failures === 0
        ? 'healthy'
        : failures >= config.webhookUnhealthyAfter
          ? isLongRun
            ? 'suspended'
            : 'unhealthy'
          : endpoint.status
    if (failures === endpoint.consecutive_failures && status === endpoint.status) return endpoint
    await onHeldConnection(conn, async (tx) => {
      await tx.query(
        `UPDATE webhook_endpoints SET consecutive_failures = $2, status = $3, failing_since = $4, updated_at = now()
         WHERE id = $1`,
        [endpoint.id, failures, status, failingSince],
      )
      if (status === endpoint.status) return
      await recordAudit(tx, systemActor(endpoint.tenant_id, newId()), {
        action: `webhook.${status}`,
        resource: 'webhook',
        resourceId: endpoint.id,
        resellerId: endpoint.reseller_id,
        changes: [{ field: 'status', from: endpoint.status, to: status }],
      })
      if (status === 'suspended') {
        await tx.query(
          `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
           WHERE webhook_id = $1 AND status IN ('pending', 'retrying', 'queued')`,
          [endpoint.id],
        )
      }
    })
    return { ...endpoint, consecutive_failures: failures, failing_since: failingSince, status }
  }

  async function workEndpoint(endpointId: string): Promise<void> {
    // One worker per endpoint in this process (PGlite's single session would grant the advisory lock twice).
    if (working.has(endpointId)) return
    working.add(endpointId)
    try {
      await db.withConnection(async (conn) => {
        const lock = await conn.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
          [endpointId],
        )
        if (!lock.rows[0]?.ok) return
        try {
          let hasLingered = false
          while (!stopping) {
            const endpointRows = await conn.query<EndpointRow>(
              `SELECT id, tenant_id, reseller_id, url, secret, signature_scheme, enabled, events, status,
                 consecutive_failures, failing_since, deleted_at FROM webhook_endpoints WHERE id = $1`,
              [endpointId],
            )
            let endpoint = endpointRows.rows[0]
            if (!endpoint || endpoint.deleted_at || !endpoint.enabled || endpoint.status === 'suspended')
              return
            // Under this endpoint's lock, a 'queued' row is an orphan of a dispatcher that died mid-attempt.
            const due = await conn.query<DueRow>(
              `UPDATE webhook_deliveries SET status = 'queued', updated_at = now()
               WHERE id IN (
                 SELECT id FROM webhook_deliveries
                 WHERE webhook_id = $1 AND status IN ('pending', 'retrying', 'queued')
                   AND (status = 'queued' OR next_attempt_at <= now())
                 ORDER BY order_key, id LIMIT ${DELIVERY_BATCH})
               RETURNING id, event, url, request_body, attempts, order_key`,
              [endpointId],
            )
            if (due.rows.length === 0) {
              // Drained: linger a moment for the next fan-out rather than pay the lock and reads again.
              if (hasLingered || stopping) return
              hasLingered = true
              await Promise.race([arrival.promise, new Promise((resolve) => setTimeout(resolve, LINGER_MS))])
              continue
            }
            hasLingered = false
            const batch = due.rows.sort((a, b) =>
              (a as DueRow & { order_key: string }).order_key <
              (b as DueRow & { order_key: string }).order_key
                ? -1
                : 1,
            )
            const results: { delivery: DueRow; result: AttemptResult }[] = []
            for (const delivery of batch) {
              if (stopping) break
              // The endpoint's current URL: a PATCHed URL applies to pending retries too.
              const result = await sender.send(
                endpoint.url,
                headersFor(endpoint, delivery),
                delivery.request_body,
              )
              results.push({ delivery, result })
            }
            await recordResults(conn, results, endpoint.url)
            const unattempted = batch.slice(results.length).map((d) => d.id)
            if (unattempted.length > 0) {
              await conn.query(
                `UPDATE webhook_deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END,
                   updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
                [unattempted],
              )
            }
            endpoint = await recordHealth(
              conn,
              endpoint,
              results.map((r) => r.result.isSuccess),
            )
            if (endpoint.status === 'suspended') return
          }
        } finally {
          await conn.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [endpointId]).catch(() => {})
        }
      })
    } finally {
      working.delete(endpointId)
    }
  }

  /** Runs `run` again and again while triggered, never twice at once. */
  function serial(name: string, run: () => Promise<void>) {
    let current: Promise<void> | null = null
    let isTriggeredAgain = false
    return {
      trigger(): void {
        if (stopping) return
        if (current) {
          isTriggeredAgain = true
          return
        }
        current = (async () => {
          do {
            isTriggeredAgain = false
            try {
              await run()
            } catch (error) {
              log.error({ err: error }, `webhook ${name} failed`)
            }
          } while (isTriggeredAgain && !stopping)
        })().finally(() => {
          current = null
        })
      },
      settled: (): Promise<void> => current ?? Promise.resolve(),
    }
  }

  // Fan-out runs as soon as a change commits (NOTIFY), apart from delivery, so a new event never waits for
  // a round of sends to end; it then wakes the scan, which starts a worker for each endpoint with due work.
  // A busy endpoint's worker picks up new deliveries on its next batch.
  const workers = new Set<Promise<void>>()
  // Resolved (and replaced) each time fan-out commits new deliveries: wakes lingering workers at once.
  const signal = () => {
    let resolve = () => {}
    const promise = new Promise<void>((done) => {
      resolve = done
    })
    return { promise, resolve }
  }
  let arrival = signal()
  const announceArrival = () => {
    const current = arrival
    arrival = signal()
    current.resolve()
  }
  // A round that claimed less than a full batch left nothing behind: an event committed since has its own
  // NOTIFY, which runs the next round. Rounds start at least FANOUT_GAP_MS apart: an event after a quiet
  // spell goes at once, while under a steady stream each round takes the events of the last few
  // milliseconds together rather than one at a time (a round costs the same four round trips either way).
  let lastRound = 0
  const fanning = serial('fan-out', async () => {
    const wait = lastRound + FANOUT_GAP_MS - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    lastRound = performance.now()
    let total = 0
    for (let count = FANOUT_BATCH; count >= FANOUT_BATCH && !stopping; ) {
      count = await fanOut()
      total += count
      if (count > 0) announceArrival()
    }
    if (total > 0) scanning.trigger()
  })
  const scanning = serial('scan', async () => {
    for (const endpointId of await dueEndpoints()) {
      if (stopping || workers.size >= config.webhookConcurrency) break
      if (working.has(endpointId)) continue
      const work: Promise<void> = workEndpoint(endpointId)
        .catch((error) => log.error({ err: error, endpointId }, 'webhook delivery failed'))
        .finally(() => {
          workers.delete(work)
          // A freed slot, or deliveries that arrived as this worker finished: look again.
          scanning.trigger()
        })
      workers.add(work)
    }
  })
  const wake = (): void => {
    fanning.trigger()
    scanning.trigger()
  }

  return {
    async start() {
      // A NOTIFY is a new event (fan-out, which wakes the scan when it wrote deliveries) or a delivery made
      // due by hand (a resend, a test event: the scan). The timer also scans for retries come due.
      unlisten = await db.listen(OUTBOX_CHANNEL, (payload) =>
        payload === DELIVERY_DUE ? scanning.trigger() : fanning.trigger(),
      )
      timer = setInterval(wake, config.webhookPollMs)
      timer.unref()
      wake()
    },
    async stop() {
      stopping = true
      if (timer) clearInterval(timer)
      await unlisten?.().catch(() => {})
      await fanning.settled()
      await scanning.settled()
      await Promise.all(workers)
      await sender.close()
    },
    async drain() {
      do {
        while (!stopping && (await fanOut()) > 0) {}
        await Promise.all(workers)
        await Promise.all((await dueEndpoints()).map((endpointId) => workEndpoint(endpointId)))
      } while (!stopping && ((await dueCount()) > 0 || (await pendingOutbox()) > 0))
    },
  }

  async function dueCount(): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.webhook_id
       WHERE d.status IN ('pending', 'retrying', 'queued') AND (d.status = 'queued' OR d.next_attempt_at <= now())
         AND e.deleted_at IS NULL AND e.enabled AND e.status <> 'suspended'`,
    )
    return rows[0]?.n ?? 0
  }

  async function pendingOutbox(): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox_events WHERE processed_at IS NULL',
    )
    return rows[0]?.n ?? 0
  }
}
