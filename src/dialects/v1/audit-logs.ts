import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAuditEvents } from '../../domain/audit/list.ts'
import type { AuditEvent } from '../../domain/audit/record.ts'
import { assertStorableDate } from '../../domain/dates.ts'
import { invalid } from '../../domain/errors.ts'
import { assertResellerReach } from '../../domain/reach.ts'
import { actorOf } from '../../http/request-context.ts'
import type { Filter } from '../../query/language.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { v1Page } from './paging.ts'
import { AuditLogItem, AuditLogQuery, paged, TenantHeaders } from './schemas.ts'

/** StartDate's default: one month ago (as .NET's DateTime.UtcNow.AddMonths(-1)). */
function aMonthAgo(now: Date): Date {
  const date = new Date(now)
  const day = date.getUTCDate()
  date.setUTCDate(1)
  date.setUTCMonth(date.getUTCMonth() - 1)
  // The 31st of March a month back is the last of February, not the 3rd of March.
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate()
  date.setUTCDate(Math.min(day, lastDay))
  return date
}

/** A date as a .NET client sends it; without a zone it is UTC, a bare date its midnight. */
function instantOf(value: string, field: string): Date {
  // An hour-only offset (+01), which the pattern takes as .NET writes it, is one JavaScript does not read.
  const normalized = value.replace(' ', 'T').replace(/(T[\d:.]+[+-]\d{2})$/, '$1:00')
  const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(normalized) && normalized.includes('T')
  const date = new Date(hasZone ? normalized : `${normalized}${normalized.includes('T') ? '' : 'T00:00:00'}Z`)
  if (Number.isNaN(date.getTime())) throw invalid(field, `${field} is not a valid date.`)
  return assertStorableDate(date, field)
}

// A refused request changes nothing and writes no event, but a failed authentication is recorded: `….failed`.
const FAILED = '.failed'

const present = (event: AuditEvent) => ({
  id: event.id,
  date: event.occurredAt.toISOString(),
  operation: event.action,
  status: event.action.endsWith(FAILED) ? 'Failed' : 'Succeeded',
  resourceType: event.resource,
  resourceId: event.resourceId,
  resellerId: event.resellerId,
  actorType: event.actor.type,
  actorId: event.actor.id,
  correlationId: event.correlationId,
  ipAddress: event.ipAddress,
  userAgent: event.userAgent,
  changes: event.changes.map((c) => ({ propertyName: c.field, oldValue: c.from, newValue: c.to })),
})

export const auditLogRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/AuditLogs',
    {
      config: { operation: 'GetAuditLogsV1' },
      schema: {
        tags: ['v1 audit logs'],
        summary: 'The audit log, newest first',
        description:
          'Every change made through either dialect or the token endpoint. A reseller token sees its own events. Available to the roles: csp, reseller.',
        headers: TenantHeaders,
        querystring: AuditLogQuery,
        response: withErrors({ 200: paged(AuditLogItem) }),
      },
    },
    async (request) => {
      const q = request.query
      const actor = actorOf(request)
      const page = v1Page(q.PageNumber, q.PageSize)
      const now = new Date()
      const end = q.EndDate ? instantOf(q.EndDate, 'EndDate') : now
      const start = q.StartDate ? instantOf(q.StartDate, 'StartDate') : aMonthAgo(now)
      const filters: Filter[] = [
        { field: 'createdAt', op: 'gte', value: start.toISOString() },
        { field: 'createdAt', op: 'lte', value: end.toISOString() },
      ]
      if (q.resellerId) {
        assertResellerReach(actor, q.resellerId)
        filters.push({ field: 'resellerId', op: 'eq', value: q.resellerId })
      }
      // CloudCockpit separates operations with |; commas and repeated parameters are taken too.
      const operations = (q.Operations ?? [])
        .flatMap((v) => v.split(/[|,]/))
        .map((v) => v.trim())
        .filter(Boolean)
      if (operations.length > 0) filters.push({ field: 'action', op: 'in', value: operations.join(',') })
      // An event is written when its change commits: none is still Processing.
      if (q.Status?.toLowerCase() === 'processing') return page.of([], 0)
      if (q.Status)
        filters.push({
          field: 'action',
          op: q.Status.toLowerCase() === 'failed' ? 'ew' : 'nc',
          value: FAILED,
        })
      if (q.Reseller) filters.push({ field: 'resellerName', op: 'cn', value: q.Reseller })
      if (q.Customer) filters.push({ field: 'organizationName', op: 'cn', value: q.Customer })
      const { items, total } = await listAuditEvents(db, actor, {
        filters,
        sort: [{ field: 'createdAt', isDescending: true }],
        search: null,
        ...page.window,
      })
      return page.of(items.map(present), total)
    },
  )
}
