import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Actor } from '../../domain/actor.ts'
import { createUserWithPassword } from '../../domain/users/create.ts'
import { deleteUser } from '../../domain/users/delete.ts'
import { getUser } from '../../domain/users/get.ts'
import { exportUsers, listUsers, USER_FIELDS } from '../../domain/users/list.ts'
import { unlockUser } from '../../domain/users/lockout.ts'
import { displayName, type User } from '../../domain/users/model.ts'
import { setUserPassword } from '../../domain/users/password.ts'
import { updateUser } from '../../domain/users/update.ts'
import { PageNumber } from '../../http/input.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import type { ListQuery } from '../../query/language.ts'
import { presentUser } from '../../representations/cryptlex.ts'
import { isoTime } from '../../representations/iso-time.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { csvCell, sendCsv } from './csv.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import {
  PasswordChange,
  ResellerItemParams,
  ResellerParams,
  UserCreate,
  UserDto,
  UserUpdate,
} from './schemas.ts'

const tags = ['v3 users']
const UserListQuery = listQuerySchema(USER_FIELDS, { search: 'name or email' })
const CSV_COLUMNS = [
  'id',
  'createdAt',
  'updatedAt',
  'name',
  'firstName',
  'lastName',
  'email',
  'role',
  'organizationId',
  'company',
  'twoFactorEnabled',
  'googleSsoEnabled',
  'lastLoginAt',
] as const

/**
 * The export's query: the list's, with page and limit optional and no default (without either, every
 * matching user). Omit drops additionalProperties: an unknown filter must be refused here as in the list.
 */
const UserExportQuery = Type.Object(
  {
    ...Type.Omit(UserListQuery, ['page', 'limit']).properties,
    page: Type.Optional(PageNumber({ description: 'With limit (10 unless given): export this page only.' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'With page (1 unless given): export one page.' }),
    ),
  },
  { additionalProperties: false },
)

/** How many users a sorted export reads a list page at a time. */
const SORTED_EXPORT_BATCH = 1000

/**
 * A sorted export, or one page of the list: the list's own pages (its sort and reading), in turn. Without a
 * sort or a page, the export reads in creation order by keyset (exportUsers) instead.
 */
async function* listedUsers(
  db: AppDeps['db'],
  actor: Actor,
  resellerId: string,
  query: ListQuery,
  isOnePage: boolean,
): AsyncGenerator<User[]> {
  const scope = { resellerId }
  if (isOnePage) {
    const { items } = await listUsers(db, actor, scope, query)
    if (items.length > 0) yield items
    return
  }
  for (let offset = 0; ; offset += SORTED_EXPORT_BATCH) {
    const { items } = await listUsers(db, actor, scope, { ...query, offset, limit: SORTED_EXPORT_BATCH })
    if (items.length > 0) yield items
    if (items.length < SORTED_EXPORT_BATCH) return
  }
}

/**
 * One user's CSV line: the cells of presentUser's CSV_COLUMNS, in that order, written straight from the user
 * (no DTO object per row: the export's hot path). Ids, times and booleans never need quoting or defusing;
 * text cells go through csvCell. The cells are joined by Array#join, which writes one flat string: a template
 * of two dozen parts is a tree of strings that writing the batch then flattens, 0.5 µs a line more. Times by
 * isoTime (toISOString's text at a seventh of its cost). test/v3/users-export.test.ts holds it to presentUser.
 */
function csvOf(u: User): string {
  const created = isoTime(u.createdAt)
  // A user never changed since its creation (most of them) has the same time twice: format it once.
  const updated = u.updatedAt.getTime() === u.createdAt.getTime() ? created : isoTime(u.updatedAt)
  return [
    u.id,
    created,
    updated,
    csvCell(displayName(u)),
    csvCell(u.firstName),
    csvCell(u.lastName),
    csvCell(u.email),
    csvCell(u.role),
    u.organizationId ?? '',
    csvCell(u.company),
    u.twoFactorEnabled,
    u.googleSsoEnabled,
    u.lastLoginAt ? `${isoTime(u.lastLoginAt)}\r\n` : '\r\n',
  ].join(',')
}

