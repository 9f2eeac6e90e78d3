import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../../app-deps.ts'
import { createUserWithPassword, getUser } from '../../domain/users.ts'
import { actorOf } from '../../plugins/request-context.ts'
import { withErrors } from './common.ts'
import { presentUser } from './present.ts'
import { ResellerItemParams, ResellerParams, UserCreate, UserDto } from './schemas.ts'

const tags = ['v3 users']

export const userRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/resellers/:resellerId/users',
    {
      config: { scope: 'reseller:user:create' },
      schema: {
        tags,
        summary: 'Create a reseller user',
        description: 'Fires the webhook event reseller.user.created.',
        params: ResellerParams,
        body: UserCreate,
        response: withErrors({ 201: UserDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const user = await createUserWithPassword(db, actorOf(request), request.params.resellerId, {
        organizationId: body.organizationId || null,
        firstName: body.firstName,
        lastName: body.lastName ?? '',
        email: body.email,
        role: body.role,
        company: body.company ?? null,
        allowCustomerPortalAccess: body.allowCustomerPortalAccess,
        password: body.password,
        groupIds: [],
      })
      return reply.code(201).send(presentUser(user))
    },
  )

  app.get(
    '/resellers/:resellerId/users/:id',
    {
      config: { scope: 'reseller:user:read' },
      schema: {
        tags,
        summary: 'Get a reseller user',
        params: ResellerItemParams,
        response: withErrors({ 200: UserDto }),
      },
    },
    async (request) =>
      presentUser(await getUser(db, actorOf(request), request.params.resellerId, request.params.id)),
  )
}
