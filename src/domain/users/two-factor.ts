// Two-factor sign-in of a user (TOTP, RFC 6238): enrolment, confirmation with recovery codes, the check at
// sign-in, turning it off with a code, and an admin's reset. A code counts once: the last accepted time step
// is kept, and only a later one is accepted; a recovery code is spent when used.
import {
  newRecoveryCodes,
  newTotpSecret,
  otpauthUriOf,
  recoveryCodeHash,
  totpStepOf,
} from '../../auth/totp.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import { decryptSecret, encryptSecret, secretAad } from '../../secrets/envelope.ts'
import type { Keyring } from '../../secrets/keyring.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import { conflict, forbidden, invalid } from '../errors.ts'
import { newId } from '../ids.ts'
import { assertResellerReach } from '../reach.ts'
import { lockUser, lockUserRow } from './get.ts'
import type { User } from './model.ts'

export interface TwoFactorEnrolment {
  /** The secret in base32, for an app that cannot read the QR code. Shown once, at enrolment. */
  secret: string
  /** The otpauth:// URI (the QR code's content). */
  otpauthUri: string
}

/** What a second factor was proven with, at sign-in or to turn two-factor off. */
export type SecondFactor = 'totp' | 'recovery-code'

const secretAadOf = (id: string) => secretAad('user_two_factor', 'secret', id)

/** The signed-in user of a user token: itself, locked for the transaction. */
async function lockSelf(tx: Queryable, actor: Actor): Promise<User> {
  if (actor.type !== 'user' || actor.tenantId === null || actor.resellerId === null)
    throw forbidden('Only a signed-in user may do this.')
  return lockUserRow(tx, actor.tenantId, actor.resellerId, actor.id)
}

const invalidCode = () =>
  invalid('code', 'The code is not valid: it is wrong, expired or already used.', 'INVALID_TWO_FACTOR_CODE')

/** Sets the user's flag and records the change (never the secret nor a code) as a user event. */
async function setEnabled(
  tx: Queryable,
  actor: Actor,
  user: User,
  isEnabled: boolean,
  action: 'user.two-factor.enabled' | 'user.two-factor.disabled' | 'user.two-factor.reset',
): Promise<void> {
  const { rows } = await tx.query<{ updated_at: Date }>(
    sql`UPDATE users SET two_factor_enabled = ${isEnabled}, updated_at = now()
      WHERE tenant_id = ${user.tenantId} AND id = ${user.id} RETURNING updated_at`,
  )
  await recordEvent(tx, actor, {
    action,
    resourceId: user.id,
    resellerId: user.resellerId,
    changes: [{ field: 'twoFactorEnabled', from: user.twoFactorEnabled, to: isEnabled }],
    data: {
      ...user,
      twoFactorEnabled: isEnabled,
      updatedAt: new Date((rows[0] as { updated_at: Date }).updated_at),
    },
  })
}

/** Forgets the user's secret and recovery codes (turned off, reset, or the user deleted). */
export async function forgetTwoFactor(tx: Queryable, tenantId: string, userId: string): Promise<void> {
  await tx.query(sql`DELETE FROM user_recovery_codes WHERE tenant_id = ${tenantId} AND user_id = ${userId}`)
  await tx.query(sql`DELETE FROM user_two_factor WHERE tenant_id = ${tenantId} AND user_id = ${userId}`)
}

/**
 * Starts an enrolment: a new secret, pending until a code of it confirms it (an earlier pending one is
 * replaced). Refused while two-factor is on: it must be turned off (with a code) first.
 */
export async function beginTwoFactor(db: Db, keyring: Keyring, actor: Actor): Promise<TwoFactorEnrolment> {
  return db.transaction(async (tx) => {
    const user = await lockSelf(tx, actor)
    if (user.twoFactorEnabled)
      throw conflict('TWO_FACTOR_ALREADY_ENABLED', 'Two-factor sign-in is already on: turn it off first.')
    const { rows } = await tx.query<{ name: string }>(
      sql`SELECT name FROM tenants WHERE id = ${user.tenantId}`,
    )
    await forgetTwoFactor(tx, user.tenantId, user.id)
    const id = newId()
    const secret = newTotpSecret()
    await tx.query(
      sql`INSERT INTO user_two_factor (id, tenant_id, user_id, secret)
        VALUES (${id}, ${user.tenantId}, ${user.id}, ${encryptSecret(keyring, secret, secretAadOf(id))})`,
    )
    return { secret, otpauthUri: otpauthUriOf(secret, user.email, rows[0]?.name ?? 'Reseller API') }
  })
}

