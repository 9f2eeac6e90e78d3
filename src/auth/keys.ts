// ES256 signing keys, kept in the database so every API process signs alike; the private JWKs encrypted
// under the key-encryption key. The newest live key signs; once it is older than SIGNING_KEY_ROTATION_DAYS a
// new one takes over (made once, under an advisory lock) and the old one is retired: still in the JWKS and
// accepted until the last token it can have signed has expired, then dropped.

import type { webcrypto } from 'node:crypto'
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { ConfigError } from '../config.ts'
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { decryptSecret, encryptSecret, SecretUnavailable, secretAad } from '../secrets/envelope.ts'
import type { Keyring } from '../secrets/keyring.ts'

type CryptoKey = webcrypto.CryptoKey

export interface SigningKeys {
  kid: string
  privateKey: CryptoKey
  /** Every key that may have signed a live token: the JWKS. */
  publicJwks: JWK[]
  publicKeys: Map<string, CryptoKey>
}

export interface KeyPolicy {
  /** Age (seconds) of the newest live key after which a new one takes over. */
  rotationSeconds: number
  /** How long (seconds) a retired key stays in the JWKS: every token it may have signed has expired by then. */
  retainSeconds: number
}

interface KeyRow {
  kid: string
  private_jwk: string
  public_jwk: JWK | string
  is_live: boolean
  is_due: boolean
}

// One rotation at a time across every process of one database.
const ROTATION_LOCK = 72_750_011

const privateJwkAad = (kid: string) => secretAad('signing_keys', 'private_jwk', kid)

async function insertNewKey(tx: Queryable, keyring: Keyring): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const kid = crypto.randomUUID()
  const meta = { kid, alg: 'ES256', use: 'sig' }
  const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), ...meta })
  const publicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), ...meta })
  await tx.query(
    sql`INSERT INTO signing_keys (kid, private_jwk, public_jwk)
        VALUES (${kid}, ${encryptSecret(keyring, privateJwk, privateJwkAad(kid))}, ${publicJwk})`,
  )
  return kid
}

const selectKeys = (db: Queryable, policy: KeyPolicy) =>
  db.query<KeyRow>(
    sql`SELECT kid, private_jwk, public_jwk, retired_at IS NULL AS is_live,
          created_at <= now() - make_interval(secs => ${policy.rotationSeconds}) AS is_due
        FROM signing_keys
        WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => ${policy.retainSeconds})
        ORDER BY retired_at IS NULL DESC, created_at DESC, kid DESC`,
  )

/**
 * Makes a new signing key and retires the others, unless another process did so while this one waited for
 * the lock (the newest live key is then young again).
 */
async function rotate(db: Db, keyring: Keyring, policy: KeyPolicy): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`)
    const newest = (await selectKeys(tx, policy)).rows[0]
    if (newest?.is_live && !newest.is_due) return
    const kid = await insertNewKey(tx, keyring)
    await tx.query(sql`UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> ${kid}`)
  })
}

/** The private key of the signing key; a key it cannot open stops the process (a wrong ENCRYPTION_KEY). */
async function importPrivateKey(keyring: Keyring, row: KeyRow): Promise<CryptoKey> {
  try {
    const jwk = JSON.parse(decryptSecret(keyring, row.private_jwk, privateJwkAad(row.kid))) as JWK
    return (await importJWK(jwk, 'ES256')) as CryptoKey
  } catch (error) {
    if (error instanceof SecretUnavailable)
      throw new ConfigError('ENCRYPTION_KEY', `cannot open the signing key: ${error.message}`)
    throw error
  }
}

/**
 * The signing keys as the database has them now: expired retired keys dropped, a new key made when there is
 * none or the newest is due for rotation. `known` holds the keys imported by an earlier load, reused.
 */
export async function loadSigningKeys(
  db: Db,
  keyring: Keyring,
  policy: KeyPolicy,
  known?: SigningKeys,
): Promise<SigningKeys> {
  await db.query(
    sql`DELETE FROM signing_keys
        WHERE retired_at IS NOT NULL AND retired_at <= now() - make_interval(secs => ${policy.retainSeconds})`,
  )
  let { rows } = await selectKeys(db, policy)
  if (!rows[0]?.is_live || rows[0].is_due) {
    await rotate(db, keyring, policy)
    rows = (await selectKeys(db, policy)).rows
  }
  const current = rows[0] as KeyRow
  const publicJwks = rows.map((row) =>
    typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk,
  )
  const publicKeys = new Map<string, CryptoKey>()
  for (const [index, row] of rows.entries()) {
    const imported = known?.publicKeys.get(row.kid)
    publicKeys.set(row.kid, imported ?? ((await importJWK(publicJwks[index] as JWK, 'ES256')) as CryptoKey))
  }
  const privateKey = known?.kid === current.kid ? known.privateKey : await importPrivateKey(keyring, current)
  return { kid: current.kid, privateKey, publicJwks, publicKeys }
}
