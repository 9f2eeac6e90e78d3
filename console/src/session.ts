// The session's tokens, in memory only (never localStorage: a script injected into the page could read it): a signed-in
// user's, refreshed a minute before the access token expires; or an API client's (a platform admin's csp client),
// which has no refresh token and whose secret is never kept, so the session ends a minute before the token expires.
// And the one API client, typed from openapi.json.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from '../../test/generated/openapi.ts'

export interface Session {
  accessToken: string
  /** A signed-in user's; none for an API client's session. */
  refreshToken: string | null
  /** From the access token: the user's (or the API client's) id, its reseller, its scopes, its organization. */
  userId: string
  /** `csp` (every reseller of the tenant: only an API client's token has it) or `reseller` (its own `resellerId`). */
  role: string
  resellerId: string | null
  scopes: string[]
  organizationId: string | null
}

type Listener = (session: Session | null) => void

let current: Session | null = null
let refreshTimer: ReturnType<typeof setTimeout> | undefined
/** Why the last session ended, when the console ended it (not the user): shown on the sign-in page. */
let endedBecause: string | null = null
const listeners = new Set<Listener>()

export const api = createClient<paths>({ baseUrl: window.location.origin })

const bearer: Middleware = {
  onRequest({ request }) {
    if (current && !request.headers.has('authorization'))
      request.headers.set('authorization', `Bearer ${current.accessToken}`)
    return request
  },
}
api.use(bearer)

export const currentSession = () => current
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The claims of a JWT, read (not verified: the API verifies it on every request). */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
  return JSON.parse(json) as Record<string, unknown>
}

export function startSession(tokens: {
  accessToken: string
  refreshToken: string | null
  expiresIn: number
}): Session {
  const claims = claimsOf(tokens.accessToken)
  current = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    userId: String(claims.sub ?? ''),
    role: typeof claims.role === 'string' ? claims.role : '',
    resellerId: typeof claims.rid === 'string' ? claims.rid : null,
    scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [],
    organizationId: typeof claims.org === 'string' ? claims.org : null,
  }
  endedBecause = null
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(tokens.refreshToken ? refresh : expire, Math.max(5, tokens.expiresIn - 60) * 1000)
  for (const listener of listeners) listener(current)
  return current
}

/** An API client's session near its token's expiry: nothing renews it (its secret is not kept), so it ends. */
function expire(): void {
  endedBecause = 'Signed out: your session expired. Sign in again.'
  endSession()
}

/** Why the console ended the last session itself, if it did (an expired API client's session). */
export const sessionEndedBecause = () => endedBecause

async function refresh(): Promise<void> {
  const refreshToken = current?.refreshToken
  if (!refreshToken) return
  let data: unknown
  try {
    ;({ data } = await api.POST('/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: refreshToken },
    }))
  } catch {
    // The network, not the service, failed: the refresh token is still good; try again shortly.
    refreshTimer = setTimeout(refresh, 10_000)
    return
  }
  // Signed out (or in again) while the refresh was under way: its answer is nobody's.
  if (current?.refreshToken !== refreshToken) return
  const answer = data as { access_token?: string; refresh_token?: string; expires_in?: number } | undefined
  if (answer?.access_token && answer.refresh_token && answer.expires_in)
    startSession({
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresIn: answer.expires_in,
    })
  else endSession()
}

function endSession(): void {
  clearTimeout(refreshTimer)
  current = null
  for (const listener of listeners) listener(null)
}

/** Ends the session at the service (its refresh tokens stop working), then forgets the tokens. */
export async function signOut(): Promise<void> {
  const session = current
  endSession()
  // An API client's token has no server-side session to end; it is forgotten, and expires on its own.
  if (session?.refreshToken)
    await api.POST('/v3/accounts/logout', { body: { refreshToken: session.refreshToken } })
}

export const may = (session: Session | null, scope: string) => session?.scopes.includes(scope) ?? false

/** A csp API client's session: a platform admin, acting on every reseller of the tenant. */
export const isPlatformAdmin = (session: Session | null) => session?.role === 'csp'

/**
 * Resellers and roles are written with a csp token only (the API's rule, domain/reach.ts): a signed-in user's never
 * may, whatever its scopes, so the console offers those writes to a csp session only.
 */
export const mayWriteAsCsp = (session: Session | null, scope: string) =>
  isPlatformAdmin(session) && may(session, scope)

/**
 * Signs a platform admin in with an API client's credentials (the client-credentials grant). The secret is sent
 * once and not kept. Returns the service's refusal, if any.
 */
export async function signInWithClient(clientId: string, clientSecret: string): Promise<string | null> {
  let answer: { access_token?: string; expires_in?: number; error_description?: string } | undefined
  try {
    const { data, error } = await api.POST('/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      // A refusal comes with `WWW-Authenticate: Basic`: without credentials, the browser does not answer it with
      // its own password prompt (Fetch standard, HTTP-network-or-cache fetch), and the page shows the refusal.
      credentials: 'omit',
    })
    answer = (data ?? error) as typeof answer
  } catch {
    return 'The service did not answer.'
  }
  if (answer?.access_token && answer.expires_in) {
    startSession({ accessToken: answer.access_token, refreshToken: null, expiresIn: answer.expires_in })
    return null
  }
  return answer?.error_description ?? 'The service refused the sign-in.'
}

/**
 * Back from an identity provider: the service put the tokens (or an error) in the fragment, which no server sees.
 * Taken into memory and wiped from the address bar and the history. Returns the error's description, if any.
 */
export function takeFragmentSignIn(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1))
  const accessToken = fragment.get('access_token')
  const refreshToken = fragment.get('refresh_token')
  const error = fragment.get('error')
  if (!accessToken && !error) return null
  window.history.replaceState(null, '', window.location.pathname + window.location.search)
  if (accessToken && refreshToken)
    startSession({ accessToken, refreshToken, expiresIn: Number(fragment.get('expires_in') ?? 900) })
  return error ? (fragment.get('error_description') ?? error) : null
}

/** The account alias (the tenant's domain) signed in to, kept for v1 calls, which name it in X-Tenant. */
let alias = ''
export const rememberAccountAlias = (accountAlias: string) => {
  alias = accountAlias.trim()
}
export const accountAlias = () => alias || window.location.hostname
