// A webhook dispatcher on its own (npm run worker): for scale-out, any number beside the API processes.
import pino from 'pino'
import { openDatabase } from './db/connection.ts'
import { createDispatcher } from './delivery/dispatcher.ts'
import { loadConfigOrExit, runProcess, stopGracefullyOnSignals } from './lifecycle.ts'
import { loggerOptions } from './logging.ts'
import { prepareDatabase } from './services.ts'

async function main(): Promise<void> {
  const config = loadConfigOrExit()
  const log = pino(loggerOptions(config.logLevel))
  const db = await openDatabase(config.database, config.databasePoolSize)
  const keyring = await prepareDatabase(config, db)
  const dispatcher = createDispatcher(db, config, log, keyring)
  await dispatcher.start()
  log.info('webhook dispatcher started')
  stopGracefullyOnSignals(config, log, 'stopping webhook dispatcher', async () => {
    await dispatcher.stop()
    await db.close()
  })
}

runProcess(main)
