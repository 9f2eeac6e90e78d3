// Sessions of users who sign in: each is a refresh-token family (RFC 9700 §4.14). Starting one issues an access
// token and the first refresh token; a refresh retires its token and issues the next; presenting a retired one
// revokes the whole family; logout revokes it. Refresh tokens are kept only as their SHA-256.
import { createHash, randomBytes } from 'node:crypto'
import type { Config } from '../config.ts'
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { type Actor, systemActor } from '../domain/actor.ts'
import { recordEvent } from '../domain/changes.ts'
import { newId } from '../domain/ids.ts'
import type { User } from '../domain/users/model.ts'
import type { RequestFacts } from '../http/request-context.ts'
import { AUDIENCE, type Audience, type TokenService } from './tokens.ts'

export interface SessionDeps {
  db: Db
  tokens: TokenService
  config: Config
}

/** How a session began: a password here; other sign-ins (OIDC, …) name theirs. */
export type SignInMethod = 'password' | 'oidc' | (string & {})

/** What a sign-in or a refresh answers: the refresh token is shown to the caller once and kept only hashed. */
export interface SessionTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/** The role that holds the whole organization's users and no more (domain/reach.ts restricts it). */
export const ORGANIZATION_ADMIN = 'organization-admin'

const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url')
const newRefreshToken = () => randomBytes(32).toString('base64url')

/** The signed-in user as the actor of what it does (its own events). */
export function userActor(
  user: Pick<User, 'id' | 'tenantId' | 'resellerId' | 'organizationId'>,
  sessionId: string,
  facts: RequestFacts,
): Actor {
  return {
    type: 'user',
    id: user.id,
    role: 'reseller',
    tenantId: user.tenantId,
    resellerId: user.resellerId,
    scopes: new Set(),
    sessionId,
    organizationId: null,
    ...facts,
  }
}

/**
 * A user token's scope and organization restriction, from its role: a reseller-admin holds every reseller scope
 * on its reseller, an organization-admin the users of its organization (none without one), a `user` nothing (its
 * own profile, the SIGNED_IN operations), a custom role its claims.
 */
export function accessOfRole(
  role: string,
  claims: readonly string[],
  organizationId: string | null,
): { scope: string[]; org: string | null } {
  if (role === ORGANIZATION_ADMIN)
    return organizationId === null ? { scope: [], org: null } : { scope: [...claims], org: organizationId }
  return { scope: [...claims], org: null }
}

async function claimsOfRole(q: Queryable, tenantId: string, role: string): Promise<string[]> {
  const { rows } = await q.query<{ claims: string[] }>(
    sql`SELECT claims FROM roles WHERE tenant_id = ${tenantId} AND name = ${role}`,
  )
  return rows[0]?.claims ?? []
}

/** A user's role gives it a token for an audience: the customer portal needs allowCustomerPortalAccess, or a role that claims anything (an admin). */
export const mayUseAudience = (
  user: Pick<User, 'allowCustomerPortalAccess'>,
  claims: readonly string[],
  audience: Audience,
) => audience === AUDIENCE || user.allowCustomerPortalAccess || claims.length > 0

async function issueAccessToken(
  tokens: TokenService,
  user: Pick<User, 'id' | 'tenantId' | 'resellerId' | 'organizationId' | 'role'>,
  claims: readonly string[],
  sessionId: string,
  audience: Audience,
) {
  const { scope, org } = accessOfRole(user.role, claims, user.organizationId)
  return tokens.issue({
    sub: user.id,
    tid: user.tenantId,
    role: 'reseller',
    rid: user.resellerId,
    scope,
    sid: sessionId,
    org,
    aud: audience,
  })
}

/**
 * Starts a session for a user whose identity has been proven (a password, and a second factor where one is set;
 * an OIDC provider): writes the session and its first refresh token, sets lastLoginAt (not updatedAt: no
 * reseller.user.updated), clears the failed sign-ins, and records `user.login` — then issues the access token.
 */
