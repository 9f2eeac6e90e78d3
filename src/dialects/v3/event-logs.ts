// The audit log in Cryptlex's shape: the list, one event, its CSV export and the names of its resources.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type } from 'typebox'
import { AUDIT_FIELDS, exportAuditEvents, getAuditEvent, listAuditEvents } from '../../domain/audit/list.ts'
import type { AuditEvent } from '../../domain/audit/record.ts'
import { EVENT_RESOURCES } from '../../domain/catalogue.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentEventLog } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { csvRow, sendCsv } from './csv.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import { EventLogDto, IdParams } from './schemas.ts'

const tags = ['v3 event logs']
const FILTERS =
  'Filters: `field=value` or `field[op]=value`; e.g. `correlationId`, `resourceId`, `action`. `userId`, `user.email` and `actorEmail` select the events users did (actor type user); `search` looks in the action, resource, resource id and correlation id, caseless.'

/** The export's columns: EventLogDto's fields, in its order (changes as JSON text). */
const CSV_COLUMNS = Object.keys(EventLogDto.properties) as (keyof Static<typeof EventLogDto>)[]

function csvOf(event: AuditEvent): string {
  const dto = presentEventLog(event)
  return csvRow(
    CSV_COLUMNS.map((column) => (column === 'changes' ? JSON.stringify(dto.changes) : dto[column])),
  )
}

export const eventLogRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  const listQuery = listQuerySchema(AUDIT_FIELDS, {
    search: 'action, resource, resource id or correlation id',
  })

  app.get(
    '/event-logs',
    {
      config: { operation: 'GetAllEventLogs' },
      schema: {
        tags,
        summary: 'The audit log, newest first',
        description: FILTERS,
        querystring: listQuery,
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

  app.get(
    '/event-logs/resources',
    {
      config: { operation: 'GetResourcesEventLog' },
      schema: {
        tags,
        summary: 'The resources the audit log records events of',
        description:
          'Cryptlex answers this to any valid token; here it needs eventLog:read, as every tenant operation names its scope (the one authorization table has no scope-less one).',
        response: withErrors({ 200: Type.Array(Type.String()) }),
      },
    },
    async (request) => {
      actorOf(request)
      return [...EVENT_RESOURCES]
    },
  )

  app.get(
    '/event-logs/export',
    {
      config: { operation: 'ExportEventLogs' },
      schema: {
        tags,
        summary: 'Export the audit log as CSV',
        description: `The list's filters apply; rows come newest first, streamed, with EventLogDto's fields as columns (changes as JSON). Cells that would start a spreadsheet formula are prefixed with a quote. ${FILTERS}`,
        // Omit drops additionalProperties: an unknown filter must be refused here as in the list.
        querystring: Type.Omit(listQuery, ['page', 'limit', 'sort'], { additionalProperties: false }),
        response: withErrors({
          200: { description: 'CSV', content: { 'text/csv': { schema: Type.String() } } },
        }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, AUDIT_FIELDS)
      const batches = exportAuditEvents(db, actorOf(request), query.filters, query.search)
      return sendCsv(reply, 'event-logs.csv', CSV_COLUMNS, batches, csvOf)
    },
  )

  app.get(
    '/event-logs/:id',
    {
      config: { operation: 'GetEventLog' },
      schema: {
        tags,
        summary: 'Get one event of the audit log',
        params: IdParams,
        response: withErrors({ 200: EventLogDto }),
      },
    },
    async (request) => presentEventLog(await getAuditEvent(db, actorOf(request), request.params.id)),
  )
}
