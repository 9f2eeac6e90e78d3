// Opens the database, applies migrations and bootstrap, and builds what buildApp needs.
import type { AppDeps } from './app-deps.ts'
import { loadSigningKeys } from './auth/keys.ts'
import { createPrincipalResolver } from './auth/principals.ts'
import { createTokenService } from './auth/tokens.ts'
import type { Config } from './config.ts'
import type { Db } from './db/connection.ts'
import { migrate } from './db/migrate.ts'

export async function prepareServices(config: Config, db: Db): Promise<AppDeps> {
  await migrate(db)
  const keys = await loadSigningKeys(db)
  const tokens = createTokenService(keys, config.publicUrl, config.tokenTtlSeconds)
  const principals = createPrincipalResolver(db, tokens, config.platform?.clientId ?? null)
  return { config, db, tokens, principals }
}
