// Sign-in with OpenID Connect, from the environment: OIDC_PROVIDERS (JSON), the Google shortcut
// (OIDC_GOOGLE_CLIENT_ID/_SECRET) and OIDC_RETURN_TO, the allow-list of where a sign-in may send its tokens.
import { ConfigError } from './config-error.ts'

export const GOOGLE_ISSUER = 'https://accounts.google.com'

export interface OidcProviderConfig {
  /** Chosen with ?provider= at the start of a sign-in, and kept on each identity it links. */
  id: string
  /** The name a console shows ("Sign in with …"). */
  name: string
  /** The issuer identifier: its discovery document is `${issuer}/.well-known/openid-configuration`. */
  issuer: string
  clientId: string
  /** null: a public client (PKCE alone, no client authentication at the token endpoint). */
  clientSecret: string | null
}

/** A place a sign-in may return to: this origin, and (when path is not '/') this path or below it. */
export interface ReturnToRule {
  origin: string
  path: string
}

export interface OidcConfig {
  providers: OidcProviderConfig[]
  returnTo: ReturnToRule[]
}

type Env = Record<string, string | undefined>

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])
const FIELDS = new Set(['id', 'name', 'issuer', 'clientId', 'clientSecret'])

/** https, or http to this machine alone (a local issuer, the tests'); no query, no fragment. */
function issuerOf(variable: string, value: unknown): string {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw new ConfigError(variable, `issuer "${String(value)}" is not a URL`)
  }
  const isLocalHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
  if ((url.protocol !== 'https:' && !isLocalHttp) || url.search || url.hash || url.username)
    throw new ConfigError(
      variable,
      `issuer "${url.href}" must be an https URL (http only on 127.0.0.1, [::1] or localhost) without query or fragment`,
    )
  // The issuer identifier as the issuer states it: "https://accounts.google.com", no trailing slash added.
  return String(value).replace(/\/+$/, '')
}

function providerOf(variable: string, raw: unknown, index: number): OidcProviderConfig {
  const where = `provider ${index + 1}`
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(variable, `${where} must be an object {id, issuer, clientId, clientSecret?, name?}`)
  const entry = raw as Record<string, unknown>
  const unknown = Object.keys(entry).filter((key) => !FIELDS.has(key))
  if (unknown.length > 0)
    throw new ConfigError(variable, `${where} has unknown fields: ${unknown.join(', ')}`)
  if (typeof entry.id !== 'string' || !PROVIDER_ID.test(entry.id))
    throw new ConfigError(
      variable,
      `${where}: id must be 1 to 32 of a-z 0-9 _ - (starting with a letter or digit)`,
    )
  if (typeof entry.clientId !== 'string' || entry.clientId === '' || entry.clientId.length > 512)
    throw new ConfigError(variable, `${where} (${entry.id}): clientId must be a non-empty string`)
  const secret = entry.clientSecret
  if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret === ''))
    throw new ConfigError(
      variable,
      `${where} (${entry.id}): clientSecret must be a non-empty string when given`,
    )
  if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.length > 100))
    throw new ConfigError(variable, `${where} (${entry.id}): name must be a string of at most 100 characters`)
  return {
    id: entry.id,
    name: typeof entry.name === 'string' && entry.name !== '' ? entry.name : entry.id,
    issuer: issuerOf(variable, entry.issuer),
    clientId: entry.clientId,
    clientSecret: typeof secret === 'string' ? secret : null,
  }
}

function providersOf(env: Env): OidcProviderConfig[] {
  const providers: OidcProviderConfig[] = []
  const raw = env.OIDC_PROVIDERS
  if (raw !== undefined && raw.trim() !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw new ConfigError(
        'OIDC_PROVIDERS',
        'must be a JSON array of {id, issuer, clientId, clientSecret?, name?}',
      )
    }
    if (!Array.isArray(parsed))
      throw new ConfigError(
        'OIDC_PROVIDERS',
        'must be a JSON array of {id, issuer, clientId, clientSecret?, name?}',
      )
    providers.push(...parsed.map((entry, index) => providerOf('OIDC_PROVIDERS', entry, index)))
  }
  const googleId = env.OIDC_GOOGLE_CLIENT_ID
  const googleSecret = env.OIDC_GOOGLE_CLIENT_SECRET
  if (googleId || googleSecret) {
    if (!googleId)
      throw new ConfigError('OIDC_GOOGLE_CLIENT_ID', 'is required with OIDC_GOOGLE_CLIENT_SECRET')
    if (!googleSecret)
      throw new ConfigError('OIDC_GOOGLE_CLIENT_SECRET', 'is required with OIDC_GOOGLE_CLIENT_ID')
    providers.push(
      providerOf(
        'OIDC_GOOGLE_CLIENT_ID',
        {
          id: 'google',
          name: 'Google',
          issuer: GOOGLE_ISSUER,
          clientId: googleId,
          clientSecret: googleSecret,
        },
        providers.length,
      ),
    )
  }
  const ids = providers.map((p) => p.id)
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index)
  if (repeated !== undefined)
    throw new ConfigError(
      'OIDC_PROVIDERS',
      `names the provider id "${repeated}" twice (the Google shortcut is the provider "google")`,
    )
  return providers
}

/** One allow-list entry: an origin (any path) or a URL prefix (that path or below it). */
function ruleOf(variable: string, text: string): ReturnToRule {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConfigError(variable, `"${text}" is not a URL`)
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username)
    throw new ConfigError(
      variable,
      `"${text}" must be an http(s) origin or URL prefix, without query or fragment`,
    )
  return { origin: url.origin, path: url.pathname }
}

function returnToOf(env: Env, publicUrl: string): ReturnToRule[] {
  const rules = (env.OIDC_RETURN_TO ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => ruleOf('OIDC_RETURN_TO', part))
  // The service's own console is always a place to return to.
  return [ruleOf('PUBLIC_URL', `${publicUrl}/console`), ...rules]
}

export function oidcConfig(env: Env, publicUrl: string): OidcConfig {
  return { providers: providersOf(env), returnTo: returnToOf(env, publicUrl) }
}

/**
 * Whether a sign-in may send its tokens to this URL: http(s), no credentials, no fragment (the tokens go
 * there), and on an allowed origin under an allowed path. A path prefix matches whole segments only
 * (`/console` allows `/console` and `/console/x`, never `/console-evil`).
 */
export function isAllowedReturnTo(rules: readonly ReturnToRule[], returnTo: string): boolean {
  let url: URL
  try {
    url = new URL(returnTo)
  } catch {
    return false
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  if (url.username || url.password || url.hash || returnTo.includes('#')) return false
  return rules.some((rule) => {
    if (url.origin !== rule.origin) return false
    if (rule.path === '/') return true
    const prefix = rule.path.endsWith('/') ? rule.path : `${rule.path}/`
    return url.pathname === rule.path || url.pathname.startsWith(prefix)
  })
}
