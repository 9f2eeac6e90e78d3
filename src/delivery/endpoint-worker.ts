// An endpoint's worker: under the endpoint's advisory lock, claims its due deliveries in order, sends them,
// records each attempt and the endpoint's health; one worker per endpoint across every dispatcher.
import type { Config } from '../config.ts'
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { endpointSecretAad } from '../domain/webhooks/endpoints.ts'
import { decryptSecret } from '../secrets/envelope.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { isDue } from './due.ts'
import { recordHealth } from './health.ts'
import { type DueRow, ENDPOINT_COLUMNS, type EndpointRow } from './rows.ts'
import type { AttemptResult, Sender } from './sender.ts'
import { sign } from './signing.ts'

const DELIVERY_BATCH = 50
/** How long a drained endpoint worker waits for more deliveries before it lets go of the endpoint. */
const LINGER_MS = 250

/** Seconds before the next attempt: the schedule's step with ±10 % jitter, so retries do not stampede. */
export function retryDelaySeconds(schedule: readonly number[], attempts: number): number | null {
  const step = schedule[attempts - 1]
  if (step === undefined) return null
  return step * (0.9 + Math.random() * 0.2)
}

export interface EndpointWorkerDeps {
  db: Db
  config: Config
  keyring: Keyring
  sender: Sender
  isStopping: () => boolean
  /** Resolves when fan-out commits new deliveries (a lingering worker wakes at once). */
  nextArrival: () => Promise<void>
}

type Attempt = { delivery: DueRow; result: AttemptResult }

export function createEndpointWorker(deps: EndpointWorkerDeps) {
  const { db, config, keyring, sender, isStopping } = deps
  const working = new Set<string>()

  /**
   * A transaction on the connection the worker already holds. Taking a second pooled connection deadlocks
   * once every pooled connection is held by a worker waiting for one. PGlite has one connection: its own.
   */
  const onHeldConnection = (conn: Queryable) => async (fn: (tx: Queryable) => Promise<void>) => {
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

  /** Sends a claimed batch in order to the endpoint's current URL (a PATCHed URL applies to retries too). */
  async function sendBatch(endpoint: EndpointRow, secret: string, batch: DueRow[]): Promise<Attempt[]> {
    const attempts: Attempt[] = []
    for (const delivery of batch) {
      if (isStopping()) break
      const headers = headersFor(endpoint, secret, delivery)
      const result = await sender.send(endpoint.url, headers, delivery.request_body)
      attempts.push({ delivery, result })
    }
    return attempts
  }

  /** Claims, sends and records batches until the endpoint is drained, stopped or suspended. */
  async function deliverAll(conn: Queryable, endpointId: string): Promise<void> {
    let hasLingered = false
    while (!isStopping()) {
      let endpoint = await readEndpoint(conn, endpointId)
      if (!endpoint || endpoint.deleted_at || !endpoint.enabled || endpoint.status === 'suspended') return
      // Opened before anything is claimed: a secret that cannot be opened (a wrong key) leaves the deliveries
      // waiting, unsent and unsigned, and the error is logged.
      const secret = decryptSecret(keyring, endpoint.secret, endpointSecretAad(endpoint.id))
      const batch = await claimDue(conn, endpointId)
      if (batch.length === 0) {
        // Drained: linger a moment for the next fan-out rather than pay the lock and reads again.
        if (hasLingered || isStopping()) return
        hasLingered = true
        await Promise.race([deps.nextArrival(), new Promise((resolve) => setTimeout(resolve, LINGER_MS))])
        continue
      }
      hasLingered = false
      const attempts = await sendBatch(endpoint, secret, batch)
      await recordAttempts(conn, attempts, endpoint.url, config.webhookRetrySchedule)
      await releaseUnattempted(conn, batch.slice(attempts.length))
      const outcomes = attempts.map((a) => a.result.isSuccess)
      endpoint = await recordHealth(config, onHeldConnection(conn), endpoint, outcomes)
      if (endpoint.status === 'suspended') return
    }
  }

  async function work(endpointId: string): Promise<void> {
    // One worker per endpoint in this process (PGlite's single session would grant the advisory lock twice).
    if (working.has(endpointId)) return
    working.add(endpointId)
    try {
      await db.withConnection(async (conn) => {
        const lock = await conn.query<{ ok: boolean }>(
          sql`SELECT pg_try_advisory_lock(hashtextextended(${endpointId}, 0)) AS ok`,
        )
        if (!lock.rows[0]?.ok) return
        try {
          await deliverAll(conn, endpointId)
        } finally {
          await conn.query(sql`SELECT pg_advisory_unlock(hashtextextended(${endpointId}, 0))`).catch(() => {})
        }
      })
    } finally {
      working.delete(endpointId)
    }
  }

  return { work, isWorking: (endpointId: string) => working.has(endpointId) }
}

function headersFor(endpoint: EndpointRow, secret: string, delivery: DueRow): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000)
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'reseller-api-webhooks/1',
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(
      endpoint.signature_scheme,
      secret,
      delivery.id,
      timestamp,
      delivery.request_body,
    ),
  }
}

