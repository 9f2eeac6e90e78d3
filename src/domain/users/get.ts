// Reading one user: by id (v3), locked for a change, or found by email (the v1 paths name users so).
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { notFound } from '../errors.ts'
import { isUuid } from '../ids.ts'
import {
  assertResellerReach,
  assertRoleWithinReach,
  assertUserInReach,
  organizationScope,
  tenantOf,
} from '../reach.ts'
import { fromJoinedRow, GROUPS, type JoinedRow, ORG_COLUMNS, USER_COLUMNS, type User } from './model.ts'

const JOINED = sql.raw(`${USER_COLUMNS}, ${ORG_COLUMNS}, ${GROUPS}`)

export async function getUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  if (!isUuid(id)) throw notFound('User')
  const { rows } = await tx.query<JoinedRow>(
    sql`SELECT ${JOINED} FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
     WHERE u.tenant_id = ${tenantId} AND u.reseller_id = ${resellerId} AND u.id = ${id} AND u.deleted_at IS NULL`,
    { isPrepared: true },
  )
  if (!rows[0]) throw notFound('User')
  const user = fromJoinedRow(rows[0])
  assertUserInReach(actor, user)
  return user
}

/**
 * The live user the actor reaches, its row locked for the rest of the transaction. The lock is taken first and
 * the user read after it: a read under a lock that waited would join the user's new row to its old
 * organization and groups.
 */
export async function lockUser(tx: Queryable, actor: Actor, resellerId: string, id: string): Promise<User> {
  const tenantId = assertResellerReach(actor, resellerId)
  const user = await lockUserRow(tx, tenantId, resellerId, id)
  assertUserInReach(actor, user)
  if (actor.id !== user.id) await assertRoleWithinReach(tx, actor, tenantId, user.role)
  return user
}

/** lockUser without an actor: for the signed-in user itself and the system (sessions, sign-in). */
export async function lockUserRow(
  tx: Queryable,
  tenantId: string,
  resellerId: string,
  id: string,
): Promise<User> {
  if (!isUuid(id)) throw notFound('User')
  const locked = await tx.query(
    sql`SELECT 1 FROM users
     WHERE tenant_id = ${tenantId} AND reseller_id = ${resellerId} AND id = ${id} AND deleted_at IS NULL FOR UPDATE`,
  )
  if (locked.rows.length === 0) throw notFound('User')
  const { rows } = await tx.query<JoinedRow>(
    sql`SELECT ${JOINED} FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
     WHERE u.tenant_id = ${tenantId} AND u.id = ${id}`,
  )
  return fromJoinedRow(rows[0] as JoinedRow)
}

/**
 * The live user with this email (case-insensitively) that the actor may reach. With a resellerId, only that
 * reseller's user; a reseller token only ever its own.
 */
export async function findUserByEmail(
  tx: Queryable,
  actor: Actor,
  email: string,
  resellerId: string | null,
): Promise<{ id: string; resellerId: string }> {
  const tenantId = resellerId !== null ? assertResellerReach(actor, resellerId) : tenantOf(actor)
  const scopeReseller = sql.param(resellerId ?? (actor.role === 'reseller' ? actor.resellerId : null))
  const { rows } = await tx.query<{ id: string; reseller_id: string }>(
    sql`SELECT id, reseller_id FROM users
     WHERE tenant_id = ${tenantId} AND lower(email) = lower(${email}) AND deleted_at IS NULL
       AND (${scopeReseller}::uuid IS NULL OR reseller_id = ${scopeReseller}::uuid)${organizationScope(actor, 'organization_id')}`,
  )
  if (!rows[0]) throw notFound('User')
  return { id: rows[0].id, resellerId: rows[0].reseller_id }
}
