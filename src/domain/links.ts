// Single-use account links (an invitation, a password reset): issued with a random token of which only the
// SHA-256 is stored, used at most once, before they expire. What the token is for, the caller decides.
import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { invalid } from './errors.ts'
import { newId } from './ids.ts'

export type LinkPurpose = 'invitation' | 'password-reset'

/** How long a link stays good: an invitation may wait for a week, a reset is asked for and used at once. */
export const LINK_LIFETIME_SECONDS: Readonly<Record<LinkPurpose, number>> = {
  invitation: 7 * 86_400,
  'password-reset': 3_600,
}

const TOKEN_BYTES = 32

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url')

export interface IssuedLink {
  /** The token in clear: it goes into the mail and nowhere else (the database keeps its hash). */
  token: string
  expiresAt: Date
}

/** A new link for the user; the user's earlier links of this purpose that are still open are retired. */
export async function issueLink(
  tx: Queryable,
  tenantId: string,
  userId: string,
  purpose: LinkPurpose,
): Promise<IssuedLink> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url')
  const seconds = LINK_LIFETIME_SECONDS[purpose]
  const { rows } = await tx.query<{ expires_at: Date }>(
    sql`WITH retired AS (
        UPDATE account_links SET retired_at = now()
        WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND purpose = ${purpose}
          AND used_at IS NULL AND retired_at IS NULL AND expires_at > now())
      INSERT INTO account_links (id, tenant_id, user_id, purpose, token_hash, expires_at)
      VALUES (${newId()}, ${tenantId}, ${userId}, ${purpose}, ${hashToken(token)},
        now() + make_interval(secs => ${seconds}))
      RETURNING expires_at`,
  )
  return { token, expiresAt: new Date((rows[0] as { expires_at: Date }).expires_at) }
}

/** How many links of this purpose the user was sent since `seconds` ago (to throttle the mail a user gets). */
export async function countRecentLinks(
  tx: Queryable,
  tenantId: string,
  userId: string,
  purpose: LinkPurpose,
  seconds: number,
): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM account_links
      WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND purpose = ${purpose}
        AND created_at > now() - make_interval(secs => ${seconds})`,
  )
  return rows[0]?.n ?? 0
}

/**
 * The refusals a link can get, in the `token` field: what the holder of a link can learn about it and no
 * more. A token never issued, one of another purpose, or one whose user or tenant is gone is just invalid.
 */
export const linkInvalid = () =>
  invalid('token', 'This link is not valid. Ask for a new one.', 'LINK_INVALID')
export const linkExpired = () =>
  invalid('token', 'This link has expired or a newer one was sent. Ask for a new one.', 'LINK_EXPIRED')
export const linkUsed = () => invalid('token', 'This link has already been used.', 'LINK_USED')

interface LinkRow {
  id: string
  tenant_id: string
  user_id: string
  reseller_id: string
  is_used: boolean
  is_expired: boolean
}

/**
 * The live link of this token and purpose, with its user's reseller (the user and the tenant live), or the
 * refusal. With `lock`, the link's row is locked for the rest of the transaction: two uses of one token
 * cannot both pass.
 */
export async function findOpenLink(
  tx: Queryable,
  token: string,
  purpose: LinkPurpose,
  options: { lock?: boolean } = {},
): Promise<{ id: string; tenantId: string; userId: string; resellerId: string }> {
  const { rows } = await tx.query<LinkRow>(
    sql`SELECT l.id, l.tenant_id, l.user_id, u.reseller_id, l.used_at IS NOT NULL AS is_used,
        (l.retired_at IS NOT NULL OR l.expires_at <= now()) AS is_expired
      FROM account_links l
      JOIN users u ON u.tenant_id = l.tenant_id AND u.id = l.user_id AND u.deleted_at IS NULL
      JOIN tenants t ON t.id = l.tenant_id AND t.disabled_at IS NULL
      WHERE l.token_hash = ${hashToken(token)} AND l.purpose = ${purpose}
      ${options.lock ? sql`FOR UPDATE OF l` : sql.empty}`,
  )
  const row = rows[0]
  if (!row) throw linkInvalid()
  if (row.is_used) throw linkUsed()
  if (row.is_expired) throw linkExpired()
  return { id: row.id, tenantId: row.tenant_id, userId: row.user_id, resellerId: row.reseller_id }
}

/** Marks the link used, and retires every other open link of its user: a password set makes them moot. */
export async function useLink(tx: Queryable, link: { id: string; tenantId: string; userId: string }) {
  await tx.query(
    sql`UPDATE account_links
      SET used_at = CASE WHEN id = ${link.id} THEN now() ELSE used_at END,
        retired_at = CASE WHEN id = ${link.id} THEN retired_at ELSE now() END
      WHERE tenant_id = ${link.tenantId} AND user_id = ${link.userId}
        AND (id = ${link.id} OR (used_at IS NULL AND retired_at IS NULL AND expires_at > now()))`,
  )
}
