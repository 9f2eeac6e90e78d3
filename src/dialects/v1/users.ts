import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { invalid } from '../../domain/errors.ts'
import { assertGroupIds } from '../../domain/groups.ts'
import { createUserWithPassword } from '../../domain/users/create.ts'
import { deleteUser } from '../../domain/users/delete.ts'
import { findUserByEmail } from '../../domain/users/get.ts'
import { listUsers } from '../../domain/users/list.ts'
import type { CreateUserInput, User } from '../../domain/users/model.ts'
import { updateUser } from '../../domain/users/update.ts'
import { actorOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { sendCreatedId, withErrors } from './common.ts'
import { v1Page } from './paging.ts'
import {
  EmailParams,
  paged,
  ResellerParams,
  ResellerQuery,
  TenantHeaders,
  UserCreate,
  UserItem,
  UserListQuery,
} from './schemas.ts'

const tags = ['v1 users']

export const presentUser = (user: User) => ({
  id: user.id,
  firstName: user.firstName,
  lastName: user.lastName,
  email: user.email,
  role: { name: user.role },
  groups: user.groups.map((g) => ({ id: g.id, name: g.name })),
})

/** A v1 create's body as the core's create input (v1 users have no company, no portal access, no password yet). */
export const createInputOf = (
  body: UserCreate,
  organizationId: string | null,
): Omit<CreateUserInput, 'passwordHash'> => ({
  id: body.id,
  organizationId,
  firstName: body.firstName,
  lastName: body.lastName,
  email: body.email,
  role: body.role?.name ?? null,
  company: null,
  allowCustomerPortalAccess: false,
  groupIds: body.groups.map((group) => group.id),
})

/** `groups=a&groups=b` and `groups=a,b` alike. */
const splitList = (values: string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)

export const userRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/reseller/:resellerId/users',
    {
      config: { operation: 'CreateResellerUserV1' },
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
      const user = await createUserWithPassword(db, actorOf(request), request.params.resellerId, {
        ...createInputOf(request.body, null),
        password: null,
      })
      return sendCreatedId(reply, user.id)
    },
  )

  app.get(
    '/users',
    {
      config: { operation: 'GetUsersV1' },
      schema: {
        tags,
        summary: 'List users',
        description:
          'A reseller token sees its own users; a csp token sees every user of the tenant, or one reseller’s with resellerId. Available to the roles: csp, reseller.',
        headers: TenantHeaders,
        querystring: UserListQuery,
        response: withErrors({ 200: paged(UserItem) }),
      },
    },
    async (request) => {
      const q = request.query
      const page = v1Page(q.pageNumber, q.pageSize)
      const field = (q.sortPropertyName ?? 'Name').toLowerCase() === 'email' ? 'email' : 'name'
      // Named here, under the query parameter the client sent: the core would name a body path (groups[0].id).
      const groupIds = splitList(q.groups)
      assertGroupIds(groupIds, () => 'groups')
      const { items, total } = await listUsers(
        db,
        actorOf(request),
        { resellerId: q.resellerId ?? null, groupIds },
        {
          filters: [],
          sort: [{ field, isDescending: q.ascending === false }],
          search: q.search || null,
          ...page.window,
        },
      )
      return page.of(items.map(presentUser), total)
    },
  )

  app.patch(
    '/users/:email',
    {
      config: { operation: 'UpdateUserV1' },
      schema: {
        tags,
        summary: 'Update a user',
        description:
          'The body is the one of create: names, email, role ({ } keeps the role) and groups (replaced). The email in the path matches case-insensitively. Available to the roles: csp, reseller.',
        headers: TenantHeaders,
        params: EmailParams,
        querystring: ResellerQuery,
        body: UserCreate,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const actor = actorOf(request)
      await db.transaction(async (tx) => {
        const user = await findUserByEmail(tx, actor, request.params.email, request.query.resellerId ?? null)
        if (body.id !== undefined && body.id.toLowerCase() !== user.id)
          throw invalid('id', 'id cannot change; leave it out or send the user’s own id.')
        await updateUser(tx, actor, user.resellerId, user.id, {
          firstName: body.firstName,
          lastName: body.lastName,
          email: body.email,
          role: body.role?.name,
          groupIds: body.groups.map((group) => group.id),
        })
      })
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/users/:email',
    {
      config: { operation: 'DeleteUserV1' },
      schema: {
        tags,
        summary: 'Delete a user',
        description:
          'Soft delete: the user leaves every read and its email becomes free; its record and audit history stay. Available to the roles: csp, reseller.',
        headers: TenantHeaders,
        params: EmailParams,
        querystring: ResellerQuery,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      await db.transaction(async (tx) => {
        const user = await findUserByEmail(tx, actor, request.params.email, request.query.resellerId ?? null)
        await deleteUser(tx, actor, user.resellerId, user.id)
      })
      return reply.code(204).send(null)
    },
  )
}
