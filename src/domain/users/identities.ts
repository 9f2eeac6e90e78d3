// Identities at OpenID Connect issuers (user_identities): which user of a tenant an identity signs in as. An
// identity already linked names its user, whatever email the issuer states now; a new one is linked to the
// live user with the same email, only when the issuer verified that email. Users are never created here.
import type { Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import type { Change } from '../audit/record.ts'
import { recordEvent } from '../changes.ts'
import { conflict, DomainError, isDomainError } from '../errors.ts'
import { newId } from '../ids.ts'
import { findUserByEmail, lockUserRow } from './get.ts'
import { selfActor, type User } from './model.ts'

/** An identity an issuer vouched for, as auth/oidc.ts gives it. */
export interface VerifiedIdentity {
  providerId: string
  issuer: string
  subject: string
  email: string | null
  isEmailVerified: boolean
}

/** What the request tells the audit log: its correlation id, address and user agent. */
export type SignInFacts = Pick<Actor, 'correlationId' | 'ipAddress' | 'userAgent'>

const refused = (code: string, message: string) => new DomainError('Forbidden', message, code)

/** The live user this identity is linked to; a link to a deleted user is dropped (its email may be anew). */
async function linkedUser(tx: Queryable, tenantId: string, identity: VerifiedIdentity): Promise<User | null> {
  const { rows } = await tx.query<{ user_id: string; reseller_id: string; is_deleted: boolean }>(
    sql`SELECT i.user_id, u.reseller_id, u.deleted_at IS NOT NULL AS is_deleted
        FROM user_identities i JOIN users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id
        WHERE i.tenant_id = ${tenantId} AND i.issuer = ${identity.issuer} AND i.subject = ${identity.subject}`,
  )
  const row = rows[0]
  if (!row) return null
  if (row.is_deleted) {
    await tx.query(
      sql`DELETE FROM user_identities
          WHERE tenant_id = ${tenantId} AND issuer = ${identity.issuer} AND subject = ${identity.subject}`,
    )
    return null
  }
  return lockUserRow(tx, tenantId, row.reseller_id, row.user_id)
}

/** The live user of the tenant with the identity's verified email, or a refusal saying why there is none. */
async function userByVerifiedEmail(
  tx: Queryable,
  tenantId: string,
  identity: VerifiedIdentity,
  facts: SignInFacts,
): Promise<User> {
  if (!identity.email || !identity.isEmailVerified)
    throw refused(
      'EMAIL_NOT_VERIFIED',
      'The identity provider has not verified this account’s email address.',
    )
  const reader: Actor = {
    type: 'system',
    id: 'system',
    role: 'csp',
    tenantId,
    resellerId: null,
    scopes: new Set(),
    ...facts,
  }
  try {
    const found = await findUserByEmail(tx, reader, identity.email, null)
    return await lockUserRow(tx, tenantId, found.resellerId, found.id)
  } catch (error) {
    if (isDomainError(error) && error.code === 'NOT_FOUND')
      throw refused('NO_USER_FOR_EMAIL', 'No user of this tenant has this email address.')
    throw error
  }
}

/**
 * The user this identity signs in as, in the caller's transaction. A first sign-in links the identity (and,
 * for Google, sets googleSsoEnabled), recorded as `user.identity.linked` with the user as actor.
 */
export async function userForIdentity(
  tx: Queryable,
  tenantId: string,
  identity: VerifiedIdentity,
  options: { isGoogle: boolean; facts: SignInFacts },
): Promise<User> {
  const linked = await linkedUser(tx, tenantId, identity)
  if (linked) return linked
  const user = await userByVerifiedEmail(tx, tenantId, identity, options.facts)
  const inserted = await tx.query(
    sql`INSERT INTO user_identities (id, tenant_id, user_id, provider_id, issuer, subject)
        VALUES (${newId()}, ${tenantId}, ${user.id}, ${identity.providerId}, ${identity.issuer}, ${identity.subject})
        ON CONFLICT (tenant_id, issuer, subject) DO NOTHING`,
  )
  if (inserted.rowCount === 0) {
    // Another sign-in linked it meanwhile: to this user, nothing more to do; to another, refused.
    const { rows } = await tx.query<{ user_id: string }>(
      sql`SELECT user_id FROM user_identities
          WHERE tenant_id = ${tenantId} AND issuer = ${identity.issuer} AND subject = ${identity.subject}`,
    )
    if (rows[0]?.user_id === user.id) return user
    throw conflict('IDENTITY_LINKED_ELSEWHERE', 'This identity is linked to another user.')
  }
  let after = user
  const changes: Change[] = [
    { field: 'identity.provider', from: null, to: identity.providerId },
    { field: 'identity.issuer', from: null, to: identity.issuer },
    { field: 'identity.subject', from: null, to: identity.subject },
  ]
  if (options.isGoogle && !user.googleSsoEnabled) {
    const { rows } = await tx.query<{ updated_at: Date }>(
      sql`UPDATE users SET google_sso_enabled = true, updated_at = now()
          WHERE tenant_id = ${tenantId} AND id = ${user.id} RETURNING updated_at`,
    )
    after = {
      ...user,
      googleSsoEnabled: true,
      updatedAt: new Date((rows[0] as { updated_at: Date }).updated_at),
    }
    changes.push({ field: 'googleSsoEnabled', from: false, to: true })
  }
  await recordEvent(tx, selfActor(after, options.facts), {
    action: 'user.identity.linked',
    resourceId: user.id,
    resellerId: user.resellerId,
    changes,
    data: after,
  })
  return after
}
