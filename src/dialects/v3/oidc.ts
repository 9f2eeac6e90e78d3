// Sign-in with OpenID Connect: the start (a 302 to the issuer) and the callback (a 302 back to the console,
// the tokens in the URL's fragment). Both are public: the browser comes without a token, limited per IP.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { isGoogleIssuer } from '../../auth/oidc.ts'
import { consumePendingLogin, savePendingLogin } from '../../auth/oidc-logins.ts'
import { isAllowedReturnTo } from '../../config-oidc.ts'
import { type DomainError, fromDatabaseError, invalid, isDomainError, notFound } from '../../domain/errors.ts'
import { findTenantByDomain } from '../../domain/tenants.ts'
import { userForIdentity } from '../../domain/users/identities.ts'
import { requestFactsOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { ErrorBody } from './schemas.ts'

const tags = ['v3 sign-in']

const StartQuery = Type.Object(
  {
    accountAlias: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'The tenant’s domain (what X-Tenant names in v1): the user signs in to this tenant.',
    }),
    returnTo: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'Where the browser is sent back with the tokens (in the fragment): a URL on the allow-list, OIDC_RETURN_TO, or under PUBLIC_URL/console.',
    }),
    provider: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description:
          'The identity provider’s id (OIDC_PROVIDERS); may be left out when only one is configured.',
      }),
    ),
  },
  { additionalProperties: false },
)

// The issuer's authorization response: it may carry parameters of its own (Google's authuser, hd, prompt).
const CallbackQuery = Type.Object(
  {
    state: Type.Optional(
      Type.String({ maxLength: 512, description: 'The sign-in’s state, as the start sent it.' }),
    ),
    code: Type.Optional(Type.String({ maxLength: 4096, description: 'The authorization code.' })),
    iss: Type.Optional(Type.String({ maxLength: 2048, description: 'The issuer (RFC 9207).' })),
    error: Type.Optional(Type.String({ maxLength: 256, description: 'The issuer’s refusal.' })),
    error_description: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: true },
)

const redirect = (description: string) => ({
  ...Type.Null({ description }),
  headers: { Location: Type.String({ description: 'Where the browser goes next.' }) },
})

/** Sends the browser to `returnTo` with these parameters in its fragment (a fragment never reaches a server). */
function sendBack(reply: FastifyReply, returnTo: string, parameters: Record<string, string>) {
  return reply
    .code(302)
    .header('cache-control', 'no-store')
    .header('location', `${returnTo}#${new URLSearchParams(parameters).toString()}`)
    .send(undefined as unknown as null)
}

const notConfigured = () => notFound('Identity provider (OpenID Connect sign-in is not configured)')

export const oidcRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, keyring, oidc, config } = deps

  app.get(
    '/accounts/oidc/start',
    {
      config: { operation: 'StartOidcSignIn' },
      schema: {
        tags,
        summary: 'Start signing in with an OpenID Connect provider (redirects to it)',
        description:
          'Answers 302 to the identity provider’s authorization endpoint (code flow, PKCE S256, state and nonce). The sign-in must come back to the callback within ten minutes, once.',
        querystring: StartQuery,
        response: withErrors({ 302: redirect('To the identity provider.'), 503: ErrorBody }),
      },
    },
    async (request, reply) => {
      const { accountAlias, returnTo, provider: providerId } = request.query
      if (oidc.providers.length === 0) throw notConfigured()
      const provider = oidc.providerFor(providerId)
      if (!isAllowedReturnTo(config.oidc.returnTo, returnTo))
        throw invalid('returnTo', 'returnTo is not an allowed place to return to.', 'RETURN_TO_NOT_ALLOWED')
      const tenant = await findTenantByDomain(db, accountAlias)
      if (!tenant || tenant.disabledAt) throw notFound('Account')
      const { url, checks } = await oidc.startSignIn(provider)
      await savePendingLogin(db, keyring, {
        tenantId: tenant.id,
        providerId: provider.id,
        returnTo: new URL(returnTo).href,
        checks,
      })
      return reply
        .code(302)
        .header('cache-control', 'no-store')
        .header('location', url.href)
        .send(undefined as unknown as null)
    },
  )

  app.get(
    '/accounts/oidc/callback',
    {
      config: { operation: 'CompleteOidcSignIn' },
      schema: {
        tags,
        summary: 'The identity provider’s redirect back: signs the user in (redirects to returnTo)',
        description:
          'The redirect URI to register at the identity provider: PUBLIC_URL followed by `/v3/accounts/oidc/callback`. With a known state, answers 302 to the sign-in’s returnTo: `#access_token=…&refresh_token=…&expires_in=…&token_type=Bearer` on success, `#error=…&error_description=…` otherwise (`EMAIL_NOT_VERIFIED`, `NO_USER_FOR_EMAIL`, `IDENTITY_LINKED_ELSEWHERE`, `OIDC_ACCESS_DENIED`, `OIDC_ID_TOKEN_INVALID`, …). An unknown, used or expired state: 400 `OIDC_STATE_INVALID`.',
        querystring: CallbackQuery,
        response: withErrors({ 302: redirect('Back to the sign-in’s returnTo.'), 503: ErrorBody }),
      },
    },
    async (request, reply) => {
      if (oidc.providers.length === 0) throw notConfigured()
      const state = request.query.state
      const pending = state ? await consumePendingLogin(db, keyring, state) : null
      if (!pending)
        throw invalid(
          'state',
          'This sign-in is unknown, used already or expired: start again.',
          'OIDC_STATE_INVALID',
        )
      const facts = requestFactsOf(request)
      try {
        const provider = oidc.providerFor(pending.providerId)
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : ''
        const identity = await oidc.completeSignIn(provider, query, pending.checks)
        const user = await db.transaction((tx) =>
          userForIdentity(tx, pending.tenantId, identity, {
            isGoogle: isGoogleIssuer(provider.issuer),
            facts,
          }),
        )
        const tokens = await deps.signIn(user, facts)
        return sendBack(reply, pending.returnTo, {
          access_token: tokens.accessToken,
          refresh_token: tokens.refreshToken,
          expires_in: String(tokens.expiresIn),
          token_type: 'Bearer',
        })
      } catch (error) {
        // The state was good: the browser goes back to the console, which shows why.
        const refusal: DomainError | null = isDomainError(error) ? error : fromDatabaseError(error)
        if (!refusal) request.log.error({ err: error }, 'OpenID Connect sign-in failed')
        return sendBack(reply, pending.returnTo, {
          error: refusal?.code ?? 'INTERNAL_ERROR',
          error_description: refusal?.message ?? 'An unexpected error occurred.',
        })
      }
    },
  )
}
