// Builds the app on an in-memory database and returns its OpenAPI document, with a fixed public URL
// so that the committed file does not depend on where it was generated.
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/connection.ts'
import { prepareServices } from '../src/services.ts'

export const DOCUMENT_PUBLIC_URL = 'http://127.0.0.1:3000'

export async function buildOpenapiDocument(): Promise<unknown> {
  const config = loadConfig({
    DATABASE_URL: 'memory://',
    PUBLIC_URL: DOCUMENT_PUBLIC_URL,
    LOG_LEVEL: 'silent',
  })
  const db = await openDatabase(config.database)
  try {
    const app = await buildApp(await prepareServices(config, db), { logger: false })
    await app.ready()
    const document = app.swagger()
    await app.close()
    return JSON.parse(JSON.stringify(document))
  } finally {
    await db.close()
  }
}
