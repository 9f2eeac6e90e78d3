// Process entry: config → db → migrate → bootstrap → http → signals.
import { buildApp } from './app.ts'
import { type BootstrapResult, bootstrap } from './bootstrap.ts'
import type { Config } from './config.ts'
import { openDatabase } from './db/connection.ts'
import { createDispatcher } from './delivery/dispatcher.ts'
import { loadConfigOrExit, runProcess, stopGracefullyOnSignals } from './lifecycle.ts'
import { metricsWhere } from './ops/metrics.ts'
import { createRetention } from './retention/job.ts'
import { prepareServices } from './services.ts'

function banner(config: Config, address: string, result: BootstrapResult, metrics: string | null): string {
  const lines = [
    '',
    `  Reseller API is ready at ${address}`,
    `  Docs:     ${address}/docs   (OpenAPI: ${address}/openapi.json)`,
    `  Database: ${config.database.kind === 'postgres' ? 'PostgreSQL server' : config.database.kind === 'pglite-memory' ? 'embedded, in memory' : `embedded, in ${config.dataDir}`}`,
    `  Metrics:  ${metrics ?? 'off (set METRICS_TOKEN to serve /metrics behind a bearer token, or METRICS_PORT for an internal listener)'}`,
  ]
  if (result.credentials) {
    const { clientId, clientSecret } = result.credentials
    lines.push(
      '',
      `  Tenant ${result.tenantDomain}, csp client credentials${result.savedTo ? ` (saved in ${result.savedTo})` : ''}:`,
      `    client_id:     ${clientId}`,
      `    client_secret: ${clientSecret}`,
      '',
      '  Get a token and create a reseller:',
      `    TOKEN=$(curl -s -u '${clientId}:${clientSecret}' -d grant_type=client_credentials ${address}/oauth/token | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
      `    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"Acme","email":"ops@acme.example"}' ${address}/v3/resellers`,
    )
  } else if (result.tenantDomain) {
    lines.push('', `  Tenant ${result.tenantDomain} has the client of BOOTSTRAP_CLIENT_ID.`)
  }
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  const config = loadConfigOrExit()
  const db = await openDatabase(config.database, config.databasePoolSize)
  const deps = await prepareServices(config, db)
  const result = await bootstrap(db, config, deps.pepper)
  const app = await buildApp(deps)
  const address = await app.listen({ port: config.port, host: config.host })
  app.log.info({ address }, 'listening')
  const dispatcher = config.webhookDispatcher ? createDispatcher(db, config, app.log, deps.keyring) : null
  await dispatcher?.start()
  // The purge runs wherever the dispatcher does.
  const retention =
    dispatcher && config.retention.intervalSeconds > 0 ? createRetention(db, config.retention, app.log) : null
  retention?.start()
  const metricsPort = app.metricsListener()?.address().port
  const metrics = metricsWhere({ ...config.metrics, port: metricsPort ?? config.metrics.port }, address)
  process.stdout.write(banner(config, config.publicUrl || address, result, metrics))

  // Stop taking requests (and scrapes), then let in-flight webhook attempts and the purge's batch finish.
  stopGracefullyOnSignals(config, app.log, 'shutting down', async () => {
    await app.close()
    await retention?.stop()
    await dispatcher?.stop()
    await db.close()
  })
}

runProcess(main)
