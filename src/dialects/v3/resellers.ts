import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  createReseller,
  deleteReseller,
  getReseller,
  listResellers,
  RESELLER_FIELDS,
  updateReseller,
} from '../../domain/resellers.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentReseller } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import { IdParams, ResellerCreate, ResellerDto, ResellerUpdate } from './schemas.ts'

const tags = ['v3 resellers']

export const resellerRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, principals }) => {
  app.post(
    '/resellers',
    {
      config: { operation: 'CreateReseller' },
      schema: {
        tags,
        summary: 'Create a reseller',
        body: ResellerCreate,
        response: withErrors({ 201: ResellerDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const reseller = await db.transaction((tx) =>
        createReseller(tx, actorOf(request), {
          name: body.name,
          email: body.email,
          description: body.description ?? null,
          allowedUsers: body.allowedUsers ?? -1,
          allowedOrganizations: body.allowedOrganizations ?? -1,
        }),
      )
      return reply.code(201).send(presentReseller(reseller))
    },
  )

  app.get(
    '/resellers',
    {
      config: { operation: 'GetAllResellers' },
      schema: {
        tags,
        summary: 'List resellers',
        querystring: listQuerySchema(RESELLER_FIELDS, { search: 'name or email' }),
        response: withErrors({ 200: { ...Type.Array(ResellerDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, RESELLER_FIELDS)
      const { items, total } = await listResellers(db, actorOf(request), query)
      setTotal(reply, total)
      return items.map(presentReseller)
    },
  )

  app.get(
    '/resellers/:id',
    {
      config: { operation: 'GetReseller' },
      schema: {
        tags,
        summary: 'Get a reseller',
        params: IdParams,
        response: withErrors({ 200: ResellerDto }),
      },
    },
    async (request) => presentReseller(await getReseller(db, actorOf(request), request.params.id)),
  )

  app.patch(
    '/resellers/:id',
    {
      config: { operation: 'UpdateReseller' },
      schema: {
        tags,
        summary: 'Update a reseller',
        params: IdParams,
        body: ResellerUpdate,
        response: withErrors({ 200: ResellerDto }),
      },
    },
    async (request) => {
      const body = request.body
      const reseller = await db.transaction((tx) =>
        updateReseller(tx, actorOf(request), request.params.id, {
          // null leaves a required field as it is, and clears an optional one.
          name: body.name ?? undefined,
          email: body.email ?? undefined,
          description: body.description,
          allowedUsers: body.allowedUsers ?? undefined,
          allowedOrganizations: body.allowedOrganizations ?? undefined,
        }),
      )
      return presentReseller(reseller)
    },
  )

  app.delete(
    '/resellers/:id',
    {
      config: { operation: 'DeleteReseller' },
      schema: {
        tags,
        summary: 'Delete a reseller (refused while it has users or organizations)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const revoked = await db.transaction((tx) => deleteReseller(tx, actorOf(request), request.params.id))
      // Its clients were revoked with it: forget them in this process at once.
      for (const clientId of revoked) principals.forget(clientId)
      return reply.code(204).send(null)
    },
  )
}
