// Bearer token → Principal, refusing tokens of revoked clients, of disabled tenants, and of a client that is
// not of the tenant the token names; a signed-in user's token, unless its session is live and its user there.
import type { Db } from '../db/connection.ts'
import type { Principal } from '../domain/actor.ts'
import { activeClientTenant } from '../domain/clients.ts'
import { unauthorized } from '../domain/errors.ts'
import { isSessionLive } from './sessions.ts'
import { TokenError, type TokenService } from './tokens.ts'

// How long a "still active" answer is trusted: a revoked client's tokens stop within this (SPEC: 60 s).
const ACTIVE_CACHE_MS = 30_000

export function createPrincipalResolver(db: Db, tokens: TokenService, platformClientId: string | null) {
  /** Each client's tenant while it is active (null: revoked, or its tenant disabled), cached briefly. */
  const active = new Map<string, { tenantId: string | null; until: number }>()

  async function tenantOfActive(clientRowId: string): Promise<string | null> {
    const now = Date.now()
    const cached = active.get(clientRowId)
    if (cached && cached.until > now) return cached.tenantId
    const tenantId = await activeClientTenant(db, clientRowId)
    if (active.size > 100_000) active.clear()
    active.set(clientRowId, { tenantId, until: now + ACTIVE_CACHE_MS })
    return tenantId
  }

  /** Whether each user session is live (not revoked, its user not deleted, its tenant enabled), cached briefly. */
  const sessions = new Map<string, { isLive: boolean; until: number }>()

  async function isLive(tenantId: string, sessionId: string, userId: string): Promise<boolean> {
    const now = Date.now()
    const cached = sessions.get(sessionId)
    if (cached && cached.until > now) return cached.isLive
    const live = await isSessionLive(db, tenantId, sessionId, userId)
    if (sessions.size > 100_000) sessions.clear()
    sessions.set(sessionId, { isLive: live, until: now + ACTIVE_CACHE_MS })
    return live
  }

  return {
    async resolve(authorization: string | undefined): Promise<Principal> {
      const match = authorization?.match(/^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i)
      if (!match?.[1]) throw unauthorized()
      let claims: Awaited<ReturnType<TokenService['verify']>>
      try {
        claims = await tokens.verify(match[1])
      } catch (error) {
        throw unauthorized(error instanceof TokenError ? error.message : 'The token is not valid.')
      }
      if (claims.sid) {
        if (!claims.tid || !(await isLive(claims.tid, claims.sid, claims.sub)))
          throw unauthorized('The session has ended.')
        return {
          type: 'user',
          id: claims.sub,
          role: claims.role,
          tenantId: claims.tid,
          resellerId: claims.rid,
          scopes: new Set(claims.scope),
          sessionId: claims.sid,
          organizationId: claims.org,
        }
      }
      if (claims.role === 'platform') {
        if (!platformClientId || claims.sub !== platformClientId)
          throw unauthorized('The token is not valid.')
      } else {
        const tenantId = await tenantOfActive(claims.sub)
        if (tenantId === null) throw unauthorized('The token has been revoked.')
        if (tenantId !== claims.tid) throw unauthorized('The token is not valid.')
      }
      return {
        type: claims.role === 'platform' ? 'platform' : 'client',
        id: claims.sub,
        role: claims.role,
        tenantId: claims.tid,
        resellerId: claims.rid,
        scopes: new Set(claims.scope),
      }
    },
    /** Forget a client at once in this process (it was just revoked here). */
    forget(clientRowId: string): void {
      active.set(clientRowId, { tenantId: null, until: Date.now() + ACTIVE_CACHE_MS })
    },
    /** Forget user sessions at once in this process (they were just revoked here). */
    forgetSessions(sessionIds: Iterable<string>): void {
      for (const id of sessionIds) sessions.set(id, { isLive: false, until: Date.now() + ACTIVE_CACHE_MS })
    },
    forgetAll(): void {
      active.clear()
      sessions.clear()
    },
  }
}

export type PrincipalResolver = ReturnType<typeof createPrincipalResolver>
