// A real OpenID Connect issuer for the tests (oidc-provider) on 127.0.0.1, whose login step signs in whichever
// account the test chose, and a browser that walks a sign-in through the redirects by hand, with its cookies.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'

export interface TestAccount {
  email?: string
  email_verified?: boolean | string
}

export interface TestIssuer {
  issuer: string
  clientId: string
  clientSecret: string
  /** The accounts the issuer knows, by subject. */
  accounts: Map<string, TestAccount>
  /** The account the next login step signs in (a subject of `accounts`). */
  signInAs(subject: string): void
  /** The value of OIDC_PROVIDERS naming this issuer. */
  providerEntry(id: string, name?: string): Record<string, string>
  close(): Promise<void>
}

interface ProviderContext {
  oidc: {
    client: { clientId: string }
    session: { accountId: string; grantIdFor(clientId: string): string | undefined }
    result?: { consent?: { grantId?: string } }
    provider: Provider
  }
}

/**
 * Starts an issuer with one confidential client registered for `redirectUri`. With claimsInIdToken (the
 * default, as Google does) the ID token carries email and email_verified; without, only the userinfo endpoint.
 */
export async function startTestIssuer(
  redirectUri: string,
  options: { claimsInIdToken?: boolean } = {},
): Promise<TestIssuer> {
  const accounts = new Map<string, TestAccount>()
  let nextSubject: string | null = null
  const clientId = `rp-${randomBytes(4).toString('hex')}`
  const clientSecret = randomBytes(24).toString('hex')
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.claimsInIdToken === false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    async findAccount(_ctx: unknown, subject: string) {
      const account = accounts.get(subject)
      if (!account) return undefined
      return { accountId: subject, claims: async () => ({ sub: subject, ...account }) }
    },
    // A first-party client: whatever it asks is granted, with no consent step.
    async loadExistingGrant(ctx: ProviderContext) {
      const { oidc } = ctx
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId)
      if (grantId) return oidc.provider.Grant.find(grantId)
      const grant = new oidc.provider.Grant({
        clientId: oidc.client.clientId,
        accountId: oidc.session.accountId,
      })
      grant.addOIDCScope('openid email profile')
      await grant.save()
      return grant
    },
  })
  const handle = provider.callback()
  server.on('request', (request, response) => {
    if (!request.url?.startsWith('/interaction/')) return handle(request, response)
    // The login step: the chosen account, at once.
    void (async () => {
      try {
        await provider.interactionDetails(request, response)
        if (!nextSubject) throw new Error('the test chose no account (signInAs)')
        await provider.interactionFinished(
          request,
          response,
          { login: { accountId: nextSubject } },
          { mergeWithLastSubmission: false },
        )
      } catch (error) {
        response.statusCode = 500
        response.end(String(error))
      }
    })()
  })
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs: (subject) => {
      nextSubject = subject
    },
    providerEntry: (id, name = id) => ({ id, name, issuer, clientId, clientSecret }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface Walk {
  /** The last answer's status: 302 when the walk left for a place outside the issuer and the service. */
  status: number
  /** Where the last redirect pointed (the returnTo with its fragment, at the end of a sign-in). */
  location: string | null
  body: string
  /** Every URL requested, in order. */
  visited: string[]
}

/**
 * A browser, by hand: follows redirects between the service and the issuer, keeping cookies per host, and
 * stops at the first answer that is not a redirect or at a redirect leaving both. The issuer sends the
 * browser to PUBLIC_URL, which in the tests is not where the app listens: `publicUrl` is read as `appUrl`.
 * `alter` may change a URL before it is requested (an attacker's hand on the way).
 */
export async function walk(
  startUrl: string,
  places: { appUrl: string; publicUrl: string; issuer: string },
  alter: (url: URL) => URL = (url) => url,
): Promise<Walk> {
  const jar = new Map<string, Map<string, string>>()
  const visited: string[] = []
  let url = new URL(startUrl)
  for (let hop = 0; hop < 12; hop++) {
    url = alter(url)
    visited.push(url.href)
    const cookies = jar.get(url.host) ?? new Map<string, string>()
    jar.set(url.host, cookies)
    const response = await fetch(url, {
      redirect: 'manual',
      headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const isGone = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a))
      if (isGone || pair.slice(at + 1) === '') cookies.delete(pair.slice(0, at))
      else cookies.set(pair.slice(0, at), pair.slice(at + 1))
    }
    const body = await response.text()
    const location = response.headers.get('location')
    if (response.status < 300 || response.status >= 400 || !location)
      return { status: response.status, location, body, visited }
    const next = new URL(location, url)
    const isApp =
      next.origin === new URL(places.publicUrl).origin || next.origin === new URL(places.appUrl).origin
    // A fragment is the sign-in's end (its tokens or its error), wherever it points.
    if (next.hash || (!isApp && next.origin !== new URL(places.issuer).origin))
      return { status: response.status, location: next.href, body, visited }
    url = isApp ? new URL(`${places.appUrl}${next.pathname}${next.search}`) : next
  }
  throw new Error(`the sign-in did not end after 12 redirects: ${visited.join(' → ')}`)
}

/** The parameters of a URL's fragment (the tokens, or the error, a sign-in sends back). */
export const fragmentOf = (location: string | null): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(new URL(location ?? 'http://x').hash.slice(1)))