async function readEndpoint(conn: Queryable, endpointId: string): Promise<EndpointRow | undefined> {
  const { rows } = await conn.query<EndpointRow>(
    sql`SELECT ${sql.raw(ENDPOINT_COLUMNS)} FROM webhook_endpoints WHERE id = ${endpointId}`,
  )
  return rows[0]
}

/** Marks the next due deliveries 'queued' (claimed), oldest event first. */
async function claimDue(conn: Queryable, endpointId: string): Promise<DueRow[]> {
  const { rows } = await conn.query<DueRow>(
    sql`UPDATE webhook_deliveries SET status = 'queued', updated_at = now()
       WHERE id IN (
         SELECT id FROM webhook_deliveries d WHERE d.webhook_id = ${endpointId} AND ${isDue('d')}
         ORDER BY order_key, id LIMIT ${sql.raw(String(DELIVERY_BATCH))})
       RETURNING id, event, url, request_body, attempts, order_key`,
  )
  return rows.sort((a, b) => (a.order_key < b.order_key ? -1 : 1))
}

/** Each attempt's outcome, and when a retryable failure is tried again. */
async function recordAttempts(
  conn: Queryable,
  attempts: Attempt[],
  url: string,
  schedule: readonly number[],
): Promise<void> {
  if (attempts.length === 0) return
  const rows = attempts.map(({ delivery, result }) => {
    const delay =
      result.isSuccess || !result.isRetryable ? null : retryDelaySeconds(schedule, delivery.attempts + 1)
    const status = result.isSuccess ? 'succeeded' : delay === null ? 'failed' : 'retrying'
    return { id: delivery.id, status, delay, ...result }
  })
  const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key])
  // A delivery cancelled while its attempt was in flight (its endpoint deleted) stays cancelled unless the
  // attempt succeeded: nothing would ever retry it.
  await conn.query(
    sql`UPDATE webhook_deliveries d SET
         status = CASE WHEN d.status = 'cancelled' AND v.status <> 'succeeded' THEN d.status ELSE v.status END,
         attempts = d.attempts + 1, last_attempted_at = now(), url = ${url},
         response_status_code = v.code, response_body = v.body, error_message = v.error,
         next_attempt_at = CASE WHEN v.delay IS NULL OR d.status = 'cancelled' THEN NULL
           ELSE now() + make_interval(secs => v.delay) END,
         updated_at = now()
       FROM unnest(${column('id')}::uuid[], ${column('status')}::text[], ${column('statusCode')}::int[],
         ${column('responseBody')}::text[], ${column('errorMessage')}::text[], ${column('delay')}::float8[])
         AS v(id, status, code, body, error, delay)
       WHERE d.id = v.id`,
  )
}

/** Claimed deliveries left unsent (the dispatcher is stopping) go back to waiting. */
async function releaseUnattempted(conn: Queryable, unattempted: DueRow[]): Promise<void> {
  if (unattempted.length === 0) return
  await conn.query(
    sql`UPDATE webhook_deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END,
       updated_at = now() WHERE id = ANY(${unattempted.map((d) => d.id)}::uuid[]) AND status = 'queued'`,
  )
}
