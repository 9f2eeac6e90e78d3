// A webhook dispatcher on its own (npm run worker): for scale-out, any number beside the API processes.
import pino from 'pino'
import { REDACT_PATHS } from './app.ts'
import { loadConfigOrExit } from './config.ts'
import { openDatabase } from './db/connection.ts'
import { migrate } from './db/migrate.ts'
import { createDispatcher } from './webhooks/dispatcher.ts'

async function main(): Promise<void> {
  const config = loadConfigOrExit()
  const log = pino({ level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } })
  const db = await openDatabase(config.database, config.databasePoolSize)
  await migrate(db)
  const dispatcher = createDispatcher(db, config, log)
  await dispatcher.start()
  log.info('webhook dispatcher started')
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping webhook dispatcher')
    setTimeout(() => process.exit(1), config.webhookTimeoutMs + 10_000).unref()
    await dispatcher.stop()
    await db.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((error) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
