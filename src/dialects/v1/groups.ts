import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listGroups } from '../../domain/groups.ts'
import { actorOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { ROLES, withErrors } from './common.ts'
import { pageOf } from './paging.ts'
import { Group, PageQuery, paged, TenantHeaders } from './schemas.ts'

export const groupRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/users/groups',
    {
      config: ROLES,
      schema: {
        tags: ['v1 users'],
        summary: "The tenant's user groups",
        headers: TenantHeaders,
        querystring: PageQuery,
        response: withErrors({ 200: paged(Group) }),
      },
    },
    async (request) => {
      const pageNumber = request.query.pageNumber ?? 1
      const pageSize = request.query.pageSize ?? 25
      const { items, total } = await listGroups(db, actorOf(request), {
        offset: (pageNumber - 1) * pageSize,
        limit: pageSize,
      })
      return pageOf(items, total, pageNumber, pageSize)
    },
  )
}
