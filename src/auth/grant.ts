// The OAuth client-credentials grant (RFC 6749 §4.4): which client authenticates and how, the scopes it may
// have, the token issued and the audit of its issuance. No HTTP here: the token route parses and renders.
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import type { Actor, Principal } from '../domain/actor.ts'
import { recordAudit } from '../domain/audit/record.ts'
import { findActiveClient, upgradeSecretHash } from '../domain/clients.ts'
import { type Pepper, secretsEqual, verifyClientSecret } from './client-secrets.ts'
import type { TokenService } from './tokens.ts'

/** A refusal in RFC 6749 §5.2's terms; `isBasic` says the client tried HTTP Basic (the 401 challenges it). */
export class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly isBasic = false,
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
}

export interface GrantDeps {
  db: Db
  tokens: TokenService
  config: Config
  pepper: Pepper
}

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
    throw new OAuthFailure(400, 'unsupported_grant_type', 'Only client_credentials is supported.')
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

/** The platform operator (from the config, holding no scopes) or an active API client whose secret matches. */
async function authenticateClient(
  { db, config, pepper }: GrantDeps,
  { clientId, clientSecret, isBasic }: ClientCredentials,
): Promise<{ principal: Omit<Principal, 'scopes'>; scopes: readonly string[] }> {
  const failed = () => new OAuthFailure(401, 'invalid_client', 'Client authentication failed.', isBasic)
  const platform = config.platform
  if (platform && clientId === platform.clientId) {
    // Digests of equal length are compared, so the time taken tells nothing of the secret's length either.
    if (!secretsEqual(clientSecret, platform.clientSecret)) throw failed()
    return {
      principal: {
        type: 'platform',
        id: platform.clientId,
        role: 'platform',
        tenantId: null,
        resellerId: null,
      },
      scopes: [],
    }
  }
  const client = await findActiveClient(db, clientId)
  if (!client) throw failed()
  const secret = verifyClientSecret(pepper, clientSecret, client.secret_hash)
  if (!secret.matches) throw failed()
  if (secret.isLegacy) await upgradeSecretHash(db, client.id, client.secret_hash, pepper, clientSecret)
  return {
    principal: {
      type: 'client',
      id: client.id,
      role: client.role,
      tenantId: client.tenant_id,
      resellerId: client.reseller_id,
    },
    scopes: client.scopes,
  }
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
  await recordAudit(db, actor, {
    action: 'client.token.issued',
    resource: 'client',
    resourceId: actor.id,
    resellerId: actor.resellerId,
    changes: [
      { field: 'tokenId', from: null, to: issued.jti },
      ...(actor.type === 'client' ? [{ field: 'scope', from: null, to: scope.join(' ') }] : []),
    ],
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
  facts: Omit<Actor, keyof Principal>,
): Promise<TokenAnswer> {
  const credentials = clientCredentials(request)
  requireClientCredentialsGrant(request.body.grant_type)
  const { principal, scopes } = await authenticateClient(deps, credentials)
  const scope = narrowScopes(request.body.scope, scopes)
  return issueToken(deps, { ...principal, scopes: new Set(scope), ...facts }, scope)
}
