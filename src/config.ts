// Environment → one typed, validated Config. A bad value stops the process with a message naming the variable.
import { createSecretKey, type KeyObject } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from './config-error.ts'
import { type OidcConfig, oidcConfig } from './config-oidc.ts'

export { ConfigError } from './config-error.ts'

export type DatabaseTarget =
  | { kind: 'pglite-disk'; dataDir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string }

export interface Config {
  port: number
  host: string
  publicUrl: string
  database: DatabaseTarget
  databasePoolSize: number
  dataDir: string
  bootstrap: { tenantDomain: string; clientId: string; clientSecret: string } | null
  platform: { clientId: string; clientSecret: string } | null
  tokenTtlSeconds: number
  /** Users who sign in: their tokens' lifetimes, the lockout after failed sign-ins, the per-IP failure limit. */
  signIn: SignInConfig
  /** How many passwords hash at once (argon2id, each on a thread of its own); more wait their turn. */
  passwordHashConcurrency: number
  /** How many verified tokens a process remembers (0: none; each request then verifies its signature). */
  tokenCacheMax: number
  /** How old the newest signing key may grow before a new one takes over (days; fractions allowed). */
  signingKeyRotationDays: number
  /**
   * The key-encryption keys. `key` null: the embedded database's key file, or a key made for an in-memory
   * database (secrets/keyring.ts openKeyring). KeyObjects, so that a logged config shows no key.
   */
  encryption: { key: KeyObject | null; previous: KeyObject[] }
  webhookRetrySchedule: number[]
  webhookTimeoutMs: number
  webhookAllowPrivateNetworks: boolean
  /** Consecutive failed attempts after which an endpoint is unhealthy. */
  webhookUnhealthyAfter: number
  /** Seconds of uninterrupted failure (once unhealthy) after which an endpoint is suspended. */
  webhookSuspendAfterSeconds: number
  /** Run the webhook dispatcher in the API process (it can also run alone: npm run worker). */
  webhookDispatcher: boolean
  webhookConcurrency: number
  webhookPollMs: number
  logLevel: string
  /** The longest a client may take to send a whole request (headers and body); then the socket is closed. */
  requestTimeoutMs: number
  /** The longest a client may take to send a request's headers. */
  headersTimeoutMs: number
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number
  /** Requests per window per client (per IP outside the APIs); max 0 turns rate limiting off. */
  rateLimit: { max: number; windowSeconds: number }
  /** Redis shared by every process for rate limits and token throttling; null keeps them in memory. */
  redisUrl: string | null
  /** Prefixes every Redis key, so that several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string
  /** Failed client authentications per client id and IP, and per IP, before the token endpoint answers 429. */
  tokenThrottle: { maxFailures: number; windowSeconds: number }
  /** How long an Idempotency-Key's response is kept, and how long a repeat waits for the first to finish. */
  idempotency: { ttlSeconds: number; waitMs: number }
  retention: RetentionConfig
  metrics: MetricsConfig
  mail: MailConfig
  /** Sign-in with OpenID Connect: the issuers users may sign in with, and where a sign-in may return to. */
  oidc: OidcConfig
}

/** Where invitation and password-reset mail goes. */
export interface MailConfig {
  /** smtp:// or smtps:// (credentials in the URL; nodemailer's options in its query); null: mail is logged. */
  smtpUrl: string | null
  /** The From of every mail: `Name <address>` or an address. */
  from: string
}

export interface SignInConfig {
  /** A signed-in user's access token lifetime (USER_TOKEN_TTL_SECONDS). */
  userTokenTtlSeconds: number
  /** A refresh token's lifetime from its issue; each refresh issues the next (sliding: an idle session ends). */
  refreshTokenTtlSeconds: number
  /** Consecutive failed sign-ins after which the account is locked, and for how long. */
  maxFailures: number
  lockoutSeconds: number
  /** Failed sign-ins from one IP, any account, within the window, after which that IP gets 429. */
  ipMaxFailures: number
  ipWindowSeconds: number
}

