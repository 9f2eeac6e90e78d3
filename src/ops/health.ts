// Liveness (the process answers) and readiness (the database answers and every migration is applied).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Db } from '../db/connection.ts'
import { pendingMigrations } from '../db/migrate.ts'
import { ErrorBody } from '../dialects/v3/schemas.ts'
import { errorResponses } from '../http/dialect.ts'

const Health = Type.Object({ status: Type.String(), details: Type.Optional(Type.String()) })
// Outside the APIs, requests are limited per source IP, and errors take the v3 shape (app.ts renderAtEdge).
const withErrors = errorResponses(ErrorBody, [429, 500])

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'GetLiveness',
        tags: ['operations'],
        summary: 'The process is alive',
        security: [],
        response: withErrors({ 200: Health }),
      },
    },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'GetReadiness',
        tags: ['operations'],
        summary: 'The database is reachable and migrated',
        security: [],
        response: withErrors({ 200: Health, 503: Health }),
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
