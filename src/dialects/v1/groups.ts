import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listGroups } from '../../domain/groups.ts'
import { actorOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { v1Page } from './paging.ts'
import { Group, PageQuery, paged, TenantHeaders } from './schemas.ts'

export const groupRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/users/groups',
    {
      config: { operation: 'GetUserGroupsV1' },
      schema: {
        tags: ['v1 users'],
        summary: "The tenant's user groups",
        headers: TenantHeaders,
        querystring: PageQuery,
        response: withErrors({ 200: paged(Group) }),
      },
    },
    async (request) => {
      const page = v1Page(request.query.pageNumber, request.query.pageSize)
      const { items, total } = await listGroups(db, actorOf(request), {
        ...page.window,
      })
      return page.of(items, total)
    },
  )
}
