import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { invalid } from '../../domain/errors.ts'
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  listOrganizations,
  ORGANIZATION_FIELDS,
  updateOrganization,
} from '../../domain/organizations.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import { presentOrganization } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import {
  OrganizationCreate,
  OrganizationDto,
  OrganizationUpdate,
  ResellerItemParams,
  ResellerParams,
} from './schemas.ts'

const tags = ['v3 organizations']

/**
 * Cryptlex's organization models carry a resellerId; here the path names the reseller, and an
 * organization never moves between resellers, so a body that names another one is refused.
 */
function assertSameReseller(bodyResellerId: string | null | undefined, pathResellerId: string): void {
  if (bodyResellerId && bodyResellerId.toLowerCase() !== pathResellerId.toLowerCase())
    throw invalid('resellerId', 'resellerId, when given, must be the reseller of the path.')
}

export const organizationRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/resellers/:resellerId/organizations',
    {
      config: { operation: 'CreateResellerOrganization' },
      schema: {
        tags,
        summary: 'Create an organization of a reseller',
        params: ResellerParams,
        body: OrganizationCreate,
        response: withErrors({ 201: OrganizationDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      assertSameReseller(body.resellerId, request.params.resellerId)
      const organization = await db.transaction((tx) =>
        createOrganization(tx, actorOf(request), request.params.resellerId, {
          name: body.name,
          email: body.email,
          description: body.description ?? null,
          allowedUsers: body.allowedUsers ?? -1,
          address: body.address ?? {},
        }),
      )
      return reply.code(201).send(presentOrganization(organization))
    },
  )

  app.get(
    '/resellers/:resellerId/organizations',
    {
      config: { operation: 'GetAllResellerOrganizations' },
      schema: {
        tags,
        summary: "List a reseller's organizations",
        params: ResellerParams,
        querystring: listQuerySchema(ORGANIZATION_FIELDS, { search: 'name or email' }),
        response: withErrors({ 200: { ...Type.Array(OrganizationDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, ORGANIZATION_FIELDS)
      const { items, total } = await listOrganizations(db, actorOf(request), request.params.resellerId, query)
      setTotal(reply, total)
      return items.map(presentOrganization)
    },
  )

  app.get(
    '/resellers/:resellerId/organizations/:id',
    {
      config: { operation: 'GetResellerOrganization' },
      schema: {
        tags,
        summary: 'Get an organization',
        params: ResellerItemParams,
        response: withErrors({ 200: OrganizationDto }),
      },
    },
    async (request) =>
      presentOrganization(
        await getOrganization(db, actorOf(request), request.params.resellerId, request.params.id),
      ),
  )

  app.patch(
    '/resellers/:resellerId/organizations/:id',
    {
      config: { operation: 'UpdateResellerOrganization' },
      schema: {
        tags,
        summary: 'Update an organization',
        params: ResellerItemParams,
        body: OrganizationUpdate,
        response: withErrors({ 200: OrganizationDto }),
      },
    },
    async (request) => {
      const body = request.body
      assertSameReseller(body.resellerId, request.params.resellerId)
      const organization = await db.transaction((tx) =>
        updateOrganization(tx, actorOf(request), request.params.resellerId, request.params.id, {
          name: body.name ?? undefined,
          email: body.email ?? undefined,
          description: body.description,
          allowedUsers: body.allowedUsers ?? undefined,
          address: body.address ?? undefined,
        }),
      )
      return presentOrganization(organization)
    },
  )

  app.delete(
    '/resellers/:resellerId/organizations/:id',
    {
      config: { operation: 'DeleteResellerOrganization' },
      schema: {
        tags,
        summary: 'Delete an organization (refused while it has users)',
        params: ResellerItemParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) =>
        deleteOrganization(tx, actorOf(request), request.params.resellerId, request.params.id),
      )
      return reply.code(204).send(null)
    },
  )
}
