import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  claimsByResource,
  createRole,
  deleteRole,
  getRole,
  listRoles,
  ROLE_FIELDS,
  updateRole,
} from '../../domain/roles.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentRole } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import { IdParams, RoleCreate, RoleDto, RoleUpdate } from './schemas.ts'

const tags = ['v3 roles']

export const roleRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/roles',
    {
      config: { operation: 'GetAllRoles' },
      schema: {
        tags,
        summary: 'List roles (the built-ins reseller-admin, organization-admin and user, and custom roles)',
        querystring: listQuerySchema(ROLE_FIELDS, { search: 'name' }),
        response: withErrors({ 200: { ...Type.Array(RoleDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, ROLE_FIELDS)
      const { items, total } = await listRoles(db, actorOf(request), query)
      setTotal(reply, total)
      return items.map(presentRole)
    },
  )

  app.get(
    '/roles/claims',
    {
      config: { operation: 'GetClaimsRole' },
      schema: {
        tags,
        summary: 'List the claims a role may hold, by resource',
        description:
          'Every claim (permission) a role can be given, grouped by the resource it acts on. `roleType` is accepted for Cryptlex clients; the claims are the same for every role.',
        querystring: Type.Object({ roleType: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: withErrors({
          200: Type.Record(Type.String(), Type.Array(Type.String()), {
            description: 'Claims by resource, e.g. {"reseller:user": ["reseller:user:read", …]}.',
          }),
        }),
      },
    },
    async () => claimsByResource(),
  )

  app.post(
    '/roles',
    {
      config: { operation: 'CreateRole' },
      schema: {
        tags,
        summary: 'Create a custom role',
        description: 'Fires the webhook event role.created.',
        body: RoleCreate,
        response: withErrors({ 201: RoleDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const role = await db.transaction((tx) =>
        createRole(tx, actorOf(request), {
          name: body.name,
          description: body.description ?? null,
          claims: body.claims,
        }),
      )
      return reply.code(201).send(presentRole(role))
    },
  )

  app.get(
    '/roles/:id',
    {
      config: { operation: 'GetRole' },
      schema: { tags, summary: 'Get a role', params: IdParams, response: withErrors({ 200: RoleDto }) },
    },
    async (request) => presentRole(await getRole(db, actorOf(request), request.params.id)),
  )

  app.patch(
    '/roles/:id',
    {
      config: { operation: 'UpdateRole' },
      schema: {
        tags,
        summary: 'Update a custom role (a role in use keeps its name; built-ins are read-only)',
        description: 'Fires the webhook event role.updated.',
        params: IdParams,
        body: RoleUpdate,
        response: withErrors({ 200: RoleDto }),
      },
    },
    async (request) => {
      const body = request.body
      const role = await db.transaction((tx) =>
        updateRole(tx, actorOf(request), request.params.id, {
          name: body.name ?? undefined,
          description: body.description,
          claims: body.claims ?? undefined,
        }),
      )
      return presentRole(role)
    },
  )

  app.delete(
    '/roles/:id',
    {
      config: { operation: 'DeleteRole' },
      schema: {
        tags,
        summary: 'Delete a custom role (not a built-in one, nor one that users hold)',
        description: 'Fires the webhook event role.deleted.',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) => deleteRole(tx, actorOf(request), request.params.id))
      return reply.code(204).send(null)
    },
  )
}
