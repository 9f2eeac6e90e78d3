// A user's account links: an invitation (an API client invites the user to set a password), a password reset
// (anyone who knows the user's tenant and email asks; the mail goes to that email), and a password set through
// either link. Issuing returns the token for the mail; the mail itself is not the domain's (mail/).
import { hashPassword } from '../../auth/passwords.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { recordEvent } from '../changes.ts'
import {
  countRecentLinks,
  findOpenLink,
  type IssuedLink,
  issueLink,
  type LinkPurpose,
  useLink,
} from '../links.ts'
import { assertResellerReach } from '../reach.ts'
import { findTenantByDomain, findTenantDomain } from '../tenants.ts'
import { lockUser, lockUserRow } from './get.ts'
import { clearLoginFailures } from './lockout.ts'
import { selfActor, type User } from './model.ts'
import { storePassword } from './password.ts'

/** The request facts an audit event records (who asked is not known when nobody signed in). */
export type RequestFacts = Pick<Actor, 'correlationId' | 'ipAddress' | 'userAgent'>

/**
 * At most this many reset mails per user per hour, however many requests ask (each counted per IP besides),
 * so that the endpoint cannot be used to flood someone's mailbox. Counted in the database: across processes.
 */
export const RESET_MAILS_PER_HOUR = 5

export interface LinkToMail {
  user: User
  link: IssuedLink
  /** The tenant's domain, which the mail names (the account a reset is for). */
  tenantDomain: string | null
}

/** An invitation for a user the actor reaches: a new link (earlier open ones retired) and its event. */
export async function inviteUser(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  id: string,
): Promise<LinkToMail> {
  const tenantId = assertResellerReach(actor, resellerId)
  // Locked: two invitations at once retire in turn, and one link stays open.
  const user = await lockUser(tx, actor, resellerId, id)
  const link = await issueLink(tx, tenantId, id, 'invitation')
  await recordEvent(tx, actor, {
    action: 'user.invitation.sent',
    resourceId: id,
    resellerId,
    changes: [],
    data: user,
  })
  return { user, link, tenantDomain: await findTenantDomain(tx, tenantId) }
}

export type ResetOutcome =
  | { kind: 'issued'; mail: LinkToMail }
  /** No live user of that email in an enabled tenant of that domain. */
  | { kind: 'unknown' }
  /** RESET_MAILS_PER_HOUR reached for the user: nothing is sent. */
  | { kind: 'throttled'; userId: string }

/**
 * A password reset asked for the account `email` of the tenant `accountAlias` (its domain). The caller must
 * answer the same whatever the outcome (and in the same time: see mail/account-mail.ts).
 */
export async function requestPasswordReset(
  db: Db,
  facts: RequestFacts,
  accountAlias: string,
  email: string,
): Promise<ResetOutcome> {
  return db.transaction(async (tx) => {
    const tenant = await findTenantByDomain(tx, accountAlias)
    if (!tenant || tenant.disabledAt) return { kind: 'unknown' }
    const { rows } = await tx.query<{ id: string; reseller_id: string }>(
      sql`SELECT id, reseller_id FROM users
        WHERE tenant_id = ${tenant.id} AND lower(email) = lower(${email}) AND deleted_at IS NULL`,
    )
    const found = rows[0]
    if (!found) return { kind: 'unknown' }
    // Locked, so that requests at once for one user count one another.
    const user = await lockUserRow(tx, tenant.id, found.reseller_id, found.id)
    const recent = await countRecentLinks(tx, tenant.id, user.id, 'password-reset', 3_600)
    if (recent >= RESET_MAILS_PER_HOUR) return { kind: 'throttled', userId: user.id }
    const link = await issueLink(tx, tenant.id, user.id, 'password-reset')
    // Nobody signed in: the actor is anonymous, named by nothing it claims.
    const actor: Actor = {
      type: 'anonymous',
      id: 'anonymous',
      role: 'reseller',
      tenantId: tenant.id,
      resellerId: user.resellerId,
      scopes: new Set(),
      ...facts,
    }
    await recordEvent(tx, actor, {
      action: 'user.password.reset.requested',
      resourceId: user.id,
      resellerId: user.resellerId,
      changes: [],
      data: user,
    })
    return { kind: 'issued', mail: { user, link, tenantDomain: tenant.domain } }
  })
}

const ACCEPTED = {
  invitation: 'user.invitation.accepted',
  'password-reset': 'user.password.reset',
} as const

/**
 * Sets the user's password through a link of this purpose, which is then used up (with every other open link
 * of the user). The password's rules are the API's schema's, as for any password.
 */
export async function setPasswordByLink(
  db: Db,
  facts: RequestFacts,
  purpose: LinkPurpose,
  token: string,
  password: string,
): Promise<string[]> {
  // Checked before hashing, so that a dead link costs no hashing; checked again, locked, below.
  await findOpenLink(db, token, purpose)
  const passwordHash = await hashPassword(password)
  return db.transaction(async (tx) => {
    const link = await findOpenLink(tx, token, purpose, { lock: true })
    const locked = await lockUserRow(tx, link.tenantId, link.resellerId, link.userId)
    // The user's sessions end (whoever knew the old password may hold one), and a lock lifts: the holder of
    // the link has shown control of the mailbox, which is what a locked-out user is told to do.
    const { user, revokedSessions } = await storePassword(tx, locked, passwordHash, {
      reason: ACCEPTED[purpose],
    })
    await clearLoginFailures(tx, link.tenantId, link.userId)
    await useLink(tx, link)
    await recordEvent(tx, selfActor(user, facts), {
      action: ACCEPTED[purpose],
      resourceId: user.id,
      resellerId: user.resellerId,
      changes: [],
      data: user,
    })
    return revokedSessions
  })
}
