// Liveness (the process answers) and readiness (the database answers and every migration is applied).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Db } from '../db/connection.ts'
import { pendingMigrations } from '../db/migrate.ts'

const Health = Type.Object({ status: Type.String(), details: Type.Optional(Type.String()) })

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/health/live',
    { schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'The database is reachable and migrated',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      try {
        const pending = await pendingMigrations(db)
        if (pending.length > 0)
          return reply
            .code(503)
            .send({ status: 'unavailable', details: `pending migrations: ${pending.join(', ')}` })
        return { status: 'ok' }
      } catch {
        return reply.code(503).send({ status: 'unavailable', details: 'database unreachable' })
      }
    },
  )
}
