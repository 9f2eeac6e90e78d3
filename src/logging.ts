// Log options shared by the API (Fastify) and the worker (pino): the level, every secret redacted, database
// errors reduced to what identifies them, and request URLs without their secrets.
import { stdSerializers } from 'pino'

/** Every path where a secret could appear in a log line. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.passwordHash',
  '*.password_hash',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.secret_hash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.refreshToken',
  '*.accessToken',
  '*.private_jwk',
  '*.code_verifier',
  '*.codeVerifier',
  '*.id_token',
  '*.refreshToken',
  '*.accessToken',
  'config.oidc.providers[*].clientSecret',
  'config.bootstrap.clientSecret',
  'config.platform.clientSecret',
  'config.metrics.token',
  'config.mail.smtpUrl',
]

/** Query parameters whose values are secrets wherever they are sent (they belong in a body or a header). */
// An OpenID Connect callback's state is the key to its sign-in, as its code is: neither is logged.
const SECRET_QUERY = /^(client_secret|password|token|access_token|refresh_token|code|secret|state|id_token)$/i

/** A request URL as logged: no query at all on the token endpoint, secret parameters censored elsewhere. */
export function loggedUrl(url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return url
  const path = url.slice(0, at)
  if (path === '/oauth/token') return path
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0] ?? ''
      let decoded = name
      try {
        decoded = decodeURIComponent(name)
      } catch {}
      return SECRET_QUERY.test(decoded) ? `${name}=[redacted]` : pair
    })
  return `${path}?${query.join('&')}`
}

interface DatabaseError {
  code: string
  severity?: string
  table?: string
  constraint?: string
}

const isDatabaseError = (error: unknown): error is DatabaseError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as DatabaseError).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((error as DatabaseError).code) &&
  typeof (error as DatabaseError).severity === 'string'

/**
 * A database error carries the failed statement's text, parameters and the offending values (in its
 * message and detail): only its SQLSTATE, table and constraint are logged.
 */
export function serializeError(error: unknown): unknown {
  if (isDatabaseError(error))
    return { type: 'DatabaseError', sqlState: error.code, table: error.table, constraint: error.constraint }
  return stdSerializers.err(error as Error)
}

interface LoggedRequest {
  method: string
  url: string
  hostname: string
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }
}

/** Fastify's request serializer, but for the URL (loggedUrl). */
const serializeRequest = (request: LoggedRequest) => ({
  method: request.method,
  url: loggedUrl(request.url),
  host: request.hostname,
  ...(request.socket?.remoteAddress ? { remoteAddress: request.socket.remoteAddress } : {}),
  ...(request.socket?.remotePort ? { remotePort: request.socket.remotePort } : {}),
})

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError, req: serializeRequest },
  }
}