/** The purge job (retention/): what it deletes, when, and how much per statement. 0 days: kept forever. */
export interface RetentionConfig {
  /** Seconds between purge runs; 0: no purge in this process. */
  intervalSeconds: number
  batchSize: number
  /** Fanned-out outbox events are kept this long (0: purged at the next run). */
  outboxHours: number
  /** Deliveries in a final state (succeeded, failed, cancelled) are kept this long after their last change. */
  deliveriesDays: number
  auditDays: number
}

/** Where /metrics is served: behind a bearer token, on an internal listener, both, or (neither) not at all. */
export interface MetricsConfig {
  token: string | null
  /** A second listener for /metrics only (null: none), on host (METRICS_HOST, 127.0.0.1 by default). */
  port: number | null
  host: string
  /** Count each request's statements (METRICS_QUERY_COUNTS; off: its AsyncLocalStorage costs a GET 8%). */
  queryCounts: boolean
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
// Client ids travel in HTTP Basic (before a colon) and form bodies: keep them to a safe alphabet.
const CLIENT_ID = /^[A-Za-z0-9._~-]{3,128}$/
const MIN_SECRET_LENGTH = 16
export const KEY_BYTES = 32
const MAKE_A_KEY = 'make one with `openssl rand -base64 32`'

/** A 32-byte key from its base64 (or base64url) text, or null when it is not one. */
export function parseKey(text: string): KeyObject | null {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return null
  const bytes = Buffer.from(trimmed, 'base64')
  return bytes.length === KEY_BYTES ? createSecretKey(bytes) : null
}

/**
 * ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS. A PostgreSQL server needs the key from the environment: every
 * process against it must share it, and it must not live beside the data it protects. Never a built-in key.
 */
function encryption(env: Env, target: DatabaseTarget): Config['encryption'] {
  const raw = env.ENCRYPTION_KEY
  let key: KeyObject | null = null
  if (raw !== undefined && raw !== '') {
    key = parseKey(raw)
    if (!key) throw new ConfigError('ENCRYPTION_KEY', `must be 32 bytes in base64; ${MAKE_A_KEY}`)
  } else if (target.kind === 'postgres') {
    throw new ConfigError(
      'ENCRYPTION_KEY',
      `is required with a PostgreSQL DATABASE_URL (it encrypts the signing keys and webhook secrets kept in the database; every process needs the same one); ${MAKE_A_KEY} and keep it apart from the database`,
    )
  }
  const previous = (env.ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part, index) => {
      const parsed = parseKey(part)
      if (!parsed)
        throw new ConfigError('ENCRYPTION_KEY_PREVIOUS', `key ${index + 1} is not 32 bytes in base64`)
      return parsed
    })
  return { key, previous }
}

/**
 * Passwords hashed at once by default: the cores less one, so that a burst of creates leaves a core to the
 * event loop and the database (reads); at least one. At most four: Node 20 counts the host's cores, not a
 * container's CPU quota, and each hash holds 19 MiB while it runs.
 */
export function defaultHashConcurrency(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, 4))
}

function positiveNumber(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > max)
    throw new ConfigError(name, `must be a number above 0 and at most ${max}, got "${raw}"`)
  return value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

function clientPair(
  env: Env,
  idName: string,
  secretName: string,
): { clientId: string; clientSecret: string } | null {
  const clientId = env[idName]
  const clientSecret = env[secretName]
  if (!clientId && !clientSecret) return null
  if (!clientId) throw new ConfigError(idName, `is required when ${secretName} is set`)
  if (!clientSecret) throw new ConfigError(secretName, `is required when ${idName} is set`)
  if (!CLIENT_ID.test(clientId))
    throw new ConfigError(idName, 'must be 3 to 128 characters of A-Z a-z 0-9 . _ ~ -')
  if (clientSecret.length < MIN_SECRET_LENGTH)
    throw new ConfigError(secretName, `must be at least ${MIN_SECRET_LENGTH} characters`)
  return { clientId, clientSecret }
}

function database(env: Env, dataDir: string): DatabaseTarget {
  const url = env.DATABASE_URL
  if (url === undefined || url === '') return { kind: 'pglite-disk', dataDir }
  if (url === 'memory://') return { kind: 'pglite-memory' }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url)
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid URL')
    }
    return { kind: 'postgres', url }
  }
  throw new ConfigError('DATABASE_URL', 'must be unset, memory:// or a postgres:// URL')
}

