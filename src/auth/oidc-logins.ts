// Sign-ins under way (oidc_logins): written at the start, found by the SHA-256 of their state and deleted as
// they are read at the callback, so that each is used once and within its ten minutes. The PKCE verifier is
// kept encrypted (its row's authenticated data names the state's hash); the state itself is never stored.
import { createHash } from 'node:crypto'
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { decryptSecret, encryptSecret, secretAad } from '../secrets/envelope.ts'
import type { Keyring } from '../secrets/keyring.ts'
import type { SignInChecks } from './oidc.ts'

export const LOGIN_TTL_SECONDS = 600
/** Expired sign-ins each new one clears away, so that the table holds about what is under way. */
const EXPIRED_PER_START = 10

export interface PendingLogin {
  tenantId: string
  providerId: string
  returnTo: string
  checks: SignInChecks
}

const hashOf = (state: string) => createHash('sha256').update(state, 'utf8').digest('base64url')
const verifierAad = (stateHash: string) => secretAad('oidc_logins', 'code_verifier', stateHash)

export async function savePendingLogin(db: Queryable, keyring: Keyring, login: PendingLogin): Promise<void> {
  const stateHash = hashOf(login.checks.state)
  const verifier = encryptSecret(keyring, login.checks.codeVerifier, verifierAad(stateHash))
  await db.query(
    sql`WITH expired AS (
          DELETE FROM oidc_logins WHERE state_hash IN (
            SELECT state_hash FROM oidc_logins WHERE expires_at < now() ORDER BY expires_at LIMIT ${EXPIRED_PER_START}))
        INSERT INTO oidc_logins (state_hash, tenant_id, provider_id, return_to, code_verifier, nonce, expires_at)
        VALUES (${stateHash}, ${login.tenantId}, ${login.providerId}, ${login.returnTo}, ${verifier},
          ${login.checks.nonce}, now() + make_interval(secs => ${LOGIN_TTL_SECONDS}))`,
  )
}

interface LoginRow {
  tenant_id: string
  provider_id: string
  return_to: string
  code_verifier: string
  nonce: string
  is_live: boolean
}

/** The sign-in this state started, taken out of the table: null when unknown, already used or expired. */
export async function consumePendingLogin(
  db: Queryable,
  keyring: Keyring,
  state: string,
): Promise<PendingLogin | null> {
  const stateHash = hashOf(state)
  const { rows } = await db.query<LoginRow>(
    sql`DELETE FROM oidc_logins WHERE state_hash = ${stateHash}
        RETURNING tenant_id, provider_id, return_to, code_verifier, nonce, expires_at > now() AS is_live`,
  )
  const row = rows[0]
  if (!row?.is_live) return null
  return {
    tenantId: row.tenant_id,
    providerId: row.provider_id,
    returnTo: row.return_to,
    checks: {
      state,
      nonce: row.nonce,
      codeVerifier: decryptSecret(keyring, row.code_verifier, verifierAad(stateHash)),
    },
  }
}