/** The users of a reseller: create, list, export. */
export const userRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/resellers/:resellerId/users',
    {
      config: { operation: 'CreateResellerUser' },
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
    '/resellers/:resellerId/users',
    {
      config: { operation: 'GetAllResellerUsers' },
      schema: {
        tags,
        summary: "List a reseller's users",
        description:
          'Filters: `field=value` or `field[op]=value` (text: eq, ne, sw, ew, cn, nc, in, nin; ids: eq, ne, in, nin; dates: eq, ne, gt, gte, lt, lte). `search` matches name and email. `sort`: fields separated by `|` or `,`, `-` for descending.',
        params: ResellerParams,
        querystring: UserListQuery,
        response: withErrors({ 200: { ...Type.Array(UserDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, USER_FIELDS)
      const { items, total } = await listUsers(
        db,
        actorOf(request),
        { resellerId: request.params.resellerId },
        query,
      )
      setTotal(reply, total)
      return items.map(presentUser)
    },
  )

  app.get(
    '/resellers/:resellerId/users/export',
    {
      config: { operation: 'ExportResellerUsers' },
      schema: {
        tags,
        summary: "Export a reseller's users as CSV",
        description:
          'The list filters and `search` apply; rows come in creation order, or in the order `sort` names, streamed. `page` and `limit` (as in the list) export that page only; without them, every matching user. Cells that would start a spreadsheet formula are prefixed with a quote.',
        params: ResellerParams,
        querystring: UserExportQuery,
        response: withErrors({
          200: { description: 'CSV', content: { 'text/csv': { schema: Type.String() } } },
        }),
      },
    },
    async (request, reply) => {
      const raw = request.query as Record<string, unknown>
      const query = parseListQuery(raw, USER_FIELDS)
      const isOnePage = raw.page !== undefined || raw.limit !== undefined
      const batches =
        isOnePage || query.sort.length > 0
          ? listedUsers(db, actorOf(request), request.params.resellerId, query, isOnePage)
          : exportUsers(db, actorOf(request), request.params.resellerId, query.filters, query.search)
      return sendCsv(reply, 'users.csv', CSV_COLUMNS, batches, csvOf)
    },
  )
}

/** One user's routes: get, update, delete, set the password. */
export const userItemRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, principals }) => {
  app.get(
    '/resellers/:resellerId/users/:id',
    {
      config: { operation: 'GetResellerUser' },
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

  app.patch(
    '/resellers/:resellerId/users/:id',
    {
      config: { operation: 'UpdateResellerUser' },
      schema: {
        tags,
        summary: 'Update a reseller user',
        description:
          'Every field is optional; an absent or null field stays as it is, except lastName, company and organizationId, which null clears. Fires reseller.user.updated.',
        params: ResellerItemParams,
        body: UserUpdate,
        response: withErrors({ 200: UserDto }),
      },
    },
    async (request) => {
      const body = request.body
      const user = await db.transaction((tx) =>
        updateUser(tx, actorOf(request), request.params.resellerId, request.params.id, {
          firstName: body.firstName ?? undefined,
          lastName: body.lastName === null ? '' : body.lastName,
          email: body.email ?? undefined,
          role: body.role ?? undefined,
          company: body.company,
          organizationId: body.organizationId === '' ? null : body.organizationId,
          allowCustomerPortalAccess: body.allowCustomerPortalAccess ?? undefined,
        }),
      )
      return presentUser(user)
    },
  )

  app.delete(
    '/resellers/:resellerId/users/:id',
    {
      config: { operation: 'DeleteResellerUser' },
      schema: {
        tags,
        summary: 'Delete a reseller user',
        description:
          'The user leaves every read in both dialects and its email becomes free; the record and its audit history stay. Fires reseller.user.deleted.',
        params: ResellerItemParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) =>
        deleteUser(tx, actorOf(request), request.params.resellerId, request.params.id),
      )
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/resellers/:resellerId/users/:id/password',
    {
      config: { operation: 'SetResellerUserPassword' },
      schema: {
        tags,
        summary: "Set a reseller user's password",
        description:
          'Every session of the user ends (its refresh tokens at once, its access tokens within 30 s).',
        params: ResellerItemParams,
        body: PasswordChange,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const revoked = await setUserPassword(
        db,
        actorOf(request),
        request.params.resellerId,
        request.params.id,
        request.body.password,
      )
      principals.forgetSessions(revoked)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/resellers/:resellerId/users/:id/unlock',
    {
      config: { operation: 'UnlockResellerUser' },
      schema: {
        tags,
        summary: "Lift a reseller user's sign-in lock",
        description:
          'Ends the lock that LOGIN_MAX_FAILURES failed sign-ins put on the account, and forgets the failures. Records user.unlocked when there was anything to lift; a user who is not locked answers 204 too.',
        params: ResellerItemParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) =>
        unlockUser(tx, actorOf(request), request.params.resellerId, request.params.id),
      )
      return reply.code(204).send(null)
    },
  )
}
