// API clients' secrets at rest: `hmac-sha256$<salt>$<mac>`, the HMAC-SHA-256 of salt + secret under a server
// pepper that lives only encrypted (server_secrets, under the key-encryption key).
//
// Why HMAC with a pepper and not argon2id: a client secret is 256 random bits, not a password, so there is
// nothing to guess and a slow hash buys nothing; what a stolen database must not give is a way to test
// candidate secrets offline, and without the pepper (which needs the key-encryption key) it gives none. The
// random salt keeps two clients with one secret from sharing a hash. And token issuance stays fast (~1 µs per
// check, where argon2id would cost some 50 ms a token).
import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import type { Db } from '../db/connection.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { serverSecret } from '../secrets/server-secrets.ts'

const SCHEME = 'hmac-sha256'
const SALT_BYTES = 16
const LEGACY = /^[0-9a-f]{64}$/

export type Pepper = KeyObject

/** The pepper of this database, made on the first start. */
export async function loadPepper(db: Db, keyring: Keyring): Promise<Pepper> {
  const text = await serverSecret(db, keyring, 'client-secret-pepper', () =>
    randomBytes(32).toString('base64url'),
  )
  return createSecretKey(Buffer.from(text, 'base64url'))
}

const mac = (pepper: Pepper, salt: Buffer, secret: string): Buffer =>
  createHmac('sha256', pepper).update(salt).update(secret, 'utf8').digest()

export function hashClientSecret(pepper: Pepper, secret: string): string {
  const salt = randomBytes(SALT_BYTES)
  return `${SCHEME}$${salt.toString('base64url')}$${mac(pepper, salt, secret).toString('hex')}`
}

const digestsEqual = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b)

/**
 * Whether the secret matches the stored hash, compared in constant time. `isLegacy`: the hash is the unsalted
 * SHA-256 of before, which still verifies once and is then to be replaced (upgradeSecretHash).
 */
export function verifyClientSecret(
  pepper: Pepper,
  secret: string,
  stored: string,
): { matches: boolean; isLegacy: boolean } {
  if (LEGACY.test(stored)) {
    const digest = createHash('sha256').update(secret, 'utf8').digest()
    return { matches: digestsEqual(digest, Buffer.from(stored, 'hex')), isLegacy: true }
  }
  const [scheme, saltText, macText] = stored.split('$')
  if (scheme !== SCHEME || !saltText || !macText) return { matches: false, isLegacy: false }
  const expected = Buffer.from(macText, 'hex')
  return {
    matches: digestsEqual(mac(pepper, Buffer.from(saltText, 'base64url'), secret), expected),
    isLegacy: false,
  }
}

/** A's and b's equality in constant time whatever their lengths (their SHA-256 digests are compared). */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
  return timingSafeEqual(digest(a), digest(b))
}
