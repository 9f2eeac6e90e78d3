// What the HTTP layer needs from the process (AppDeps), and prepareServices that builds it once for main, a
// test or a script: migrations applied, signing keys loaded, the token service and the principal resolver.
import { loadSigningKeys } from './auth/keys.ts'
import { createPrincipalResolver, type PrincipalResolver } from './auth/principals.ts'
import { createTokenService, type TokenService } from './auth/tokens.ts'
import type { Config } from './config.ts'
import type { Db } from './db/connection.ts'
import { migrate } from './db/migrate.ts'

export interface AppDeps {
  config: Config
  db: Db
  tokens: TokenService
  principals: PrincipalResolver
}

export async function prepareServices(config: Config, db: Db): Promise<AppDeps> {
  await migrate(db)
  const keys = await loadSigningKeys(db)
  const tokens = createTokenService(keys, config.publicUrl, config.tokenTtlSeconds)
  const principals = createPrincipalResolver(db, tokens, config.platform?.clientId ?? null)
  return { config, db, tokens, principals }
}
