// A webhook dispatcher on its own (npm run worker): for scale-out, any number beside the API processes.
import pino from 'pino'
import { openDatabase } from './db/connection.ts'
import { createDispatcher } from './delivery/dispatcher.ts'
import { loadConfigOrExit, runProcess, stopGracefullyOnSignals } from './lifecycle.ts'
import { loggerOptions } from './logging.ts'
import { createRegistry } from './ops/metrics.ts'
import { listenForMetrics } from './ops/metrics-access.ts'
import { createRetention } from './retention/job.ts'
import { prepareDatabase } from './services.ts'

async function main(): Promise<void> {
  const config = loadConfigOrExit()
  const log = pino(loggerOptions(config.logLevel))
  const db = await openDatabase(config.database, config.databasePoolSize)
  const keyring = await prepareDatabase(config, db)
  const dispatcher = createDispatcher(db, config, log, keyring)
  await dispatcher.start()
  const retention = config.retention.intervalSeconds > 0 ? createRetention(db, config.retention, log) : null
  retention?.start()
  // Its process metrics on METRICS_PORT when set (the API's request metrics are the API's own).
  const metrics =
    config.metrics.port === null ? null : await listenForMetrics(createRegistry(), config.metrics)
  log.info({ metrics: metrics?.address() ?? null }, 'webhook dispatcher started')
  stopGracefullyOnSignals(config, log, 'stopping webhook dispatcher', async () => {
    await metrics?.close()
    await retention?.stop()
    await dispatcher.stop()
    await db.close()
  })
}

runProcess(main)
