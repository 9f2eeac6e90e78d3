// Setting a user's password: hashed before the transaction opens, audited without any value.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordAudit } from '../audit/record.ts'
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
    await lockUser(tx, tenantId, resellerId, id)
    await tx.query(
      sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE tenant_id = ${tenantId} AND id = ${id}`,
    )
    await recordAudit(tx, actor, {
      action: 'reseller.user.password.changed',
      resource: 'reseller.user',
      resourceId: id,
      resellerId,
      changes: [],
    })
  })
}
