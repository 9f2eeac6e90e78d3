// Baseline of scenario 2: a bare Fastify route doing the service's point select (getUser: the same SQL,
// through the same openDatabase, on the same database, with the same pool size) and answering the row as
// JSON: no authentication, no response schema, no presenter, no hooks. Prints {"port": N} once listening.
import Fastify from 'fastify'
import { loadConfig } from '../../../src/config.ts'
import { openDatabase } from '../../../src/db/connection.ts'
import type { Actor } from '../../../src/domain/actor.ts'
import { getUser } from '../../../src/domain/users/get.ts'

const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'warn' })
const db = await openDatabase(config.database, config.databasePoolSize)
const actor: Actor = {
  type: 'client',
  id: process.env.BENCH_CLIENT_ROW_ID ?? 'bench',
  role: 'csp',
  tenantId: process.env.BENCH_TENANT_ID ?? null,
  resellerId: null,
  scopes: new Set(),
  correlationId: 'bench',
  ipAddress: null,
  userAgent: null,
}

const app = Fastify({ logger: false })
app.get<{ Params: { resellerId: string; id: string } }>('/users/:resellerId/:id', async (request) =>
  getUser(db, actor, request.params.resellerId, request.params.id),
)
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : null })}\n`)

const stop = async () => {
  await app.close()
  await db.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
