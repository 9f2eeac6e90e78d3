// The OAuth grants of the token endpoint: client credentials (RFC 6749 §4.4: which client authenticates and how,
// the scopes it may have, the token issued and the audit of its issuance) and a signed-in user's refresh token
// (§6, auth/sessions.ts). No HTTP here: the token route parses and renders.
import { randomBytes } from 'node:crypto'
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import type { Actor, Principal } from '../domain/actor.ts'
import { recordEvent } from '../domain/changes.ts'
import { type ClientCredentialsRow, findActiveClient, upgradeSecretHash } from '../domain/clients.ts'
import type { RequestFacts } from '../http/request-context.ts'
import { hashClientSecret, type Pepper, secretsEqual, verifyClientSecret } from './client-secrets.ts'
import { type RefreshRefusal, refreshSession } from './sessions.ts'
import type { TokenThrottle } from './throttle.ts'
import type { TokenService } from './tokens.ts'

/** A refusal in RFC 6749 §5.2's terms; `isBasic` says the client tried HTTP Basic (the 401 challenges it). */
export class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly isBasic = false,
    /** Seconds until a throttled client may try again: Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(description)
  }
}

export interface TokenRequest {
  authorization: string | undefined
  body: Record<string, unknown>
}

export interface TokenAnswer {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  /** The refresh_token grant's next refresh token (the one presented is retired). */
  refresh_token?: string
}

export interface GrantDeps {
  db: Db
  tokens: TokenService
  config: Config
  pepper: Pepper
  throttle: TokenThrottle
  /** Told of each refusal for too many failures, and of each failed authentication by reason. */
  onThrottled(): void
  onFailure(reason: FailureReason): void
  /** Told of a session revoked here (a refresh token presented twice), to forget it in this process at once. */
  onSessionRevoked?(sessionId: string): void
}

export type FailureReason = 'unknown_client' | 'invalid_secret'

interface ClientCredentials {
  clientId: string
  clientSecret: string
  isBasic: boolean
}

const malformedBasic = () => new OAuthFailure(401, 'invalid_client', 'Malformed Basic credentials.', true)

/** A Basic credential part is form-urlencoded (RFC 6749 §2.3.1). */
function decodeBasicPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '))
  } catch {
    throw malformedBasic()
  }
}

/** Client credentials from HTTP Basic or the body, never both. */
function clientCredentials({ authorization, body }: TokenRequest): ClientCredentials {
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)
  if (authorization && !basic)
    throw new OAuthFailure(401, 'invalid_client', 'Unsupported client authentication.', true)
  if (basic?.[1]) {
    if (bodySecret !== undefined)
      throw new OAuthFailure(400, 'invalid_request', 'Use one client authentication method, not two.')
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) throw malformedBasic()
    const clientId = decodeBasicPart(decoded.slice(0, colon))
    if (bodyId !== undefined && bodyId !== clientId)
      throw new OAuthFailure(
        400,
        'invalid_request',
        'client_id in the body names another client than Basic does.',
      )
    return { clientId, clientSecret: decodeBasicPart(decoded.slice(colon + 1)), isBasic: true }
  }
  if (!bodyId || bodySecret === undefined)
    throw new OAuthFailure(401, 'invalid_client', 'Client authentication is required.')
  return { clientId: bodyId, clientSecret: bodySecret, isBasic: false }
}

function requireClientCredentialsGrant(grantType: unknown): void {
  if (grantType === undefined) throw new OAuthFailure(400, 'invalid_request', 'grant_type is required.')
  if (grantType !== 'client_credentials')
    throw new OAuthFailure(
      400,
      'unsupported_grant_type',
      'Only client_credentials and refresh_token are supported.',
    )
}

/** The requested scopes, each one the client holds; none requested means all it holds. */
function narrowScopes(requested: unknown, granted: readonly string[]): string[] {
  if (requested === undefined || requested === '') return [...granted]
  if (typeof requested !== 'string') throw new OAuthFailure(400, 'invalid_request', 'scope must be a string.')
  const wanted = [...new Set(requested.split(' ').filter(Boolean))]
  const extra = wanted.find((scope) => !granted.includes(scope))
  if (extra) throw new OAuthFailure(400, 'invalid_scope', `The client may not request the scope "${extra}".`)
  return wanted
}

