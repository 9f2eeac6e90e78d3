// The OpenID Connect relying party (openid-client): each issuer's discovery document (cached, refreshed), the
// authorization URL of a sign-in (code flow, PKCE S256, state, nonce) and, at the callback, the code exchanged
// and the ID token checked (issuer, audience, signature, expiry, nonce: openid-client does it), giving the
// identity the issuer vouches for. No secret of a sign-in (client secret, code, tokens, verifier) leaves here.
import type * as OpenId from 'openid-client'
import { GOOGLE_ISSUER, type OidcConfig, type OidcProviderConfig } from '../config-oidc.ts'
import { type DomainError, notFound, DomainError as Refusal, unavailable } from '../domain/errors.ts'
import type { SignInFacts } from '../domain/users/identities.ts'
import type { User } from '../domain/users/model.ts'

/**
 * openid-client, loaded with the first sign-in through an identity provider: 9 MB of memory that a service
 * without one (or before its first such sign-in) does not hold. An error of its kind can only come after.
 */
let loaded: typeof OpenId | undefined
async function openid(): Promise<typeof OpenId> {
  loaded ??= await import('openid-client')
  return loaded
}

/** A signed-in user's tokens, as a sign-in sends them back to the console. */
export interface SessionTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/**
 * Issues the tokens of a user who proved who they are: the session of a sign-in. At merge, bound to
 * auth/sessions.ts `startSession(deps, user, { audience, method: 'oidc', facts })` (services.ts).
 */
export type SignIn = (user: User, facts: SignInFacts) => Promise<SessionTokens>

/** What an issuer vouched for at a callback. `email` is the issuer's word; isEmailVerified whether it checked it. */
export interface OidcIdentity {
  providerId: string
  issuer: string
  subject: string
  email: string | null
  isEmailVerified: boolean
}

/** The secrets of one sign-in, made at its start and kept server-side until its callback (auth/oidc-logins.ts). */
export interface SignInChecks {
  state: string
  nonce: string
  codeVerifier: string
}

export interface RelyingParty {
  readonly providers: readonly OidcProviderConfig[]
  /** The provider named (a sign-in's ?provider=), or the only one when none is named. */
  providerFor(id: string | undefined): OidcProviderConfig
  /** New checks for a sign-in, and the issuer's authorization URL carrying them. */
  startSignIn(provider: OidcProviderConfig): Promise<{ url: URL; checks: SignInChecks }>
  /** The callback's query (as received) checked against the sign-in's checks; the identity, or a refusal. */
  completeSignIn(provider: OidcProviderConfig, query: string, checks: SignInChecks): Promise<OidcIdentity>
}

/** Discovery documents are read again after this long (an issuer's keys and endpoints may move). */
const DISCOVERY_TTL_MS = 60 * 60 * 1000
/** Each request to an issuer gives up after this many seconds. */
const ISSUER_TIMEOUT_S = 10
const SCOPE = 'openid email profile'

/** Network failures and the issuer answering something other than OAuth: worth a retry later. */
const UNREACHABLE_CODES = new Set([
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
])

const isUnreachable = (error: unknown) =>
  error instanceof TypeError ||
  (loaded !== undefined && error instanceof loaded.ClientError && UNREACHABLE_CODES.has(error.code ?? ''))

export const isGoogleIssuer = (issuer: string) => issuer === GOOGLE_ISSUER

const issuerUnavailable = (provider: OidcProviderConfig) =>
  unavailable(
    'OIDC_ISSUER_UNAVAILABLE',
    `The identity provider "${provider.name}" cannot be reached; try again later.`,
  )

/** A refusal of the sign-in: a 403 whose code the console shows (never a message of the issuer's). */
const refused = (code: string, message: string): DomainError => new Refusal('Forbidden', message, code)

