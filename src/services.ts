// What the HTTP layer needs from the process (AppDeps), and prepareServices that builds it once for main, a
// test or a script: migrations applied, secrets left in clear by an older version sealed, signing keys
// loaded (and kept current), the token service and the principal resolver.
import pino from 'pino'
import { loadPepper, type Pepper } from './auth/client-secrets.ts'
import { createKeyStore, RELOAD_INTERVAL_MS } from './auth/key-store.ts'
import { createRelyingParty, type RelyingParty, type SignIn } from './auth/oidc.ts'
import { setHashConcurrency } from './auth/passwords.ts'
import { createPrincipalResolver, type PrincipalResolver } from './auth/principals.ts'
import { startSession } from './auth/sessions.ts'
import { AUDIENCE, CLOCK_SKEW_SECONDS, createTokenService, type TokenService } from './auth/tokens.ts'
import type { Config } from './config.ts'
import type { Db } from './db/connection.ts'
import { migrate } from './db/migrate.ts'
import { loggerOptions } from './logging.ts'
import { type Keyring, openKeyring } from './secrets/keyring.ts'
import { sealClearSecrets } from './secrets/stored.ts'

export interface AppDeps {
  config: Config
  db: Db
  /** The key-encryption keys: webhook secrets are encrypted and opened with it. */
  keyring: Keyring
  /** The server pepper of the API clients' secret hashes. */
  pepper: Pepper
  tokens: TokenService
  principals: PrincipalResolver
  /** The OpenID Connect relying party: the configured issuers, discovered as sign-ins need them. */
  oidc: RelyingParty
  /** Issues a signed-in user's tokens at the end of a sign-in through an identity provider (a session). */
  signIn: SignIn
}

/** The path every identity provider sends its sign-ins back to (the redirect URI to register there). */
export const OIDC_CALLBACK_PATH = '/v3/accounts/oidc/callback'

/** Migrations, then the secrets an older version left in clear sealed: what every process does first. */
export async function prepareDatabase(
  config: Config,
  db: Db,
  keyring = openKeyring(config),
): Promise<Keyring> {
  await migrate(db)
  await sealClearSecrets(db, keyring)
  return keyring
}

export async function prepareServices(
  config: Config,
  db: Db,
  keyring = openKeyring(config),
): Promise<AppDeps> {
  await prepareDatabase(config, db, keyring)
  setHashConcurrency(config.passwordHashConcurrency)
  const pepper = await loadPepper(db, keyring)
  const log = pino(loggerOptions(config.logLevel))
  const keys = await createKeyStore(
    db,
    keyring,
    {
      rotationSeconds: config.signingKeyRotationDays * 86_400,
      // A retired key may still sign in a process that has not reloaded yet (up to a reload interval), and
      // its last token lives TOKEN_TTL_SECONDS more, give or take the clocks' skew.
      retainSeconds:
        Math.max(config.tokenTtlSeconds, config.signIn.userTokenTtlSeconds) +
        CLOCK_SKEW_SECONDS +
        RELOAD_INTERVAL_MS / 1000,
    },
    (error) => log.error({ err: error }, 'reloading the signing keys failed'),
  )
  const tokens = createTokenService(
    keys,
    config.publicUrl,
    config.tokenTtlSeconds,
    config.tokenCacheMax,
    config.signIn.userTokenTtlSeconds,
  )
  const principals = createPrincipalResolver(db, tokens, config.platform?.clientId ?? null)
  const oidc = createRelyingParty(
    config.oidc,
    `${config.publicUrl}${OIDC_CALLBACK_PATH}`,
    (provider, error) =>
      // The failure's kind alone: an issuer's answer may quote what was sent to it.
      log.warn(
        { provider: provider.id, failure: (error as { code?: string }).code ?? (error as Error)?.name },
        'OpenID Connect: the identity provider failed',
      ),
  )
  // A sign-in through an identity provider ends as a password's does: a session and its tokens.
  const signIn: SignIn = (user, facts) =>
    startSession({ db, tokens, config }, user, { audience: AUDIENCE, method: 'oidc', facts })
  return { config, db, keyring, pepper, tokens, principals, oidc, signIn }
}
