// Envelope encryption of the secrets kept in the database: AES-256-GCM under the keyring's current key, a
// random 96-bit IV, and the key's id on the ciphertext, `enc:v1:<kid>:<iv>:<ciphertext+tag>` (base64url).
// The additional authenticated data names the row and column (`webhook_endpoints.secret:<id>`), so a
// ciphertext copied into another row or column does not open there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { Keyring } from './keyring.ts'

export const CIPHERTEXT_PREFIX = 'enc:v1:'
/** What migration 0011 put before each secret it found in clear; sealed (encrypted) at the next start. */
export const CLEAR_PREFIX = 'plain:'

const IV_BYTES = 12
const TAG_BYTES = 16

/** A secret that cannot be opened: an unknown key, a wrong key, another row's ciphertext, or no ciphertext. */
export class SecretUnavailable extends Error {
  constructor(
    message: string,
    /** The key id the ciphertext names, when it names one. */
    readonly kid: string | null = null,
  ) {
    super(message)
    this.name = 'SecretUnavailable'
  }
}

export function encryptSecret(keyring: Keyring, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${CIPHERTEXT_PREFIX}${keyring.current.kid}:${iv.toString('base64url')}:${body.toString('base64url')}`
}

/** The key id a stored ciphertext names, or null when the value is not a ciphertext. */
export function ciphertextKid(value: string): string | null {
  if (!value.startsWith(CIPHERTEXT_PREFIX)) return null
  return value.slice(CIPHERTEXT_PREFIX.length).split(':')[0] ?? null
}

/** The plaintext; throws SecretUnavailable rather than ever answer something else. */
export function decryptSecret(keyring: Keyring, value: string, aad: string): string {
  const parts = value.startsWith(CIPHERTEXT_PREFIX) ? value.slice(CIPHERTEXT_PREFIX.length).split(':') : []
  const [kid, ivText, bodyText] = parts
  if (parts.length !== 3 || !kid || !ivText || !bodyText)
    throw new SecretUnavailable(`${aad} is not an encrypted value.`)
  const entry = keyring.byKid.get(kid)
  if (!entry)
    throw new SecretUnavailable(
      `${aad} is encrypted under key ${kid}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS.`,
      kid,
    )
  const iv = Buffer.from(ivText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES)
    throw new SecretUnavailable(`${aad} is not an encrypted value.`, kid)
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    throw new SecretUnavailable(`${aad} does not open under key ${kid}: altered, or of another row.`, kid)
  }
}

/** The additional authenticated data of a secret: its table, column and row. */
export const secretAad = (table: string, column: string, rowId: string): string =>
  `${table}.${column}:${rowId}`
