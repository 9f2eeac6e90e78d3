// Deleting a user: a soft delete that frees its email and its slots; the row and its history stay.
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { releaseOrganizationUserSlot } from '../capacity.ts'
import { recordResourceChange } from '../changes.ts'
import { assertResellerReach } from '../reach.ts'
import { lockUser } from './get.ts'
import { USER_TRACKING } from './model.ts'
import { forgetTwoFactor } from './two-factor.ts'

export async function deleteUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  const before = await lockUser(tx, actor, resellerId, id)
  await tx.query(
    sql`UPDATE users SET deleted_at = now(), updated_at = now() WHERE tenant_id = ${tenantId} AND id = ${id}`,
  )
  await tx.query(
    sql`UPDATE resellers SET user_count = user_count - 1 WHERE tenant_id = ${tenantId} AND id = ${resellerId}`,
  )
  if (before.organizationId) await releaseOrganizationUserSlot(tx, before.organizationId)
  // Its two-factor secret and recovery codes serve no one any more.
  await forgetTwoFactor(tx, tenantId, id)
  await recordResourceChange(tx, actor, USER_TRACKING, 'deleted', before, null)
}
