// The key-encryption keys (KEK): ENCRYPTION_KEY signs new ciphertexts, ENCRYPTION_KEY_PREVIOUS only opens old
// ones. Each key is known by an id derived from it, written on every ciphertext, so a key can be rotated.
import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { type Config, ConfigError, KEY_BYTES, parseKey } from '../config.ts'

export interface EncryptionKey {
  /** First 8 bytes of the key's SHA-256, hex: names the key on each ciphertext without revealing it. */
  kid: string
  key: KeyObject
}

export interface Keyring {
  current: EncryptionKey
  /** Every key that may open a ciphertext, the current one included, by kid. */
  byKid: ReadonlyMap<string, EncryptionKey>
}

/** The key file on the embedded default (DATA_DIR), and the previous key kept while a rotation runs. */
export const KEY_FILE = 'encryption.key'
export const PREVIOUS_KEY_FILE = 'encryption.key.previous'

export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(key.export()).digest().subarray(0, 8).toString('hex')
}

export const toEncryptionKey = (key: KeyObject): EncryptionKey => ({ kid: keyIdOf(key), key })

export function makeKeyring(current: KeyObject, previous: readonly KeyObject[] = []): Keyring {
  const byKid = new Map<string, EncryptionKey>()
  for (const key of previous) {
    const entry = toEncryptionKey(key)
    byKid.set(entry.kid, entry)
  }
  const entry = toEncryptionKey(current)
  byKid.set(entry.kid, entry)
  return { current: entry, byKid }
}

export const newKeyText = (): string => randomBytes(KEY_BYTES).toString('base64')

export const keyText = (key: KeyObject): string => key.export().toString('base64')

function readKeyFile(file: string): KeyObject {
  const key = parseKey(fs.readFileSync(file, 'utf8'))
  if (!key) throw new ConfigError('ENCRYPTION_KEY', `${file} does not hold a base64 32-byte key`)
  return key
}

/** Writes a key file readable by its owner only (the directory too), never over an existing file. */
export function writeKeyFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, `${text}\n`, { mode: 0o600, flag: 'wx' })
}

/**
 * The process's keyring. ENCRYPTION_KEY when set. Otherwise, on the embedded database in DATA_DIR, the key in
 * DATA_DIR/encryption.key, made on the first start (and DATA_DIR/encryption.key.previous, left by a rotation
 * that has not finished); in memory, a key for this process alone. A PostgreSQL server without
 * ENCRYPTION_KEY never gets here (loadConfig refuses it).
 */
export function openKeyring(config: Config): Keyring {
  const { key, previous } = config.encryption
  if (key) return makeKeyring(key, previous)
  if (config.database.kind === 'pglite-memory') return makeKeyring(createSecretKey(randomBytes(KEY_BYTES)))
  if (config.database.kind === 'postgres')
    throw new ConfigError('ENCRYPTION_KEY', 'is required with a PostgreSQL DATABASE_URL')
  const file = path.join(config.dataDir, KEY_FILE)
  if (!fs.existsSync(file)) {
    try {
      writeKeyFile(file, newKeyText())
    } catch (error) {
      // Another start wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  const previousFile = path.join(config.dataDir, PREVIOUS_KEY_FILE)
  const kept = fs.existsSync(previousFile) ? [readKeyFile(previousFile)] : []
  return makeKeyring(readKeyFile(file), [...previous, ...kept])
}

/**
 * Starts a rotation of the embedded default's key file: the old key is kept in encryption.key.previous and a
 * new one replaces encryption.key (atomically), so that a start at any moment opens every value. If a
 * previous file is already there, an earlier rotation stopped half-way: it is finished with the keys it left.
 */
export function beginKeyFileRotation(dataDir: string): { keyring: Keyring; isResumed: boolean } {
  const file = path.join(dataDir, KEY_FILE)
  const previousFile = path.join(dataDir, PREVIOUS_KEY_FILE)
  if (!fs.existsSync(file))
    throw new ConfigError(
      'ENCRYPTION_KEY',
      `there is no key file ${file} to rotate (and ENCRYPTION_KEY is unset)`,
    )
  if (fs.existsSync(previousFile))
    return { keyring: makeKeyring(readKeyFile(file), [readKeyFile(previousFile)]), isResumed: true }
  const old = readKeyFile(file)
  writeKeyFile(previousFile, keyText(old))
  const next = newKeyText()
  const temporary = `${file}.new`
  fs.rmSync(temporary, { force: true })
  writeKeyFile(temporary, next)
  fs.renameSync(temporary, file)
  return { keyring: makeKeyring(parseKey(next) as KeyObject, [old]), isResumed: false }
}

/** Ends a key file rotation once every value is under the new key: the old key is dropped. */
export function finishKeyFileRotation(dataDir: string): void {
  fs.rmSync(path.join(dataDir, PREVIOUS_KEY_FILE), { force: true })
}