/**
 * Confirms an enrolment with a code of its secret: two-factor is on from then, and the answer holds the
 * recovery codes, shown this once (only their hashes are kept).
 */
export async function confirmTwoFactor(
  db: Db,
  keyring: Keyring,
  actor: Actor,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  return db.transaction(async (tx) => {
    const user = await lockSelf(tx, actor)
    if (user.twoFactorEnabled)
      throw conflict('TWO_FACTOR_ALREADY_ENABLED', 'Two-factor sign-in is already on.')
    const { rows } = await tx.query<{ id: string; secret: string }>(
      sql`SELECT id, secret FROM user_two_factor
        WHERE tenant_id = ${user.tenantId} AND user_id = ${user.id} AND confirmed_at IS NULL`,
    )
    const pending = rows[0]
    if (!pending)
      throw conflict(
        'TWO_FACTOR_NOT_STARTED',
        'No enrolment is pending: start one with POST /v3/me/two-factor.',
      )
    const step = totpStepOf(decryptSecret(keyring, pending.secret, secretAadOf(pending.id)), code)
    if (step === null) throw invalidCode()
    await tx.query(
      sql`UPDATE user_two_factor SET confirmed_at = now(), last_step = ${step} WHERE id = ${pending.id}`,
    )
    const recoveryCodes = newRecoveryCodes()
    for (const recoveryCode of recoveryCodes)
      await tx.query(
        sql`INSERT INTO user_recovery_codes (tenant_id, user_id, code_hash)
          VALUES (${user.tenantId}, ${user.id}, ${recoveryCodeHash(recoveryCode)})`,
      )
    await setEnabled(tx, actor, user, true, 'user.two-factor.enabled')
    return { recoveryCodes }
  })
}

/**
 * Whether a code proves the user's second factor, spending it: a TOTP code of a later time step than the
 * last accepted one (each is accepted once), or an unused recovery code (used once). Null: neither. Each
 * spend is one conditional statement, so that two requests racing with one code cannot both pass.
 */
export async function proveSecondFactor(
  tx: Queryable,
  keyring: Keyring,
  tenantId: string,
  userId: string,
  code: string,
): Promise<SecondFactor | null> {
  const { rows } = await tx.query<{ id: string; secret: string; last_step: string }>(
    sql`SELECT id, secret, last_step FROM user_two_factor
      WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND confirmed_at IS NOT NULL`,
  )
  const enrolled = rows[0]
  if (!enrolled) return null
  const step = totpStepOf(decryptSecret(keyring, enrolled.secret, secretAadOf(enrolled.id)), code)
  if (step !== null) {
    const spent = await tx.query(
      sql`UPDATE user_two_factor SET last_step = ${step} WHERE id = ${enrolled.id} AND last_step < ${step}`,
    )
    return spent.rowCount > 0 ? 'totp' : null
  }
  const hash = recoveryCodeHash(code)
  if (hash === null) return null
  const spent = await tx.query(
    sql`UPDATE user_recovery_codes SET used_at = now()
      WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND code_hash = ${hash} AND used_at IS NULL`,
  )
  return spent.rowCount > 0 ? 'recovery-code' : null
}

/** Turns two-factor off, proven with a code (TOTP or recovery): a stolen access token alone cannot. */
export async function disableTwoFactor(db: Db, keyring: Keyring, actor: Actor, code: string): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await lockSelf(tx, actor)
    if (!user.twoFactorEnabled) throw conflict('TWO_FACTOR_NOT_ENABLED', 'Two-factor sign-in is not on.')
    if ((await proveSecondFactor(tx, keyring, user.tenantId, user.id, code)) === null) throw invalidCode()
    await forgetTwoFactor(tx, user.tenantId, user.id)
    await setEnabled(tx, actor, user, false, 'user.two-factor.disabled')
  })
}

/**
 * An admin turns a user's two-factor off (a lost phone and no recovery code left): the user signs in with
 * the password alone and may enrol again. Nothing to reset: nothing changes, and nothing is recorded.
 */
export async function resetTwoFactor(db: Db, actor: Actor, resellerId: string, id: string): Promise<void> {
  const tenantId = assertResellerReach(actor, resellerId)
  await db.transaction(async (tx) => {
    const user = await lockUser(tx, actor, resellerId, id)
    await forgetTwoFactor(tx, tenantId, id)
    if (user.twoFactorEnabled) await setEnabled(tx, actor, user, false, 'user.two-factor.reset')
  })
}
