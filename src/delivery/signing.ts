// Webhook signatures: Cryptlex's (base64 HMAC-SHA256 of the body, keyed by the token) and Standard Webhooks
// (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the decoded `whsec_` secret).
import { createHmac, randomBytes } from 'node:crypto'
import { invalid } from '../domain/errors.ts'

export type SignatureScheme = 'cryptlex' | 'standard-webhooks'

export function generateSigningSecret(scheme: SignatureScheme): string {
  return scheme === 'standard-webhooks'
    ? `whsec_${randomBytes(32).toString('base64')}`
    : randomBytes(32).toString('base64url')
}

/** A Standard Webhooks secret is `whsec_` + base64 of 24 to 64 random bytes. */
export function assertSecretFits(scheme: SignatureScheme, secret: string, field = 'token'): void {
  if (scheme !== 'standard-webhooks') return
  const match = secret.match(/^whsec_([A-Za-z0-9+/]+={0,2})$/)
  const bytes = match?.[1] ? Buffer.from(match[1], 'base64').length : 0
  if (bytes < 24 || bytes > 64)
    throw invalid(field, 'A standard-webhooks token must be whsec_ followed by base64 of 24 to 64 bytes.')
}

export function sign(
  scheme: SignatureScheme,
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  if (scheme === 'standard-webhooks') {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
  }
  return createHmac('sha256', secret).update(body).digest('base64')
}

/** The shortest secret whose mask shows its last four characters: of a shorter one, four would say too much. */
export const MASK_SHOWS_FROM = 16

/** What every response but the creating one shows of a secret: its last four characters, or none if it is short. */
export const maskSecret = (secret: string): string =>
  `${'*'.repeat(8)}${secret.length >= MASK_SHOWS_FROM ? secret.slice(-4) : ''}`