// What an unknown client id's secret is checked against, so that it costs what a known one's does (per
// pepper: the hash must be of the current scheme).
const unknownClientHashes = new WeakMap<Pepper, string>()
function unknownClientHash(pepper: Pepper): string {
  let hash = unknownClientHashes.get(pepper)
  if (hash === undefined) {
    hash = hashClientSecret(pepper, randomBytes(32).toString('base64url'))
    unknownClientHashes.set(pepper, hash)
  }
  return hash
}

interface Authenticated {
  principal: Omit<Principal, 'scopes'>
  scopes: readonly string[]
}

type Authentication =
  | { authenticated: Authenticated }
  | { failure: FailureReason; client: ClientCredentialsRow | null }

/** The platform operator (from the config, holding no scopes) or an active API client whose secret matches. */
async function authenticateClient(
  { db, config, pepper }: GrantDeps,
  { clientId, clientSecret }: ClientCredentials,
): Promise<Authentication> {
  // Looked up first, whoever is named: the platform operator's id costs the same round trip as any other.
  const client = await findActiveClient(db, clientId)
  const platform = config.platform
  if (platform && clientId === platform.clientId) {
    // Digests of equal length are compared, so the time taken tells nothing of the secret's length either.
    if (!secretsEqual(clientSecret, platform.clientSecret)) return { failure: 'invalid_secret', client: null }
    const principal = {
      type: 'platform',
      id: platform.clientId,
      role: 'platform',
      tenantId: null,
      resellerId: null,
    }
    return { authenticated: { principal: principal as Authenticated['principal'], scopes: [] } }
  }
  // Unknown or not, the secret is checked: the answer's timing does not tell whether the client id exists.
  const secret = verifyClientSecret(pepper, clientSecret, client?.secret_hash ?? unknownClientHash(pepper))
  if (!client) return { failure: 'unknown_client', client: null }
  if (!secret.matches) return { failure: 'invalid_secret', client }
  if (secret.isLegacy) await upgradeSecretHash(db, client.id, client.secret_hash, pepper, clientSecret)
  return {
    authenticated: {
      principal: {
        type: 'client',
        id: client.id,
        role: client.role,
        tenantId: client.tenant_id,
        resellerId: client.reseller_id,
      },
      scopes: client.scopes,
    },
  }
}

/**
 * A failed authentication, audited in the client's tenant (in no tenant's when the client id is unknown, with
 * the same one statement, so that the timing tells next to nothing: a known client's also writes its outbox row,
 * one more row of the same statement): the client id, the IP and the reason, never the secret.
 */
async function recordFailure(
  { db }: GrantDeps,
  clientId: string,
  reason: FailureReason,
  client: ClientCredentialsRow | null,
  facts: RequestFacts,
): Promise<void> {
  const actor: Actor = {
    type: 'anonymous',
    id: clientId.slice(0, 128),
    role: client?.role ?? 'csp',
    tenantId: client?.tenant_id ?? null,
    resellerId: client?.reseller_id ?? null,
    scopes: new Set(),
    ...facts,
  }
  // Its webhook data names the client id tried and the reason, never what was sent as the secret; with no
  // known client there is no tenant, and the event is audited only.
  await recordEvent(db, actor, {
    action: 'client.authentication.failed',
    resourceId: client?.id ?? clientId.slice(0, 128),
    resellerId: actor.resellerId,
    changes: [
      { field: 'clientId', from: null, to: clientId.slice(0, 128) },
      { field: 'reason', from: null, to: reason },
    ],
    data: { id: client?.id ?? null, clientId: clientId.slice(0, 128), reason },
  })
}