export async function startSession(
  deps: SessionDeps,
  user: User,
  { audience, method, facts }: { audience: Audience; method: SignInMethod; facts: RequestFacts },
): Promise<SessionTokens> {
  const sessionId = newId()
  const refreshToken = newRefreshToken()
  const ttl = deps.config.signIn.refreshTokenTtlSeconds
  const claims = await deps.db.transaction(async (tx) => {
    const tenantId = user.tenantId
    await tx.query(
      sql`WITH session AS (
         INSERT INTO user_sessions (id, tenant_id, user_id, audience, method, created_at, last_used_at, ip_address, user_agent)
         VALUES (${sessionId}, ${tenantId}, ${user.id}, ${audience}, ${method}, now(), now(), ${facts.ipAddress}, ${facts.userAgent})
         RETURNING id
       ), token AS (
         INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
         SELECT ${hashOf(refreshToken)}, id, now(), now() + make_interval(secs => ${ttl}) FROM session
       ), signed_in AS (
         UPDATE users SET last_login_at = now() WHERE tenant_id = ${tenantId} AND id = ${user.id}
       ), cleared AS (
         DELETE FROM user_login_failures WHERE tenant_id = ${tenantId} AND user_id = ${user.id}
       )
       SELECT 1`,
    )
    await recordEvent(tx, userActor(user, sessionId, facts), {
      action: 'user.login',
      resourceId: user.id,
      resellerId: user.resellerId,
      changes: [
        { field: 'sessionId', from: null, to: sessionId },
        { field: 'method', from: null, to: method },
        { field: 'audience', from: null, to: audience },
      ],
      data: { id: user.id, email: user.email, sessionId, method, audience },
    })
    return claimsOfRole(tx, tenantId, user.role)
  })
  const issued = await issueAccessToken(deps.tokens, user, claims, sessionId, audience)
  return { accessToken: issued.token, refreshToken, expiresIn: issued.expiresIn }
}

/**
 * Revokes a user's live sessions (all, or all but one: the session that changed the password), in the caller's
 * transaction; their refresh tokens stop at once and their access tokens at the next principal check (at most
 * 30 s in other processes). The ids revoked, for the caller to forget in this process (PrincipalResolver).
 */
export async function revokeUserSessions(
  tx: Queryable,
  tenantId: string,
  userId: string,
  options: { exceptSessionId?: string; reason: string },
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    sql`UPDATE user_sessions SET revoked_at = now(), revoked_reason = ${options.reason}
     WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND revoked_at IS NULL
       AND (${options.exceptSessionId ?? null}::uuid IS NULL OR id <> ${options.exceptSessionId ?? null}::uuid)
     RETURNING id`,
  )
  return rows.map((row) => row.id)
}

/** Whether a session is live: not revoked, its user not deleted, its tenant enabled (the principal check). */
export async function isSessionLive(
  db: Queryable,
  tenantId: string,
  sessionId: string,
  userId: string,
): Promise<boolean> {
  const { rows } = await db.query(
    sql`SELECT 1 FROM user_sessions s
     JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id AND u.deleted_at IS NULL
     JOIN tenants t ON t.id = s.tenant_id AND t.disabled_at IS NULL
     WHERE s.id = ${sessionId} AND s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.revoked_at IS NULL`,
    { isPrepared: true },
  )
  return rows.length > 0
}

interface FamilyRow {
  session_id: string
  tenant_id: string
  user_id: string
  reseller_id: string
  organization_id: string | null
  audience: Audience
  is_revoked: boolean
  is_retired: boolean
  is_expired: boolean
}

/** The session of a refresh token (any of its family, retired or not), locked for the transaction. */
async function lockFamily(tx: Queryable, refreshToken: string): Promise<FamilyRow | null> {
  const { rows } = await tx.query<FamilyRow>(
    sql`SELECT s.id AS session_id, s.tenant_id, s.user_id, u.reseller_id, u.organization_id, s.audience,
       s.revoked_at IS NOT NULL AS is_revoked, rt.retired_at IS NOT NULL AS is_retired,
       rt.expires_at <= now() AS is_expired
     FROM refresh_tokens rt JOIN user_sessions s ON s.id = rt.session_id
     JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
     WHERE rt.token_hash = ${hashOf(refreshToken)}
     FOR UPDATE OF s`,
  )
  return rows[0] ?? null
}

/** Why a refresh token was refused (every one is RFC 6749's invalid_grant). */
export type RefreshRefusal = 'unknown' | 'revoked' | 'reused' | 'expired' | 'user_gone' | 'audience_denied'
/** A refusal; a reuse also names the session it revoked. */
type Refused = { refused: RefreshRefusal; revokedSessionId?: string }
type Renewal = {
  found: NonNullable<Awaited<ReturnType<typeof readSessionUser>>>
  sessionId: string
  audience: Audience
}

interface SignInUserRow {
  id: string
  tenant_id: string
  reseller_id: string
  organization_id: string | null
  email: string
  role: string
  allow_customer_portal_access: boolean
  claims: string[] | null
}

/** The live user of a session, of an enabled tenant, with its role's claims now (a changed role applies). */
async function readSessionUser(tx: Queryable, tenantId: string, userId: string) {
  const { rows } = await tx.query<SignInUserRow>(
    sql`SELECT u.id, u.tenant_id, u.reseller_id, u.organization_id, u.email, u.role, u.allow_customer_portal_access,
       r.claims
     FROM users u JOIN tenants t ON t.id = u.tenant_id AND t.disabled_at IS NULL
     LEFT JOIN roles r ON r.tenant_id = u.tenant_id AND r.name = u.role
     WHERE u.tenant_id = ${tenantId} AND u.id = ${userId} AND u.deleted_at IS NULL`,
  )
  const row = rows[0]
  if (!row) return null
  return {
    user: {
      id: row.id,
      tenantId: row.tenant_id,
      resellerId: row.reseller_id,
      organizationId: row.organization_id,
      email: row.email,
      role: row.role,
      allowCustomerPortalAccess: row.allow_customer_portal_access,
    },
    claims: row.claims ?? [],
  }
}

