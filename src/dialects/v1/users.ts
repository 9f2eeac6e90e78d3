import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppDeps } from '../../app-deps.ts'
import { createUserWithPassword } from '../../domain/users.ts'
import { actorOf } from '../../plugins/request-context.ts'
import { ROLES, withErrors } from './common.ts'
import { ResellerParams, TenantHeaders, UserCreate } from './schemas.ts'

const tags = ['v1 users']

export const userRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/reseller/:resellerId/users',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Create a Reseller User',
        description:
          'Creates a new user under the reseller. Available to the roles: csp, reseller. A user created here has no password until they set one.',
        headers: TenantHeaders,
        params: ResellerParams,
        body: UserCreate,
        response: withErrors({
          201: Type.String({ format: 'uuid', description: 'The id of the new user.' }),
        }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const user = await createUserWithPassword(db, actorOf(request), request.params.resellerId, {
        id: body.id,
        organizationId: null,
        firstName: body.firstName,
        lastName: body.lastName,
        email: body.email,
        role: body.role?.name ?? null,
        company: null,
        allowCustomerPortalAccess: false,
        password: null,
        groupIds: body.groups.map((group) => group.id),
      })
      return reply.code(201).type('application/json; charset=utf-8').send(JSON.stringify(user.id))
    },
  )
}
