// The platform operator's tenants: create (with a first csp client), list, get, rename, disable.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SCOPES } from '../auth/scopes.ts'
import { systemActor } from '../domain/actor.ts'
import { createClient } from '../domain/clients.ts'
import { createTenant, getTenant, listTenants, type Tenant, updateTenant } from '../domain/tenants.ts'
import { PageNumber } from '../http/input.ts'
import { actorOf } from '../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../http/total-count.ts'
import type { AppDeps } from '../services.ts'
import { withErrors } from './errors.ts'

const DOMAIN_PATTERN =
  '^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$'

const RateLimit = Type.Object(
  {
    max: Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000,
      description: 'Requests per window for each client of the tenant; 0: no limit.',
    }),
    windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
)
const TenantDto = Type.Object(
  {
    id: Type.String(),
    domain: Type.String(),
    name: Type.String(),
    disabled: Type.Boolean(),
    rateLimit: Type.Union([RateLimit, Type.Null()], {
      description:
        "The tenant's own rate limit per client; null: the service's (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S).",
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)
const TenantCreatedDto = Type.Object(
  {
    ...TenantDto.properties,
    client: Type.Object(
      {
        clientId: Type.String(),
        clientSecret: Type.String({ description: 'Shown only in this response; store it now.' }),
        scopes: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
const TenantCreate = Type.Object(
  {
    domain: Type.String({
      pattern: DOMAIN_PATTERN,
      description: 'Lower-case domain name, e.g. portal.example.com.',
    }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
)
const TenantUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    disabled: Type.Optional(Type.Boolean({ description: 'false re-enables a disabled tenant.' })),
    rateLimit: Type.Optional(
      Type.Union([RateLimit, Type.Null()], { description: "null: back to the service's default." }),
    ),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Type.String() })
const ListQuery = Type.Object(
  {
    page: Type.Optional(PageNumber({ default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  },
  { additionalProperties: false },
)

const present = (t: Tenant) => ({
  id: t.id,
  domain: t.domain,
  name: t.name,
  disabled: t.disabledAt !== null,
  rateLimit: t.rateLimit,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
})

const tags = ['platform']

export const tenantRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, options) => {
  const { db, principals } = options

  app.post(
    '/tenants',
    {
      config: { operation: 'CreateTenant' },
      schema: {
        tags,
        summary: "Create a tenant and its first csp client (the client's secret is shown only here)",
        body: TenantCreate,
        response: withErrors({ 201: TenantCreatedDto }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      const { tenant, clientId, clientSecret } = await db.transaction(async (tx) => {
        const created = await createTenant(tx, actor, request.body)
        const { client, clientSecret: secret } = await createClient(
          tx,
          { ...systemActor(created.id, actor.correlationId), type: actor.type, id: actor.id },
          { name: 'First csp client', role: 'csp', resellerId: null, scopes: [...SCOPES] },
          options.pepper,
        )
        return { tenant: created, clientId: client.clientId, clientSecret: secret }
      })
      reply.header('Cache-Control', 'no-store')
      return reply
        .code(201)
        .send({ ...present(tenant), client: { clientId, clientSecret, scopes: [...SCOPES] } })
    },
  )

  app.get(
    '/tenants',
    {
      config: { operation: 'GetAllTenants' },
      schema: {
        tags,
        summary: 'List tenants',
        querystring: ListQuery,
        response: withErrors({ 200: { ...Type.Array(TenantDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 10
      const { items, total } = await listTenants(db, actorOf(request), { offset: (page - 1) * limit, limit })
      setTotal(reply, total)
      return items.map(present)
    },
  )

  app.get(
    '/tenants/:id',
    {
      config: { operation: 'GetTenant' },
      schema: { tags, summary: 'Get a tenant', params: IdParams, response: withErrors({ 200: TenantDto }) },
    },
    async (request) => present(await getTenant(db, actorOf(request), request.params.id)),
  )

  app.patch(
    '/tenants/:id',
    {
      config: { operation: 'UpdateTenant' },
      schema: {
        tags,
        summary: 'Rename a tenant, disable / re-enable it, or set its rate limit',
        params: IdParams,
        body: TenantUpdate,
        response: withErrors({ 200: TenantDto }),
      },
    },
    async (request) => {
      const tenant = await db.transaction((tx) =>
        updateTenant(tx, actorOf(request), request.params.id, {
          name: request.body.name,
          isDisabled: request.body.disabled,
          rateLimit: request.body.rateLimit,
        }),
      )
      if (tenant.disabledAt) principals.forgetAll()
      app.limits.forgetTenant(tenant.id)
      return present(tenant)
    },
  )

  app.delete(
    '/tenants/:id',
    {
      config: { operation: 'DeleteTenant' },
      schema: {
        tags,
        summary: 'Disable a tenant: its clients and tokens stop working; its data is kept',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) =>
        updateTenant(tx, actorOf(request), request.params.id, { isDisabled: true }),
      )
      principals.forgetAll()
      return reply.code(204).send(null)
    },
  )
}
