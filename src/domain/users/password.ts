// Setting a user's password: hashed before the transaction opens, audited without any value. Every way a
// password is set (by an API client, through an invitation or a reset link) stores it through storePassword.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import { assertResellerReach } from '../reach.ts'
import { lockUser } from './get.ts'
import type { User } from './model.ts'

/**
 * Stores a password hash on a user whose row the transaction has locked, and returns the user as it now is.
 * (What else a new password ends, such as the user's sessions, ends here, in the same transaction.)
 */
export async function storePassword(tx: Queryable, user: User, passwordHash: string): Promise<User> {
  const { rows } = await tx.query<{ updated_at: Date }>(
    sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now()
      WHERE tenant_id = ${user.tenantId} AND id = ${user.id} RETURNING updated_at`,
  )
  return { ...user, updatedAt: new Date((rows[0] as { updated_at: Date }).updated_at) }
}

export async function setUserPassword(
  db: Db,
  actor: Actor,
  resellerId: string,
  id: string,
  password: string,
): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  const passwordHash = await hashPassword(password)
  await db.transaction(async (tx) => {
    const user = await storePassword(tx, await lockUser(tx, tenantId, resellerId, id), passwordHash)
    // The webhook data is the user as its other events send it (the user model holds no password).
    await recordEvent(tx, actor, {
      action: 'reseller.user.password.changed',
      resourceId: id,
      resellerId,
      changes: [],
      data: user,
    })
  })
}
