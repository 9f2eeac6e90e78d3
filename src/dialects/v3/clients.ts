import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createClient, deleteClient, listClients } from '../../domain/clients.ts'
import { PageNumber } from '../../http/input.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentClient } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { ClientCreate, ClientCreatedDto, ClientDto, IdParams } from './schemas.ts'

const tags = ['v3 API clients']
const ListQuery = Type.Object(
  {
    page: Type.Optional(PageNumber({ default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  },
  { additionalProperties: false },
)

export const clientRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, principals, pepper }) => {
  app.post(
    '/clients',
    {
      config: { operation: 'CreateClient' },
      schema: {
        tags,
        summary: 'Create an API client (its secret is shown only in this response)',
        body: ClientCreate,
        response: withErrors({ 201: ClientCreatedDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const { client, clientSecret } = await db.transaction((tx) =>
        createClient(
          tx,
          actorOf(request),
          {
            name: body.name,
            role: body.role,
            resellerId: body.resellerId ?? null,
            scopes: body.scopes,
          },
          pepper,
        ),
      )
      reply.header('Cache-Control', 'no-store')
      return reply.code(201).send({ ...presentClient(client), clientSecret })
    },
  )

  app.get(
    '/clients',
    {
      config: { operation: 'GetAllClients' },
      schema: {
        tags,
        summary: 'List API clients',
        querystring: ListQuery,
        response: withErrors({ 200: { ...Type.Array(ClientDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 10
      const { items, total } = await listClients(db, actorOf(request), { offset: (page - 1) * limit, limit })
      setTotal(reply, total)
      return items.map(presentClient)
    },
  )

  app.delete(
    '/clients/:id',
    {
      config: { operation: 'DeleteClient' },
      schema: {
        tags,
        summary: 'Revoke an API client (its tokens stop working within 60 s)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const client = await db.transaction((tx) => deleteClient(tx, actorOf(request), request.params.id))
      principals.forget(client.id)
      return reply.code(204).send(null)
    },
  )
}
