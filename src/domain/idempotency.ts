// Idempotency records: a principal's key claims a request once; its response is kept for the repeats.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'

export interface StoredResponse {
  status: number
  headers: Record<string, string>
  body: string | null
}

export interface KeyClaim {
  /** Whose key it is (`client:<id>`, `platform:<id>`): keys are never shared between principals. */
  scope: string
  key: string
  /** A digest of the request (method, path and query, body). */
  fingerprint: string
}

export type ClaimOutcome =
  | { kind: 'claimed' }
  /** The key named another request. */
  | { kind: 'mismatch' }
  | { kind: 'done'; response: StoredResponse }
  /** The first request is still running (or its process stopped while it ran: `isLapsed`). */
  | { kind: 'running'; isLapsed: boolean }

interface KeyRow {
  fingerprint: string
  status: number | null
  headers: Record<string, string> | null
  body: string | null
  is_lapsed: boolean
}

/**
 * Claims the key for this request, or says what holds it. An expired record is claimed afresh; a live one is
 * never claimed twice, so that no request runs twice.
 */
export async function claimKey(
  db: Queryable,
  claim: KeyClaim,
  lease: { lockMs: number; ttlSeconds: number },
): Promise<ClaimOutcome> {
  const { rows: claimed } = await db.query(
    sql`INSERT INTO idempotency_keys (scope, key, fingerprint, locked_until, expires_at)
        VALUES (${claim.scope}, ${claim.key}, ${claim.fingerprint},
                now() + ${lease.lockMs} * interval '1 millisecond', now() + ${lease.ttlSeconds} * interval '1 second')
        ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
          locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now(),
          status = NULL, headers = NULL, body = NULL
        WHERE idempotency_keys.expires_at <= now()
        RETURNING 1 AS claimed`,
  )
  if (claimed.length > 0) return { kind: 'claimed' }
  return (await readKey(db, claim)) ?? claimKey(db, claim, lease)
}

/** What holds a key now; null when it expired meanwhile (claim it again). */
export async function readKey(db: Queryable, claim: KeyClaim): Promise<ClaimOutcome | null> {
  const { rows } = await db.query<KeyRow>(
    sql`SELECT fingerprint, status, headers, body, locked_until <= now() AS is_lapsed FROM idempotency_keys
        WHERE scope = ${claim.scope} AND key = ${claim.key} AND expires_at > now()`,
  )
  const row = rows[0]
  if (!row) return null
  if (row.fingerprint !== claim.fingerprint) return { kind: 'mismatch' }
  if (row.status === null) return { kind: 'running', isLapsed: row.is_lapsed }
  return { kind: 'done', response: { status: row.status, headers: row.headers ?? {}, body: row.body } }
}

/** Keeps the first response of a claimed key for its repeats. */
export async function completeKey(db: Queryable, claim: KeyClaim, response: StoredResponse): Promise<void> {
  await db.query(
    sql`UPDATE idempotency_keys SET status = ${response.status}, headers = ${JSON.stringify(response.headers)},
          body = ${response.body}
        WHERE scope = ${claim.scope} AND key = ${claim.key} AND fingerprint = ${claim.fingerprint}`,
  )
}
