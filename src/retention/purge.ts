// The purge: what retention deletes, in small batches that several processes share (FOR UPDATE SKIP LOCKED),
// each batch its own short transaction, so that no lock is held for long and no batch waits on another.
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { LINK_LIFETIME_SECONDS } from '../domain/links.ts'

/**
 * The first id of the millisecond of a timestamptz expression, as a uuid: every UUIDv7 (newId) made before
 * that time sorts below it. Lets a purge walk a primary key from its oldest rows instead of needing an index
 * of its own: the bound only narrows the walk, the row's own timestamp decides.
 */
const idBefore = (at: string) =>
  sql.raw(`(lpad(to_hex(floor(extract(epoch FROM ${at}) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid`)

const FINAL_STATES = sql.raw("('succeeded', 'failed', 'cancelled')")

// Every batch deletes by ctid what its sub-select claimed: ctid = ANY(ARRAY(…)) is a TID scan, half the work
// of finding each claimed row again by its key. The claimed rows are locked, so their ctid cannot change
// before the DELETE (and a row updated since the claim would no longer match: it is skipped, never mistaken).

/** Runs one batch at a time until a batch comes back short (nothing more is due) or the caller stops. */
export async function inBatches(
  batchSize: number,
  isStopping: () => boolean,
  batch: () => Promise<number>,
): Promise<number> {
  let total = 0
  for (let count = batchSize; count >= batchSize && !isStopping(); ) {
    count = await batch()
    total += count
  }
  return total
}

/** Outbox events fanned out (processed_at set) more than `hours` ago. Those still waiting are never touched. */
export function purgeOutboxBatch(db: Db, hours: number, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`WITH cutoff AS (SELECT now() - make_interval(hours => ${hours}::int) AS at)
     DELETE FROM outbox_events WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM outbox_events
       WHERE id < (SELECT ${idBefore('at')} FROM cutoff) AND processed_at < (SELECT at FROM cutoff)
       ORDER BY id LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))`,
  )
}

/**
 * Deliveries (the delivery log; each row carries its attempts) in a final state whose last change is more than
 * `days` old. One pending, queued or retrying is never touched, nor one a resend or an attempt holds locked.
 */
export function purgeDeliveriesBatch(db: Db, days: number, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`WITH cutoff AS (SELECT now() - make_interval(days => ${days}::int) AS at)
     DELETE FROM webhook_deliveries WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM webhook_deliveries
       WHERE id < (SELECT ${idBefore('at')} FROM cutoff) AND status IN ${FINAL_STATES}
         AND updated_at < (SELECT at FROM cutoff)
       ORDER BY id LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))`,
  )
}

/** Expired idempotency records. */
export function purgeIdempotencyBatch(db: Db, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))`,
  )
}

// A day past the longest a link lives: every account link created before then is long dead (used, retired or
// expired), and the reset throttle counts only the last hour's.
const DEAD_LINK_SECONDS = Math.max(...Object.values(LINK_LIFETIME_SECONDS)) + 86_400

/** Account links (invitations, password resets) created more than DEAD_LINK_SECONDS ago. */
export function purgeAccountLinksBatch(db: Db, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`WITH cutoff AS (SELECT now() - make_interval(secs => ${DEAD_LINK_SECONDS}::int) AS at)
     DELETE FROM account_links WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM account_links
       WHERE id < (SELECT ${idBefore('at')} FROM cutoff) AND created_at < (SELECT at FROM cutoff)
       ORDER BY id LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))`,
  )
}

/**
 * Refresh tokens a day past their expiry, retired or not: by then each is refused as expired anyway. (A retired
 * one presented again before that still revokes its session: reuse detection lasts the token's lifetime.)
 */
export function purgeRefreshTokensBatch(db: Db, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`DELETE FROM refresh_tokens WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM refresh_tokens WHERE expires_at < now() - interval '1 day'
       ORDER BY expires_at LIMIT ${batchSize}::int FOR UPDATE SKIP LOCKED))`,
  )
}

/**
 * Sessions that nothing can renew any more: no refresh token left (each goes a day past its expiry), begun more
 * than a day ago (a session and its first token are written together). Revoked or run out alike; their
 * user.login and user.logout stay in the audit log.
 */
export function purgeSessionsBatch(db: Db, batchSize: number): Promise<number> {
  return deleted(
    db,
    sql`WITH cutoff AS (SELECT now() - interval '1 day' AS at)
     DELETE FROM user_sessions WHERE ctid = ANY (ARRAY(
       SELECT s.ctid FROM user_sessions s
       WHERE s.id < (SELECT ${idBefore('at')} FROM cutoff) AND s.created_at < (SELECT at FROM cutoff)
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.session_id = s.id)
       ORDER BY s.id LIMIT ${batchSize}::int FOR UPDATE OF s SKIP LOCKED))`,
  )
}

async function deleted(db: Db, statement: ReturnType<typeof sql>): Promise<number> {
  return db.transaction(async (tx) => {
    await withoutWaitingForFlush(tx)
    return (await tx.query(statement)).rowCount
  })
}

/**
 * A purge batch's commit does not wait for its WAL to reach the disk (synchronous_commit off, for this
 * transaction only): a crash can lose only the last batches, which the next run deletes again, and
 * atomicity is untouched. Waiting for the flush of every 1,000-row batch was most of a batch's time.
 */
export async function withoutWaitingForFlush(tx: Queryable): Promise<void> {
  await tx.query(sql`SELECT set_config('synchronous_commit', 'off', true)`)
}
