// ES256 signing keys: generated on first start, kept in the database so every API process signs alike.

import type { webcrypto } from 'node:crypto'
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { Db } from '../db/connection.ts'
import { sql } from '../db/sql.ts'

type CryptoKey = webcrypto.CryptoKey

export interface SigningKeys {
  kid: string
  privateKey: CryptoKey
  /** Every key that may have signed a live token: the JWKS. */
  publicJwks: JWK[]
  publicKeys: Map<string, CryptoKey>
}

interface KeyRow {
  kid: string
  private_jwk: JWK
  public_jwk: JWK
}

async function generateKeyRow(): Promise<KeyRow> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const kid = crypto.randomUUID()
  const meta = { kid, alg: 'ES256', use: 'sig' }
  return {
    kid,
    private_jwk: { ...(await exportJWK(privateKey)), ...meta },
    public_jwk: { ...(await exportJWK(publicKey)), ...meta },
  }
}

export async function loadSigningKeys(db: Db): Promise<SigningKeys> {
  const select = () =>
    db.query<KeyRow>(
      sql`SELECT kid, private_jwk, public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at, kid`,
    )
  let { rows } = await select()
  if (rows.length === 0) {
    const row = await generateKeyRow()
    // Two processes starting at once may both insert; both then sign with the oldest key.
    await db.query(
      sql`INSERT INTO signing_keys (kid, private_jwk, public_jwk)
          VALUES (${row.kid}, ${JSON.stringify(row.private_jwk)}, ${JSON.stringify(row.public_jwk)})`,
    )
    rows = (await select()).rows
  }
  const first = rows[0] as KeyRow
  const publicKeys = new Map<string, CryptoKey>()
  for (const row of rows) publicKeys.set(row.kid, (await importJWK(row.public_jwk, 'ES256')) as CryptoKey)
  return {
    kid: first.kid,
    privateKey: (await importJWK(first.private_jwk, 'ES256')) as CryptoKey,
    publicJwks: rows.map((row) => row.public_jwk),
    publicKeys,
  }
}
