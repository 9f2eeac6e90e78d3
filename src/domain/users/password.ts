// Setting a user's password: hashed before the transaction opens, audited without any value.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import { assertResellerReach } from '../reach.ts'
import { lockUser } from './get.ts'

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
    const user = await lockUser(tx, tenantId, resellerId, id)
    const { rows } = await tx.query<{ updated_at: Date }>(
      sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now()
        WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING updated_at`,
    )
    // The webhook data is the user as its other events send it (the user model holds no password).
    await recordEvent(tx, actor, {
      action: 'reseller.user.password.changed',
      resourceId: id,
      resellerId,
      changes: [],
      data: { ...user, updatedAt: new Date((rows[0] as { updated_at: Date }).updated_at) },
    })
  })
}
