// Time-based one-time passwords (RFC 6238, through otpauth) and recovery codes: the arithmetic alone. What is
// stored, and when a code counts, is the two-factor domain's (domain/users/two-factor.ts).
import { createHash, randomInt } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'

/** What authenticator apps expect (RFC 6238's defaults; Google Authenticator reads no other). */
const PERIOD = 30
const DIGITS = 6
const ALGORITHM = 'SHA1'
/** A code of the step before or after this one still counts: clocks drift, and people type slowly. */
const WINDOW = 1
/** 160 bits, RFC 4226's recommended secret length. */
const SECRET_BYTES = 20

/** A new secret, in base32 (what an app is given, and what is stored, encrypted). */
export const newTotpSecret = (): string => new Secret({ size: SECRET_BYTES }).base32

const totpOf = (secret: string, label = '', issuer = '') =>
  new TOTP({
    issuer,
    label,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  })

/** The otpauth:// URI an authenticator app enrols from (the QR code's content). */
export const otpauthUriOf = (secret: string, label: string, issuer: string): string =>
  totpOf(secret, label, issuer).toString()

/** Whether a text has the form of a TOTP code (six digits, spaces allowed between them). */
export const looksLikeTotp = (code: string): boolean => /^\d{3}\s?\d{3}$/.test(code.trim())

/**
 * The time step a code belongs to, if it is the secret's code for a step within WINDOW of now; else null.
 * The caller accepts a step only once (a code replayed within its 90 seconds is refused).
 */
export function totpStepOf(secret: string, code: string, now = Date.now()): number | null {
  const token = code.replace(/\s/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const delta = totpOf(secret).validate({ token, timestamp: now, window: WINDOW })
  if (delta === null) return null
  return TOTP.counter({ period: PERIOD, timestamp: now }) + delta
}

/** The code of a secret at a time: for tests and for nothing else. */
export const totpCodeAt = (secret: string, timestamp: number): string =>
  totpOf(secret).generate({ timestamp })

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
/** How many recovery codes an enrolment gives. */
export const RECOVERY_CODES = 10

/**
 * Recovery codes: 16 characters of an alphabet without look-alikes (about 79 bits each), shown grouped by
 * four. High-entropy random values: a SHA-256 of each is what is stored, as for client secrets' lookup.
 */
export function newRecoveryCodes(count = RECOVERY_CODES): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(
      { length: 16 },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join('')
    return chars.match(/.{4}/g)?.join('-') as string
  })
}

/** A recovery code as typed (any case, with or without the dashes and spaces) → the hash it is stored as. */
export function recoveryCodeHash(code: string): string | null {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '')
  if (normalized.length !== 16 || [...normalized].some((c) => !RECOVERY_ALPHABET.includes(c))) return null
  return createHash('sha256').update(normalized).digest('hex')
}
