// Failed sign-ins and the lock they lead to, kept apart from the user's row (a failure is no change of the user:
// no updatedAt, no reseller.user.updated), and the unlock an administrator gives.
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import { lockUser } from './get.ts'

export interface LockoutPolicy {
  /** Consecutive failures that lock the account, and for how long. */
  maxFailures: number
  lockoutSeconds: number
}

/**
 * Counts one failed sign-in of a user, atomically (concurrent failures each count). The one that reaches the
 * limit locks the account and starts the count again, so that after the lock a user has its full allowance.
 * Whether this failure locked it.
 */
export async function recordLoginFailure(
  tx: Queryable,
  tenantId: string,
  userId: string,
  { maxFailures, lockoutSeconds }: LockoutPolicy,
): Promise<{ isLockedNow: boolean; lockedForSeconds: number }> {
  const lockedUntil = sql`now() + make_interval(secs => ${lockoutSeconds})`
  const { rows } = await tx.query<{ is_locked_now: boolean }>(
    sql`INSERT INTO user_login_failures AS f (tenant_id, user_id, failures, locked_until, last_failure_at)
     VALUES (${tenantId}, ${userId}, CASE WHEN 1 >= ${maxFailures}::int THEN 0 ELSE 1 END,
       CASE WHEN 1 >= ${maxFailures}::int THEN ${lockedUntil} END, now())
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET
       failures = CASE WHEN f.failures + 1 >= ${maxFailures}::int THEN 0 ELSE f.failures + 1 END,
       locked_until = CASE WHEN f.failures + 1 >= ${maxFailures}::int THEN ${lockedUntil} ELSE f.locked_until END,
       last_failure_at = now()
     RETURNING f.locked_until IS NOT NULL AND f.locked_until = ${lockedUntil} AS is_locked_now`,
  )
  return { isLockedNow: rows[0]?.is_locked_now === true, lockedForSeconds: lockoutSeconds }
}

/** Forgets a user's failed sign-ins and lifts its lock (its password was just set through a mailed link). */
export async function clearLoginFailures(tx: Queryable, tenantId: string, userId: string): Promise<void> {
  await tx.query(sql`DELETE FROM user_login_failures WHERE tenant_id = ${tenantId} AND user_id = ${userId}`)
}

/**
 * Lifts a user's lock and forgets its failed sign-ins (POST …/users/{id}/unlock), within the actor's reach;
 * records `user.unlocked` when there was anything to lift.
 */
export async function unlockUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<void> {
  const user = await lockUser(tx, actor, resellerId, id)
  const { rows } = await tx.query<{ was_locked: boolean; failures: number }>(
    sql`DELETE FROM user_login_failures WHERE tenant_id = ${user.tenantId} AND user_id = ${user.id}
     RETURNING locked_until > now() AS was_locked, failures`,
  )
  const lifted = rows[0]
  if (!lifted) return
  await recordEvent(tx, actor, {
    action: 'user.unlocked',
    resourceId: user.id,
    resellerId: user.resellerId,
    changes: [
      { field: 'isLocked', from: lifted.was_locked === true, to: false },
      { field: 'failures', from: lifted.failures, to: 0 },
    ],
    data: { id: user.id, email: user.email },
  })
}
