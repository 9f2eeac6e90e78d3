// A user's password: set by an administrator, changed by the signed-in user itself, or set through a mailed
// link. Hashed before the transaction opens, audited without any value; every way stores it through
// storePassword, which ends the user's other sessions in the same transaction.
import { hashPassword, verifyPassword } from '../../auth/passwords.ts'
import { revokeUserSessions } from '../../auth/sessions.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import { DomainError, forbidden, tooManyRequests } from '../errors.ts'
import { assertResellerReach } from '../reach.ts'
import { lockUser, lockUserRow } from './get.ts'
import { type LockoutPolicy, recordLoginFailure } from './lockout.ts'
import type { User } from './model.ts'

/**
 * Stores a password hash on a user whose row the transaction has locked, and ends the user's sessions (all,
 * or all but the one that changed it): whoever held the old password may hold them. The user as it now is,
 * and the ids of the sessions revoked, for the caller to forget at once in this process.
 */
export async function storePassword(
  tx: Queryable,
  user: User,
  passwordHash: string,
  sessions: { exceptSessionId?: string; reason: string },
): Promise<{ user: User; revokedSessions: string[] }> {
  const { rows } = await tx.query<{ updated_at: Date }>(
    sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now()
      WHERE tenant_id = ${user.tenantId} AND id = ${user.id} RETURNING updated_at`,
  )
  return {
    user: { ...user, updatedAt: new Date((rows[0] as { updated_at: Date }).updated_at) },
    revokedSessions: await revokeUserSessions(tx, user.tenantId, user.id, sessions),
  }
}

/**
 * Sets a user's password (an administrator's act): every session of the user ends, since whoever held the old
 * password may hold them. The ids of the sessions revoked, for the caller to forget at once.
 */
export async function setUserPassword(
  db: Db,
  actor: Actor,
  resellerId: string,
  id: string,
  password: string,
): Promise<string[]> {
  assertResellerReach(actor, resellerId)
  const passwordHash = await hashPassword(password)
  return db.transaction(async (tx) => {
    const locked = await lockUser(tx, actor, resellerId, id)
    const { user, revokedSessions } = await storePassword(tx, locked, passwordHash, {
      reason: 'password_set',
    })
    // The webhook data is the user as its other events send it (the user model holds no password).
    await recordEvent(tx, actor, {
      action: 'reseller.user.password.changed',
      resourceId: id,
      resellerId,
      changes: [],
      data: user,
    })
    return revokedSessions
  })
}

/**
 * The signed-in user changes its own password (POST /v3/me/password): the current one must be right — a wrong
 * one counts as a failed sign-in, toward the lock, so that a stolen access token cannot guess it at leisure —
 * and every other session of the user ends. The ids of the sessions revoked.
 */
export async function changeOwnPassword(
  db: Db,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
  policy: LockoutPolicy,
): Promise<string[]> {
  if (actor.type !== 'user' || actor.tenantId === null || actor.resellerId === null)
    throw forbidden('Only a signed-in user may do this.')
  const { tenantId, resellerId } = actor
  const { rows } = await db.query<{ password_hash: string | null; locked_for: number | null }>(
    sql`SELECT u.password_hash,
       CASE WHEN f.locked_until > now() THEN ceil(extract(epoch FROM f.locked_until - now()))::int END AS locked_for
     FROM users u LEFT JOIN user_login_failures f ON f.tenant_id = u.tenant_id AND f.user_id = u.id
     WHERE u.tenant_id = ${tenantId} AND u.id = ${actor.id} AND u.deleted_at IS NULL`,
  )
  const current = rows[0]
  if (!current) throw forbidden('Only a signed-in user may do this.')
  if (current.locked_for)
    throw tooManyRequests(
      'The account is locked after too many failed sign-ins.',
      current.locked_for,
      'ACCOUNT_LOCKED',
    )
  if (current.password_hash === null)
    throw new DomainError(
      'Forbidden',
      'This user has no password yet: it cannot change one.',
      'PASSWORD_NOT_SET',
    )
  if (!(await verifyPassword(input.currentPassword, current.password_hash))) {
    await db.transaction(async (tx) => {
      await recordLoginFailure(tx, tenantId, actor.id, policy)
      await recordEvent(tx, actor, {
        action: 'user.login.failed',
        resourceId: actor.id,
        resellerId,
        changes: [{ field: 'reason', from: null, to: 'invalid_current_password' }],
        data: { id: actor.id, reason: 'invalid_current_password' },
      })
    })
    throw new DomainError('Forbidden', 'The current password is wrong.', 'INVALID_CREDENTIALS')
  }
  const passwordHash = await hashPassword(input.newPassword)
  return db.transaction(async (tx) => {
    const locked = await lockUserRow(tx, tenantId, resellerId, actor.id)
    const { user, revokedSessions } = await storePassword(tx, locked, passwordHash, {
      ...(actor.sessionId ? { exceptSessionId: actor.sessionId } : {}),
      reason: 'password_changed',
    })
    await recordEvent(tx, actor, {
      action: 'reseller.user.password.changed',
      resourceId: actor.id,
      resellerId,
      changes: [],
      data: user,
    })
    return revokedSessions
  })
}
