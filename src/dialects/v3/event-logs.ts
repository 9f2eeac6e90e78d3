import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUDIT_FIELDS, listAuditEvents } from '../../domain/audit/list.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentEventLog } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import { EventLogDto } from './schemas.ts'

export const eventLogRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/event-logs',
    {
      config: { operation: 'GetAllEventLogs' },
      schema: {
        tags: ['v3 event logs'],
        summary: 'The audit log, newest first',
        description:
          'Filters: `field=value` or `field[op]=value`; e.g. `correlationId`, `resourceId`, `action`.',
        querystring: listQuerySchema(AUDIT_FIELDS),
        response: withErrors({ 200: { ...Type.Array(EventLogDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, AUDIT_FIELDS)
      const { items, total } = await listAuditEvents(db, actorOf(request), query)
      setTotal(reply, total)
      return items.map(presentEventLog)
    },
  )
}
