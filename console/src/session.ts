// The signed-in user's tokens, in memory only (never localStorage: a script injected into the page could read it),
// refreshed a minute before the access token expires; and the one API client, typed from openapi.json.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from '../../test/generated/openapi.ts'

export interface Session {
  accessToken: string
  refreshToken: string
  /** From the access token: the user's id, its reseller, its scopes (its role's claims), its organization. */
  userId: string
  resellerId: string | null
  scopes: string[]
  organizationId: string | null
}

type Listener = (session: Session | null) => void

let current: Session | null = null
let refreshTimer: ReturnType<typeof setTimeout> | undefined
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
  refreshToken: string
  expiresIn: number
}): Session {
  const claims = claimsOf(tokens.accessToken)
  current = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    userId: String(claims.sub ?? ''),
    resellerId: typeof claims.rid === 'string' ? claims.rid : null,
    scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [],
    organizationId: typeof claims.org === 'string' ? claims.org : null,
  }
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(refresh, Math.max(5, tokens.expiresIn - 60) * 1000)
  for (const listener of listeners) listener(current)
  return current
}

async function refresh(): Promise<void> {
  if (!current) return
  const refreshToken = current.refreshToken
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
  if (session) await api.POST('/v3/accounts/logout', { body: { refreshToken: session.refreshToken } })
}

export const may = (session: Session | null, scope: string) => session?.scopes.includes(scope) ?? false

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
