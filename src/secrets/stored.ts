// Every secret column of the database, and the two passes over them: sealing, at each start, the values
// migration 0011 found in clear; re-encrypting, on a key rotation, every value under the current key.
import type { Db, Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { CLEAR_PREFIX, ciphertextKid, decryptSecret, encryptSecret, secretAad } from './envelope.ts'
import type { Keyring } from './keyring.ts'

export interface SecretColumn {
  table: string
  column: string
  /** The primary key, named in each value's authenticated data. */
  key: string
}

export const SECRET_COLUMNS: readonly SecretColumn[] = [
  { table: 'signing_keys', column: 'private_jwk', key: 'kid' },
  { table: 'webhook_endpoints', column: 'secret', key: 'id' },
  { table: 'server_secrets', column: 'value', key: 'name' },
  // A sign-in's PKCE verifier, for its ten minutes (auth/oidc-logins.ts).
  { table: 'oidc_logins', column: 'code_verifier', key: 'state_hash' },
  { table: 'user_two_factor', column: 'secret', key: 'id' },
]

// Sealing and re-encryption take turns across processes; each holds it for one batch's transaction.
const SECRETS_LOCK = 72_750_012
const BATCH = 500

interface StoredValue {
  k: string
  v: string
}

const aadOf = (c: SecretColumn, key: string) => secretAad(c.table, c.column, key)

/** Rewrites one value unless it changed meanwhile (a live process wrote a new secret): answers whether it did. */
async function rewrite(tx: Queryable, c: SecretColumn, row: StoredValue, value: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE ${c.table} SET ${c.column} = $1 WHERE ${c.key}::text = $2 AND ${c.column} = $3`,
    [value, row.k, row.v],
  )
  return rowCount > 0
}

/**
 * Encrypts every value still marked clear (`plain:`, by migration 0011). Runs at every start before the
 * process serves; idempotent, and safe with several processes starting at once (they take turns, and each
 * goes on until it finds none left).
 */
export async function sealClearSecrets(db: Db, keyring: Keyring): Promise<number> {
  let sealed = 0
  for (const c of SECRET_COLUMNS) {
    for (let found = BATCH; found === BATCH; ) {
      found = await db.transaction(async (tx) => {
        await tx.query(sql`SELECT pg_advisory_xact_lock(${SECRETS_LOCK})`)
        const { rows } = await tx.query<StoredValue>(
          `SELECT ${c.key}::text AS k, ${c.column} AS v FROM ${c.table}
           WHERE ${c.column} LIKE '${CLEAR_PREFIX}%' ORDER BY ${c.key} LIMIT ${BATCH}`,
        )
        for (const row of rows) {
          const clear = row.v.slice(CLEAR_PREFIX.length)
          if (await rewrite(tx, c, row, encryptSecret(keyring, clear, aadOf(c, row.k)))) sealed++
        }
        return rows.length
      })
    }
  }
  return sealed
}

export interface RewrapCounts {
  /** Values moved from a previous key to the current one. */
  reencrypted: number
  /** Values already under the current key. */
  current: number
  /** Values found in clear and encrypted. */
  sealed: number
  /** Values changed by a live process while the pass ran (written under the current key by it). */
  skipped: number
}

/** One column's values, batch after batch by primary key, each re-encrypted under the current key. */
async function rewrapColumn(db: Db, keyring: Keyring, c: SecretColumn, counts: RewrapCounts, batch: number) {
  let after: string | null = null
  for (;;) {
    const last: string | null = await db.transaction(async (tx) => {
      await tx.query(sql`SELECT pg_advisory_xact_lock(${SECRETS_LOCK})`)
      const { rows } = await tx.query<StoredValue>(
        `SELECT ${c.key}::text AS k, ${c.column} AS v FROM ${c.table}
         WHERE $1::text IS NULL OR ${c.key}::text > $1::text ORDER BY ${c.key}::text LIMIT ${batch}`,
        [after],
      )
      for (const row of rows) {
        const kid = ciphertextKid(row.v)
        if (kid === keyring.current.kid) {
          counts.current++
          continue
        }
        const isClear = row.v.startsWith(CLEAR_PREFIX)
        const clear = isClear
          ? row.v.slice(CLEAR_PREFIX.length)
          : decryptSecret(keyring, row.v, aadOf(c, row.k))
        const isDone = await rewrite(tx, c, row, encryptSecret(keyring, clear, aadOf(c, row.k)))
        if (!isDone) counts.skipped++
        else if (isClear) counts.sealed++
        else counts.reencrypted++
      }
      return rows.length < batch ? null : (rows[rows.length - 1]?.k ?? null)
    })
    if (last === null) return
    after = last
  }
}

/**
 * Re-encrypts every secret of the database under the keyring's current key (the previous keys open the old
 * ones), in batches of `batch` rows, one transaction each: a run stopped half-way is simply run again.
 * A value under a key the keyring lacks stops it (SecretUnavailable), naming the key id.
 */
export async function reencryptAll(
  db: Db,
  keyring: Keyring,
  options: { batch?: number; onColumn?: (column: SecretColumn, counts: RewrapCounts) => void } = {},
): Promise<Record<string, RewrapCounts>> {
  const result: Record<string, RewrapCounts> = {}
  for (const c of SECRET_COLUMNS) {
    const counts: RewrapCounts = { reencrypted: 0, current: 0, sealed: 0, skipped: 0 }
    await rewrapColumn(db, keyring, c, counts, options.batch ?? BATCH)
    result[`${c.table}.${c.column}`] = counts
    options.onColumn?.(c, counts)
  }
  return result
}

/** How many values of each column lie under each key id (`clear` for any not encrypted): for checks and reports. */
export async function countByKid(db: Queryable): Promise<Record<string, Record<string, number>>> {
  const result: Record<string, Record<string, number>> = {}
  for (const c of SECRET_COLUMNS) {
    const { rows } = await db.query<{ kid: string; n: number }>(
      `SELECT CASE WHEN ${c.column} LIKE 'enc:v1:%' THEN split_part(${c.column}, ':', 3) ELSE 'clear' END AS kid,
         count(*)::int AS n
       FROM ${c.table} GROUP BY 1`,
    )
    result[`${c.table}.${c.column}`] = Object.fromEntries(rows.map((r) => [r.kid, r.n]))
  }
  return result
}