// An address, or a display name and an address in angle brackets; never a line break (a header's value).
const MAIL_ADDRESS = /^(?:[^<>"\r\n]*\s*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/
const DEFAULT_MAIL_FROM = 'Reseller API <no-reply@localhost>'

/**
 * SMTP_URL and MAIL_FROM. With an SMTP server, MAIL_FROM is required: a relay refuses (or a recipient's server
 * files as spam) a sender of a domain it does not know, and a built-in sender would fail mail by mail, late.
 * Without one, mail is only written to the log, under the default sender.
 */
function mail(env: Env): MailConfig {
  const url = env.SMTP_URL || null
  const from = env.MAIL_FROM || null
  if (url !== null) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new ConfigError('SMTP_URL', 'is not a valid URL')
    }
    if ((parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') || !parsed.hostname)
      throw new ConfigError('SMTP_URL', 'must be an smtp:// or smtps:// URL naming a host')
    if (from === null)
      throw new ConfigError('MAIL_FROM', 'is required with SMTP_URL (e.g. "Acme <no-reply@acme.example>")')
  }
  if (from !== null && (from.length > 320 || !MAIL_ADDRESS.test(from)))
    throw new ConfigError('MAIL_FROM', 'must be an address or "Name <address>"')
  return { smtpUrl: url, from: from ?? DEFAULT_MAIL_FROM }
}

function redisUrl(env: Env): string | null {
  const url = env.REDIS_URL
  if (url === undefined || url === '') return null
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL')
  try {
    new URL(url)
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a valid URL')
  }
  return url
}

/** Users who sign in: their tokens' lifetimes and the locks failed sign-ins lead to. */
function signInConfig(env: Env): SignInConfig {
  return {
    userTokenTtlSeconds: integer(env, 'USER_TOKEN_TTL_SECONDS', 900, 60, 86400),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 2_592_000, 60, 31_536_000),
    maxFailures: integer(env, 'LOGIN_MAX_FAILURES', 10, 1, 1_000_000),
    lockoutSeconds: integer(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1, 31_536_000),
    ipMaxFailures: integer(env, 'LOGIN_IP_MAX_FAILURES', 100, 1, 1_000_000),
    ipWindowSeconds: integer(env, 'LOGIN_IP_WINDOW_S', 300, 1, 86_400),
  }
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535)
  const host = env.HOST || '127.0.0.1'
  let publicUrl = env.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  try {
    const parsed = new URL(publicUrl)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
    publicUrl = publicUrl.replace(/\/+$/, '')
  } catch {
    throw new ConfigError('PUBLIC_URL', 'must be an http(s) URL')
  }
  const dataDir = path.resolve(env.DATA_DIR || './data')

  let bootstrap: Config['bootstrap'] = null
  const pair = clientPair(env, 'BOOTSTRAP_CLIENT_ID', 'BOOTSTRAP_CLIENT_SECRET')
  const domain = env.BOOTSTRAP_TENANT_DOMAIN
  if (domain || pair) {
    if (!domain) throw new ConfigError('BOOTSTRAP_TENANT_DOMAIN', 'is required with BOOTSTRAP_CLIENT_ID')
    if (!DOMAIN.test(domain))
      throw new ConfigError('BOOTSTRAP_TENANT_DOMAIN', `is not a domain name: "${domain}"`)
    if (!pair) throw new ConfigError('BOOTSTRAP_CLIENT_ID', 'is required with BOOTSTRAP_TENANT_DOMAIN')
    bootstrap = { tenantDomain: domain, ...pair }
  }

  const scheduleRaw = env.WEBHOOK_RETRY_SCHEDULE || '5,300,1800,7200,18000,36000,36000'
  const webhookRetrySchedule = scheduleRaw.split(',').map((part) => {
    const trimmed = part.trim()
    if (!/^\d+(\.\d+)?$/.test(trimmed))
      throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', `must be comma-separated seconds, got "${scheduleRaw}"`)
    return Number(trimmed)
  })

  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)

  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000)
  const headersTimeoutMs = integer(
    env,
    'HEADERS_TIMEOUT_MS',
    Math.min(10_000, requestTimeoutMs),
    100,
    3_600_000,
  )
  if (headersTimeoutMs > requestTimeoutMs)
    throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`)

  const target = database(env, dataDir)
  return {
    port,
    host,
    publicUrl,
    database: target,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    dataDir,
    bootstrap,
    platform: clientPair(env, 'PLATFORM_CLIENT_ID', 'PLATFORM_CLIENT_SECRET'),
    tokenTtlSeconds: integer(env, 'TOKEN_TTL_SECONDS', 3600, 60, 86400),
    signIn: signInConfig(env),
    passwordHashConcurrency: integer(env, 'PASSWORD_HASH_CONCURRENCY', defaultHashConcurrency(), 1, 64),
    tokenCacheMax: integer(env, 'TOKEN_CACHE_MAX', 10_000, 0, 10_000_000),
    signingKeyRotationDays: positiveNumber(env, 'SIGNING_KEY_ROTATION_DAYS', 30, 3650),
    encryption: encryption(env, target),
    webhookRetrySchedule,
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 15000, 100, 300000),
    webhookAllowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    webhookUnhealthyAfter: integer(env, 'WEBHOOK_UNHEALTHY_AFTER', 5, 1, 1_000_000),
    webhookSuspendAfterSeconds: integer(env, 'WEBHOOK_SUSPEND_AFTER', 259_200, 1, 31_536_000),
    webhookDispatcher: boolean(env, 'WEBHOOK_DISPATCHER', true),
    webhookConcurrency: integer(env, 'WEBHOOK_CONCURRENCY', 8, 1, 256),
    webhookPollMs: integer(env, 'WEBHOOK_POLL_MS', 1000, 10, 60_000),
    logLevel,
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000),
    rateLimit: {
      max: integer(env, 'RATE_LIMIT_MAX', 1000, 0, 1_000_000_000),
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_S', 10, 1, 86_400),
    },
    redisUrl: redisUrl(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'reseller-api:',
    tokenThrottle: {
      maxFailures: integer(env, 'TOKEN_THROTTLE_MAX_FAILURES', 10, 1, 1_000_000),
      windowSeconds: integer(env, 'TOKEN_THROTTLE_WINDOW_S', 300, 1, 86_400),
    },
    idempotency: {
      ttlSeconds: integer(env, 'IDEMPOTENCY_TTL_S', 86_400, 60, 2_592_000),
      waitMs: integer(env, 'IDEMPOTENCY_WAIT_MS', 10_000, 0, 600_000),
    },
    retention: {
      intervalSeconds: integer(env, 'RETENTION_INTERVAL_S', 60, 0, 86_400),
      batchSize: integer(env, 'RETENTION_BATCH_SIZE', 1000, 1, 10_000),
      outboxHours: integer(env, 'RETENTION_OUTBOX_HOURS', 24, 0, 87_600),
      deliveriesDays: integer(env, 'RETENTION_DELIVERIES_DAYS', 30, 0, 36_500),
      auditDays: integer(env, 'RETENTION_AUDIT_DAYS', 0, 0, 36_500),
    },
    metrics: metrics(env),
    mail: mail(env),
    oidc: oidcConfig(env, publicUrl),
  }
}

function metrics(env: Env): MetricsConfig {
  const token = env.METRICS_TOKEN || null
  if (token !== null && token.length < MIN_SECRET_LENGTH)
    throw new ConfigError('METRICS_TOKEN', `must be at least ${MIN_SECRET_LENGTH} characters`)
  // A token travels in a header: no spaces or controls, which a Bearer credential cannot carry.
  if (token !== null && !/^[\x21-\x7e]+$/.test(token))
    throw new ConfigError('METRICS_TOKEN', 'must be printable ASCII without spaces')
  const isPortSet = env.METRICS_PORT !== undefined && env.METRICS_PORT !== ''
  const port = isPortSet ? integer(env, 'METRICS_PORT', 0, 0, 65535) : null
  // Internal by default, whatever HOST is: the listener exists to keep /metrics off the public address.
  const queryCounts = boolean(env, 'METRICS_QUERY_COUNTS', false)
  return { token, port, host: env.METRICS_HOST || '127.0.0.1', queryCounts }
}