/** Authenticates the client, unless too many failures for it from this IP (or from this IP) came first. */
async function authenticateThrottled(
  deps: GrantDeps,
  credentials: ClientCredentials,
  facts: RequestFacts,
): Promise<Authenticated> {
  const ip = facts.ipAddress ?? 'unknown'
  const retryAfter = await deps.throttle.blockedFor(credentials.clientId, ip)
  if (retryAfter > 0) {
    deps.onThrottled()
    throw new OAuthFailure(
      429,
      'too_many_requests',
      'Too many failed authentications for this client from this address. Retry after the time in Retry-After.',
      credentials.isBasic,
      retryAfter,
    )
  }
  const result = await authenticateClient(deps, credentials)
  if ('authenticated' in result) return result.authenticated
  deps.onFailure(result.failure)
  await deps.throttle.recordFailure(credentials.clientId, ip)
  await recordFailure(deps, credentials.clientId, result.failure, result.client, facts)
  throw new OAuthFailure(401, 'invalid_client', 'Client authentication failed.', credentials.isBasic)
}

/**
 * Issues a token for the principal and records the issuance, the principal acting (the token's id, never the
 * token; a client's scope too).
 */
async function issueToken({ db, tokens }: GrantDeps, actor: Actor, scope: string[]): Promise<TokenAnswer> {
  const issued = await tokens.issue({
    sub: actor.id,
    tid: actor.tenantId,
    role: actor.role,
    rid: actor.resellerId,
    scope,
  })
  await recordEvent(db, actor, {
    action: 'client.token.issued',
    resourceId: actor.id,
    resellerId: actor.resellerId,
    changes: [
      { field: 'tokenId', from: null, to: issued.jti },
      ...(actor.type === 'client' ? [{ field: 'scope', from: null, to: scope.join(' ') }] : []),
    ],
    data: { id: actor.id, tokenId: issued.jti, scope: scope.join(' '), expiresIn: issued.expiresIn },
  })
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    scope: scope.join(' '),
  }
}

/** The client-credentials grant, start to end; throws OAuthFailure for every refusal. */
export async function grantClientCredentials(
  deps: GrantDeps,
  request: TokenRequest,
  facts: RequestFacts,
): Promise<TokenAnswer> {
  const credentials = clientCredentials(request)
  requireClientCredentialsGrant(request.body.grant_type)
  const { principal, scopes } = await authenticateThrottled(deps, credentials, facts)
  const scope = narrowScopes(request.body.scope, scopes)
  return issueToken(deps, { ...principal, scopes: new Set(scope), ...facts }, scope)
}

const REFUSALS: Record<RefreshRefusal, string> = {
  unknown: 'The refresh token is not valid.',
  revoked: 'The session of this refresh token has ended.',
  reused: 'The refresh token was already used: its session has been ended.',
  expired: 'The refresh token has expired.',
  user_gone: 'The user of this refresh token can no longer sign in.',
  audience_denied: 'The user may no longer use the customer portal.',
}

/**
 * The refresh_token grant (RFC 6749 §6), for a signed-in user's session: a public client, so no client
 * authentication is asked (a sent one is not read). Every refusal is invalid_grant.
 */
export async function grantRefreshToken(
  deps: GrantDeps,
  request: TokenRequest,
  facts: RequestFacts,
): Promise<TokenAnswer> {
  const refreshToken = request.body.refresh_token
  if (typeof refreshToken !== 'string' || refreshToken === '')
    throw new OAuthFailure(400, 'invalid_request', 'refresh_token is required.')
  const scope = request.body.scope
  if (scope !== undefined && scope !== '')
    throw new OAuthFailure(400, 'invalid_scope', "A refresh keeps the scope of the user's role; send none.")
  const result = await refreshSession(deps, refreshToken, facts)
  if ('refused' in result) {
    if (result.revokedSessionId) deps.onSessionRevoked?.(result.revokedSessionId)
    throw new OAuthFailure(400, 'invalid_grant', REFUSALS[result.refused])
  }
  return {
    access_token: result.tokens.accessToken,
    token_type: 'Bearer',
    expires_in: result.tokens.expiresIn,
    refresh_token: result.tokens.refreshToken,
    scope: result.scope,
  }
}