/** Why the issuer's answer is refused, as a code and a message of ours. */
function refusalOf(provider: OidcProviderConfig, error: unknown): DomainError {
  if (isUnreachable(error)) return issuerUnavailable(provider)
  if (loaded !== undefined && error instanceof loaded.AuthorizationResponseError)
    return error.error === 'access_denied'
      ? refused('OIDC_ACCESS_DENIED', 'The sign-in was cancelled or refused at the identity provider.')
      : refused('OIDC_AUTHORIZATION_FAILED', 'The identity provider did not authorize the sign-in.')
  if (loaded !== undefined && error instanceof loaded.ResponseBodyError)
    return refused('OIDC_CODE_REFUSED', 'The identity provider refused to exchange the authorization code.')
  return refused('OIDC_ID_TOKEN_INVALID', 'The identity provider’s answer failed validation.')
}

export function createRelyingParty(
  config: OidcConfig,
  redirectUri: string,
  onFailure: (provider: OidcProviderConfig, error: unknown) => void = () => {},
): RelyingParty {
  const discovered = new Map<string, { at: number; value: Promise<OpenId.Configuration> }>()

  /** The issuer's configuration: discovered once, again after DISCOVERY_TTL_MS or after a failed attempt. */
  async function configurationOf(provider: OidcProviderConfig): Promise<OpenId.Configuration> {
    const client = await openid()
    // From here to the cache's update, nothing awaits: concurrent sign-ins share one discovery.
    const cached = discovered.get(provider.id)
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.value
    const auth =
      provider.clientSecret === null ? client.None() : client.ClientSecretPost(provider.clientSecret)
    const value = client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
      timeout: ISSUER_TIMEOUT_S,
      // Plain http only where the configuration allows it: an issuer on this machine (config-oidc.ts).
      ...(provider.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : {}),
    })
    discovered.set(provider.id, { at: Date.now(), value })
    try {
      return await value
    } catch (error) {
      // A failure is not cached: the next sign-in asks again. A stale document still in hand stays in use.
      if (discovered.get(provider.id)?.value === value) discovered.delete(provider.id)
      onFailure(provider, error)
      if (cached) {
        discovered.set(provider.id, { at: Date.now() - DISCOVERY_TTL_MS + 60_000, value: cached.value })
        return cached.value.catch(() => {
          throw issuerUnavailable(provider)
        })
      }
      throw issuerUnavailable(provider)
    }
  }

  /** email and email_verified from the ID token or, when it holds neither, from the userinfo endpoint. */
  async function emailOf(
    configuration: OpenId.Configuration,
    claims: OpenId.IDToken,
    accessToken: string,
  ): Promise<{ email: string | null; isEmailVerified: boolean }> {
    let source: Record<string, unknown> = claims
    if (claims.email === undefined && claims.email_verified === undefined) {
      if (configuration.serverMetadata().userinfo_endpoint)
        source = await (await openid()).fetchUserInfo(configuration, accessToken, claims.sub)
    }
    return {
      email: typeof source.email === 'string' && source.email !== '' ? source.email : null,
      // Strictly the boolean: a "true" string is not the issuer saying it checked the address.
      isEmailVerified: source.email_verified === true,
    }
  }

  return {
    providers: config.providers,
    providerFor(id) {
      const provider =
        id === undefined
          ? config.providers.length === 1
            ? config.providers[0]
            : undefined
          : config.providers.find((p) => p.id === id)
      if (!provider)
        throw id === undefined && config.providers.length > 1
          ? new Refusal(
              'Invalid',
              'Name the identity provider with ?provider=.',
              'OIDC_PROVIDER_REQUIRED',
              'provider',
            )
          : notFound('Identity provider')
      return provider
    },

    async startSignIn(provider) {
      const configuration = await configurationOf(provider)
      const client = await openid()
      const checks = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      }
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: SCOPE,
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      })
      return { url, checks }
    },

    async completeSignIn(provider, query, checks) {
      const configuration = await configurationOf(provider)
      const client = await openid()
      const callbackUrl = new URL(redirectUri)
      callbackUrl.search = query
      try {
        const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        })
        const claims = tokens.claims()
        // idTokenExpected: openid-client refuses an answer without one; this keeps the type honest.
        if (!claims) throw new Error('no ID token')
        return {
          providerId: provider.id,
          issuer: claims.iss,
          subject: claims.sub,
          ...(await emailOf(configuration, claims, tokens.access_token)),
        }
      } catch (error) {
        onFailure(provider, error)
        throw refusalOf(provider, error)
      }
    },
  }
}
