// The held-out baseline of scenario 2: what a user would write by hand and compare the service with. A bare
// Fastify app with one route doing one `pg` point select of a user by id (pg.Pool of the same size, on the
// same database), answering the row as JSON: no authentication, no project code at all. Prints {"port": N}
// once listening. With --embedded there is no server to point `pg` at: the same select then goes through
// PGlite (openDatabase), and the report says so.
import Fastify from 'fastify'
import pg from 'pg'

const url = process.env.DATABASE_URL ?? ''
const poolSize = Number(process.env.DATABASE_POOL_SIZE || 10)
const SELECT = `SELECT id, reseller_id, organization_id, first_name, last_name, email, role, company,
  two_factor_enabled, google_sso_enabled, last_login_at, created_at, updated_at
  FROM users WHERE tenant_id = $1 AND id = $2`
// The users' primary key is (tenant_id, id): a point select by id names the tenant, or it scans the table.
const tenantId = process.env.BENCH_TENANT_ID ?? ''

type Query = (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>
let query: Query
let close: () => Promise<void>
if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  pool.on('error', () => {})
  query = (text, values) => pool.query(text, values)
  close = () => pool.end()
} else {
  const { loadConfig } = await import('../../../src/config.ts')
  const { openDatabase } = await import('../../../src/db/connection.ts')
  const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'warn' })
  const db = await openDatabase(config.database, config.databasePoolSize)
  query = (text, values) => db.query(text, values)
  close = () => db.close()
}

const app = Fastify({ logger: false })
app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
  const { rows } = await query(SELECT, [tenantId, request.params.id])
  if (rows.length === 0) return reply.code(404).send({ message: 'not found' })
  return rows[0]
})
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : null })}\n`)

const stop = async () => {
  await app.close()
  await close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
