// Log options shared by the API (Fastify) and the worker (pino): the level, and every secret redacted.

/** Every path where a secret could appear in a log line. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.clientSecret',
  '*.client_secret',
  '*.secret_hash',
  '*.token',
  '*.access_token',
  '*.private_jwk',
  'config.bootstrap.clientSecret',
  'config.platform.clientSecret',
]

export function loggerOptions(level: string) {
  return { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
}
