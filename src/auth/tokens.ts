// Access tokens: ES256 JWTs with the claims of SPEC §3, issued by /oauth/token and checked on every request.
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose'
import type { PrincipalRole } from '../domain/actor.ts'
import { newId } from '../domain/ids.ts'
import type { KeyStore } from './key-store.ts'
import { createTokenCache } from './token-cache.ts'

export const AUDIENCE = 'reseller-api'
/** The audience a signed-in user may ask for instead (login's `audience`): the API accepts it for user tokens. */
export const CUSTOMER_PORTAL_AUDIENCE = 'customer-portal'
export type Audience = typeof AUDIENCE | typeof CUSTOMER_PORTAL_AUDIENCE

export interface TokenClaims {
  sub: string
  tid: string | null
  role: PrincipalRole
  rid: string | null
  scope: string[]
  /** A signed-in user's token: its session (the refresh-token family). Absent on an API client's token. */
  sid?: string | undefined
  /** A user token's organization restriction (an organization-admin's organization). */
  org?: string | null | undefined
  /** reseller-api unless a user asked for customer-portal. */
  aud?: Audience | undefined
}

export interface VerifiedToken extends TokenClaims {
  jti: string
  exp: number
  sid: string | undefined
  org: string | null
  aud: Audience
}

export class TokenError extends Error {}

/** How many verified tokens a process remembers by default (TOKEN_CACHE_MAX). */
export const TOKEN_CACHE_MAX = 10_000
/** How far a token's iat may lie ahead of this clock (another process's clock may run a little fast). */
export const CLOCK_SKEW_SECONDS = 60

export function createTokenService(
  store: KeyStore,
  issuer: string,
  ttlSeconds: number,
  cacheMax = TOKEN_CACHE_MAX,
  /** A signed-in user's access token lifetime (USER_TOKEN_TTL_SECONDS). */
  userTtlSeconds = 900,
) {
  const verified = createTokenCache<VerifiedToken>(cacheMax)
  /** Signatures checked (cache misses that got as far as a key) and cache hits, for the metrics and tests. */
  const stats = { verifications: 0, hits: 0 }
  return {
    jwks: () => ({ keys: store.current().publicJwks }),
    ttlSeconds,
    userTtlSeconds,
    /** The signing keys, to reload or stop reloading (services close it). */
    keys: store,
    async issue(claims: TokenClaims): Promise<{ token: string; jti: string; expiresIn: number }> {
      const jti = newId()
      const keys = store.current()
      const payload: Record<string, unknown> = { role: claims.role, scope: claims.scope.join(' ') }
      if (claims.tid) payload.tid = claims.tid
      if (claims.rid) payload.rid = claims.rid
      if (claims.sid) payload.sid = claims.sid
      if (claims.sid && claims.org) payload.org = claims.org
      const lifetime = claims.sid ? userTtlSeconds : ttlSeconds
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(claims.sid ? (claims.aud ?? AUDIENCE) : AUDIENCE)
        .setSubject(claims.sub)
        .setIssuedAt()
        .setExpirationTime(`${lifetime}s`)
        .setJti(jti)
        .sign(keys.privateKey)
      return { token, jti, expiresIn: lifetime }
    },
    stats,
    /** How many verified tokens this process remembers now. */
    cachedCount: () => verified.size,
    async verify(token: string): Promise<VerifiedToken> {
      // The same bytes verified before: skip the ES256 verify, but not the expiry, nor the key (a key this
      // process no longer holds signs nothing valid), nor, in the caller, the client's revocation. A token
      // altered in any byte has another hash: it is verified, fails, and is never remembered.
      const key = verified.keyOf(token)
      const known = verified.get(key)
      if (known) {
        if (known.expiresAt <= Date.now()) {
          verified.delete(key)
          throw new TokenError('The token has expired.')
        }
        if (!store.current().publicKeys.has(known.kid)) {
          verified.delete(key)
          throw new TokenError('The token was not signed by this service.')
        }
        stats.hits++
        return known.claims
      }
      const { claims, kid } = await verifySignature(token)
      verified.set(key, { claims, kid, expiresAt: claims.exp * 1000 })
      return claims
    },
  }

  async function verifySignature(token: string): Promise<{ claims: VerifiedToken; kid: string }> {
    try {
      const { kid } = decodeProtectedHeader(token)
      let key = kid ? store.current().publicKeys.get(kid) : undefined
      // A key this process has not loaded yet: another process may have rotated first.
      if (kid && !key) key = (await store.reloadForUnknownKid()).publicKeys.get(kid)
      if (!kid || !key) throw new TokenError('The token was not signed by this service.')
      stats.verifications++
      const { payload } = await jwtVerify(token, key, {
        issuer,
        audience: [AUDIENCE, CUSTOMER_PORTAL_AUDIENCE],
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      })
      const sid = typeof payload.sid === 'string' && payload.sid ? payload.sid : undefined
      const aud = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(AUDIENCE)
        ? AUDIENCE
        : CUSTOMER_PORTAL_AUDIENCE
      // Only a signed-in user is ever issued a customer-portal token.
      if (aud === CUSTOMER_PORTAL_AUDIENCE && !sid) throw new TokenError('The token is not valid.')
      assertPlausibleTimes(payload.iat as number, payload.exp as number, sid ? userTtlSeconds : ttlSeconds)
      const role = payload.role
      if (role !== 'csp' && role !== 'reseller' && role !== 'platform') throw new TokenError('Unknown role.')
      const tid = typeof payload.tid === 'string' ? payload.tid : null
      const rid = typeof payload.rid === 'string' ? payload.rid : null
      if (role !== 'platform' && !tid) throw new TokenError('The token names no tenant.')
      if (role === 'reseller' && !rid) throw new TokenError('A reseller token must name its reseller.')
      // A user only ever reaches its own reseller.
      if (sid && role !== 'reseller') throw new TokenError('The token is not valid.')
      const claims: VerifiedToken = {
        sub: payload.sub as string,
        tid,
        role,
        rid,
        scope: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
        jti: payload.jti as string,
        exp: payload.exp as number,
        sid,
        org: sid && typeof payload.org === 'string' ? payload.org : null,
        aud,
      }
      return { claims, kid }
    } catch (error) {
      if (error instanceof TokenError) throw error
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iat')
        throw new TokenError('The token is issued in the future.')
      if (error instanceof errors.JWTExpired) throw new TokenError('The token has expired.')
      throw new TokenError('The token is not valid.')
    }
  }

  /** No token of ours is issued in the future or lives longer than the service issues them for. */
  function assertPlausibleTimes(iat: number, exp: number, lifetime: number): void {
    if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS)
      throw new TokenError('The token is issued in the future.')
    if (exp - iat > lifetime + CLOCK_SKEW_SECONDS)
      throw new TokenError('The token lives longer than allowed.')
  }
}

export type TokenService = ReturnType<typeof createTokenService>
