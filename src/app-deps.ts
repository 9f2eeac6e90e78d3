// What the HTTP layer needs from the process: built once in main (or a test) and handed to buildApp.
import type { PrincipalResolver } from './auth/principals.ts'
import type { TokenService } from './auth/tokens.ts'
import type { Config } from './config.ts'
import type { Db } from './db/connection.ts'

export interface AppDeps {
  config: Config
  db: Db
  tokens: TokenService
  principals: PrincipalResolver
}
