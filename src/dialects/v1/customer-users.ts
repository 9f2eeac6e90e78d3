// CloudCockpit's customer users: a customer is one of our organizations, named by its id alone.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { findReachableOrganization } from '../../domain/organizations.ts'
import { createUser } from '../../domain/users/create.ts'
import { listUsers } from '../../domain/users/list.ts'
import { actorOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { sendCreatedId, withErrors } from './common.ts'
import {
  CustomerParams,
  CustomerQuery,
  CustomerUsers,
  MAX_CUSTOMER_USERS,
  TenantHeaders,
  UserCreate,
} from './schemas.ts'
import { createInputOf, presentUser } from './users.ts'

const tags = ['v1 users']
const UNKNOWN =
  'An unknown customer, one out of the token’s reach, or a resellerId that is not the customer’s reseller: 404.'

export const customerUserRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/customer/:customerId/users',
    {
      config: { operation: 'CreateCustomerUserV1' },
      schema: {
        tags,
        summary: 'Create a Customer User',
        description: `Creates a user of the customer, in the customer's reseller: the body and the answer of Create a Reseller User, under both the reseller's and the customer's allowed users. ${UNKNOWN} Available to the roles: csp, reseller.`,
        headers: TenantHeaders,
        params: CustomerParams,
        querystring: CustomerQuery,
        body: UserCreate,
        response: withErrors({
          201: Type.String({ format: 'uuid', description: 'The id of the new user.' }),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      const user = await db.transaction(async (tx) => {
        const customer = await findReachableOrganization(
          tx,
          actor,
          request.params.customerId,
          request.query.resellerId ?? null,
        )
        return createUser(tx, actor, customer.resellerId, {
          ...createInputOf(request.body, customer.id),
          passwordHash: null,
        })
      })
      return sendCreatedId(reply, user.id)
    },
  )

  app.get(
    '/customer/:customerId/users',
    {
      config: { operation: 'GetCustomerUsersV1' },
      schema: {
        tags,
        summary: 'List the users of a customer',
        description: `A bare array, not paged, sorted by name (first and last name, as GET /v1/users sorts by Name). A customer may allow any number of users, so the array holds at most the first ${MAX_CUSTOMER_USERS} (the largest v1 page); GET /v1/users pages through any number. ${UNKNOWN} Available to the roles: csp, reseller.`,
        headers: TenantHeaders,
        params: CustomerParams,
        querystring: CustomerQuery,
        response: withErrors({ 200: CustomerUsers }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const customer = await findReachableOrganization(
        db,
        actor,
        request.params.customerId,
        request.query.resellerId ?? null,
      )
      const { items } = await listUsers(
        db,
        actor,
        { resellerId: customer.resellerId },
        {
          filters: [{ field: 'organizationId', op: 'eq', value: customer.id }],
          sort: [{ field: 'name', isDescending: false }],
          search: null,
          offset: 0,
          limit: MAX_CUSTOMER_USERS,
        },
      )
      return items.map(presentUser)
    },
  )
}
