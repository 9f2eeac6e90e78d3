// Signing in with a password (POST /v3/accounts/login): the tenant by its domain, the user by its email, the
// password, the lock, the second factor's place, the customer portal's rule, then the session. Every refusal of
// credentials answers alike and takes alike long; each is audited without the password.
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { type Actor, systemActor } from '../domain/actor.ts'
import { recordEvent } from '../domain/changes.ts'
import { DomainError, tooManyRequests } from '../domain/errors.ts'
import { type LockoutPolicy, recordLoginFailure } from '../domain/users/lockout.ts'
import { fromJoinedRow, type JoinedRow, USER_COLUMNS, type User } from '../domain/users/model.ts'
import { proveSecondFactor } from '../domain/users/two-factor.ts'
import type { RequestFacts } from '../http/request-context.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts'
import { mayUseAudience, type SessionDeps, type SessionTokens, startSession } from './sessions.ts'
import type { Audience } from './tokens.ts'

/** What a sign-in with a password needs: the sessions', and the keyring that opens a two-factor secret. */
export type SignInDeps = SessionDeps & { keyring: Keyring }

export interface PasswordSignIn {
  /** The tenant's domain (Cryptlex's account alias; X-Tenant in v1). */
  accountAlias: string
  email: string
  password: string
  /** A second factor's code: for the two-factor check (see signInWithPassword). */
  code?: string | undefined
  audience: Audience
}

/** Why a sign-in failed, as its audit event says (the answer says only INVALID_CREDENTIALS, or the lock). */
export type SignInFailure =
  | 'unknown_email'
  | 'invalid_password'
  | 'no_password'
  | 'account_locked'
  | 'customer_portal_access_denied'
  | 'invalid_two_factor_code'

/** The answer to a right password without the second factor its user has. */
export const TWO_FACTOR_REQUIRED = 'TWO_FACTOR_REQUIRED'

const invalidCode = () =>
  new DomainError(
    'Unauthorized',
    'The two-factor code is wrong, expired or already used.',
    'INVALID_TWO_FACTOR_CODE',
  )

export const invalidCredentials = () =>
  new DomainError('Unauthorized', 'The email or the password is wrong.', 'INVALID_CREDENTIALS')

interface Candidate {
  tenantId: string
  user: User | null
  passwordHash: string | null
  claims: string[]
  lockedForSeconds: number
}

/** The tenant named by the alias (enabled), and its live user of that email with its hash, claims and lock. */
async function findCandidate(q: Queryable, accountAlias: string, email: string): Promise<Candidate | null> {
  const { rows } = await q.query<
    JoinedRow & {
      tid: string
      password_hash: string | null
      claims: string[] | null
      locked_for: number | null
    }
  >(
    sql`SELECT t.id AS tid, ${sql.raw(USER_COLUMNS)}, '[]'::json AS groups, u.password_hash, r.claims,
       CASE WHEN f.locked_until > now() THEN ceil(extract(epoch FROM f.locked_until - now()))::int END AS locked_for
     FROM tenants t
     LEFT JOIN users u ON u.tenant_id = t.id AND lower(u.email) = lower(${email}) AND u.deleted_at IS NULL
     LEFT JOIN roles r ON r.tenant_id = u.tenant_id AND r.name = u.role
     LEFT JOIN user_login_failures f ON f.tenant_id = u.tenant_id AND f.user_id = u.id
     WHERE t.domain = lower(${accountAlias}) AND t.disabled_at IS NULL`,
  )
  const row = rows[0]
  if (!row) return null
  return {
    tenantId: row.tid,
    user: row.id ? fromJoinedRow(row) : null,
    passwordHash: row.password_hash,
    claims: row.claims ?? [],
    lockedForSeconds: row.locked_for ?? 0,
  }
}

/**
 * A failed sign-in, in the tenant's log (in no tenant's when the alias names none): `user.login.failed` with the
 * email tried and why, never the password. An unknown email is recorded as an anonymous actor's, naming it.
 */
async function recordFailure(
  q: Queryable,
  tenantId: string | null,
  user: User | null,
  email: string,
  reason: SignInFailure,
  facts: RequestFacts,
): Promise<void> {
  const tried = email.slice(0, 256)
  const actor: Actor = {
    type: 'anonymous',
    id: user?.id ?? tried,
    role: 'reseller',
    tenantId,
    resellerId: user?.resellerId ?? null,
    scopes: new Set(),
    ...facts,
  }
  await recordEvent(q, actor, {
    action: 'user.login.failed',
    resourceId: user?.id ?? tried,
    resellerId: actor.resellerId,
    changes: [
      { field: 'email', from: null, to: tried },
      { field: 'reason', from: null, to: reason },
    ],
    data: { id: user?.id ?? null, email: tried, reason },
  })
}

