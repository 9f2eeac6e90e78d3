// Server-wide secrets (server_secrets): each made once, by whichever process comes first, and kept encrypted
// under the key-encryption key, so that rotating that key re-encrypts them and never changes them.
import { ConfigError } from '../config.ts'
import type { Db } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { decryptSecret, encryptSecret, SecretUnavailable, secretAad } from './envelope.ts'
import type { Keyring } from './keyring.ts'

/** The secret `name`, made by `make` if no process made it before; one the keys cannot open stops the start. */
export async function serverSecret(
  db: Db,
  keyring: Keyring,
  name: string,
  make: () => string,
): Promise<string> {
  const aad = secretAad('server_secrets', 'value', name)
  await db.query(
    sql`INSERT INTO server_secrets (name, value) VALUES (${name}, ${encryptSecret(keyring, make(), aad)})
        ON CONFLICT (name) DO NOTHING`,
  )
  const { rows } = await db.query<{ value: string }>(
    sql`SELECT value FROM server_secrets WHERE name = ${name}`,
  )
  try {
    return decryptSecret(keyring, rows[0]?.value ?? '', aad)
  } catch (error) {
    if (error instanceof SecretUnavailable) throw new ConfigError('ENCRYPTION_KEY', error.message)
    throw error
  }
}