/**
 * The refresh_token grant (RFC 6749 §6): the token is retired and the next one issued with a new access token,
 * whose scope is the user's role's now. A retired token presented again revokes its whole family (RFC 9700's
 * reuse detection: one of the two holders is not the user) — that revocation commits, and the answer is a
 * refusal. The revoked session's id comes back so the caller can forget it in this process.
 */
export async function refreshSession(
  deps: SessionDeps,
  refreshToken: string,
  facts: RequestFacts,
): Promise<{ tokens: SessionTokens; scope: string } | Refused> {
  const next = newRefreshToken()
  const ttl = deps.config.signIn.refreshTokenTtlSeconds
  const outcome = await deps.db.transaction(async (tx): Promise<Refused | Renewal> => {
    const family = await lockFamily(tx, refreshToken)
    if (!family) return { refused: 'unknown' }
    if (family.is_revoked) return { refused: 'revoked' }
    const sessionId = family.session_id
    if (family.is_retired) {
      await revokeSession(
        tx,
        family,
        'refresh_token_reused',
        systemActor(family.tenant_id, facts.correlationId),
        facts,
      )
      return { refused: 'reused', revokedSessionId: sessionId }
    }
    if (family.is_expired) return { refused: 'expired' }
    const found = await readSessionUser(tx, family.tenant_id, family.user_id)
    if (!found) return { refused: 'user_gone' }
    if (!mayUseAudience(found.user, found.claims, family.audience)) return { refused: 'audience_denied' }
    await tx.query(
      sql`WITH retired AS (
         UPDATE refresh_tokens SET retired_at = now() WHERE token_hash = ${hashOf(refreshToken)}
       ), issued AS (
         INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
         VALUES (${hashOf(next)}, ${sessionId}, now(), now() + make_interval(secs => ${ttl}))
       )
       UPDATE user_sessions SET last_used_at = now() WHERE id = ${sessionId}`,
    )
    await recordEvent(tx, userActor(found.user, sessionId, facts), {
      action: 'user.token.refreshed',
      resourceId: found.user.id,
      resellerId: found.user.resellerId,
      changes: [{ field: 'sessionId', from: null, to: sessionId }],
      data: { id: found.user.id, sessionId },
    })
    return { found, sessionId, audience: family.audience }
  })
  if ('refused' in outcome) return outcome
  const { found, sessionId, audience } = outcome
  const issued = await issueAccessToken(deps.tokens, found.user, found.claims, sessionId, audience)
  const { scope } = accessOfRole(found.user.role, found.claims, found.user.organizationId)
  return {
    tokens: { accessToken: issued.token, refreshToken: next, expiresIn: issued.expiresIn },
    scope: scope.join(' '),
  }
}

/** Revokes one session and records why (`user.logout` by its user, or `user.session.revoked`). */
async function revokeSession(
  tx: Queryable,
  family: FamilyRow,
  reason: string,
  actor: Actor,
  facts: RequestFacts,
): Promise<void> {
  await tx.query(
    sql`UPDATE user_sessions SET revoked_at = now(), revoked_reason = ${reason} WHERE id = ${family.session_id}`,
  )
  await recordEvent(
    tx,
    { ...actor, ...facts },
    {
      action: reason === 'logout' ? 'user.logout' : 'user.session.revoked',
      resourceId: family.user_id,
      resellerId: family.reseller_id,
      changes: [
        { field: 'sessionId', from: null, to: family.session_id },
        { field: 'reason', from: null, to: reason },
      ],
      data: { id: family.user_id, sessionId: family.session_id, reason },
    },
  )
}

/**
 * Logout: revokes the session of a refresh token (any of its family). An unknown or already revoked token changes
 * nothing and is not an error (RFC 7009 §2.2: the client cannot do anything about it). The session revoked, if any.
 */
export async function endSession(
  deps: SessionDeps,
  refreshToken: string,
  facts: RequestFacts,
): Promise<string | null> {
  return deps.db.transaction(async (tx) => {
    const family = await lockFamily(tx, refreshToken)
    if (!family || family.is_revoked) return null
    const user = {
      id: family.user_id,
      tenantId: family.tenant_id,
      resellerId: family.reseller_id,
      organizationId: family.organization_id,
    }
    await revokeSession(tx, family, 'logout', userActor(user, family.session_id, facts), facts)
    return family.session_id
  })
}