/**
 * A wrong password (or none to check): the failure counted, maybe the lock it leads to, and both audited, in one
 * transaction. Answers INVALID_CREDENTIALS either way: the failure that locks is still a wrong password.
 */
async function refuseWrongPassword(
  deps: SessionDeps,
  candidate: Candidate & { user: User },
  reason: SignInFailure,
  facts: RequestFacts,
  refusal: DomainError = invalidCredentials(),
): Promise<never> {
  const { user } = candidate
  const policy: LockoutPolicy = deps.config.signIn
  await deps.db.transaction(async (tx) => {
    const { isLockedNow } = await recordLoginFailure(tx, user.tenantId, user.id, policy)
    await recordFailure(tx, user.tenantId, user, user.email, reason, facts)
    if (isLockedNow)
      await recordEvent(
        tx,
        { ...systemActor(user.tenantId, facts.correlationId), ...facts },
        {
          action: 'user.locked',
          resourceId: user.id,
          resellerId: user.resellerId,
          changes: [{ field: 'lockedForSeconds', from: null, to: policy.lockoutSeconds }],
          data: { id: user.id, email: user.email, lockedForSeconds: policy.lockoutSeconds },
        },
      )
  })
  throw refusal
}

/**
 * Signs a user in with its password: one function from the credentials to the session, so that every check has
 * its one place. Throws INVALID_CREDENTIALS (401) alike for an unknown tenant, an unknown email, a user with no
 * password yet and a wrong password — each checks a password against a hash, a dummy where there is none;
 * ACCOUNT_LOCKED (429, Retry-After) while locked, the right password too; CUSTOMER_PORTAL_ACCESS_DENIED (403).
 */
export async function signInWithPassword(
  deps: SignInDeps,
  input: PasswordSignIn,
  facts: RequestFacts,
): Promise<SessionTokens> {
  const candidate = await findCandidate(deps.db, input.accountAlias, input.email)
  const user = candidate?.user ?? null
  if (candidate && user && candidate.lockedForSeconds > 0) {
    await recordFailure(deps.db, candidate.tenantId, user, user.email, 'account_locked', facts)
    throw tooManyRequests(
      'The account is locked after too many failed sign-ins. Retry after the time in Retry-After, or ask an administrator to unlock it.',
      candidate.lockedForSeconds,
      'ACCOUNT_LOCKED',
    )
  }
  const isMatch = await verifyPassword(input.password, candidate?.passwordHash ?? DUMMY_PASSWORD_HASH)
  if (!candidate || !user) {
    await recordFailure(deps.db, candidate?.tenantId ?? null, null, input.email, 'unknown_email', facts)
    throw invalidCredentials()
  }
  if (candidate.passwordHash === null)
    return refuseWrongPassword(deps, { ...candidate, user }, 'no_password', facts)
  if (!isMatch) return refuseWrongPassword(deps, { ...candidate, user }, 'invalid_password', facts)

  // The password is right. A second factor, where the user has one, before anything else: without a code, 401
  // TWO_FACTOR_REQUIRED (no failure: the client asks for it and signs in again); a wrong or replayed code counts
  // as a failed sign-in, toward the lock, as a wrong password does.
  if (user.twoFactorEnabled) {
    if (!input.code)
      throw new DomainError(
        'Unauthorized',
        'This account signs in with two factors: send the code of its authenticator app, or a recovery code, as `code`.',
        TWO_FACTOR_REQUIRED,
      )
    const code = input.code
    const proven = await deps.db.transaction((tx) =>
      proveSecondFactor(tx, deps.keyring, user.tenantId, user.id, code),
    )
    if (proven === null)
      return refuseWrongPassword(
        deps,
        { ...candidate, user },
        'invalid_two_factor_code',
        facts,
        invalidCode(),
      )
  }

  if (!mayUseAudience(user, candidate.claims, input.audience)) {
    await recordFailure(deps.db, user.tenantId, user, user.email, 'customer_portal_access_denied', facts)
    throw new DomainError(
      'Forbidden',
      'This user may not sign in to the customer portal (allowCustomerPortalAccess is off).',
      'CUSTOMER_PORTAL_ACCESS_DENIED',
    )
  }
  return startSession(deps, user, { audience: input.audience, method: 'password', facts })
}
