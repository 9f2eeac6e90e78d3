import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { eventsByGroup } from '../../domain/catalogue.ts'
import {
  DELIVERY_FIELDS,
  DELIVERY_SEARCH,
  getDelivery,
  listDeliveries,
  resendDelivery,
  sendTestEvent,
} from '../../domain/webhooks/deliveries.ts'
import {
  createEndpoint,
  deleteEndpoint,
  ENDPOINT_FIELDS,
  ENDPOINT_SEARCH,
  getEndpoint,
  listEndpoints,
  updateEndpoint,
} from '../../domain/webhooks/endpoints.ts'
import { actorOf } from '../../http/request-context.ts'
import { setTotal, TOTAL_HEADERS } from '../../http/total-count.ts'
import type { ListQuery } from '../../query/language.ts'
import { presentDelivery, presentWebhook } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { listQuerySchema, parseListQuery } from './list-query.ts'
import { IdParams, WebhookCreate, WebhookDto, WebhookEventLogDto, WebhookUpdate } from './schemas.ts'

const tags = ['v3 webhooks']
const WebhookListQuery = listQuerySchema(ENDPOINT_FIELDS, { search: ENDPOINT_SEARCH })

/** Webhook endpoints: register, list, the event catalogue, get, update, delete. */
export const webhookRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, config, keyring }) => {
  const options = { allowPrivate: config.webhookAllowPrivateNetworks, keyring }

  app.post(
    '/webhooks',
    {
      config: { operation: 'CreateWebhook' },
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'The URL must be http(s) and must not reach an internal address. Without a token, one is generated and shown in clear in this response only.',
        body: WebhookCreate,
        response: withErrors({ 201: WebhookDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const { endpoint, isSecretGenerated } = await createEndpoint(
        db,
        actorOf(request),
        {
          name: body.name,
          url: body.url,
          secret: body.token ?? null,
          signatureScheme: body.signatureScheme ?? 'cryptlex',
          enabled: body.enabled ?? true,
          events: body.events,
          resellerId: body.resellerId ?? null,
        },
        options,
      )
      reply.header('Cache-Control', 'no-store')
      return reply.code(201).send(presentWebhook(endpoint, isSecretGenerated))
    },
  )

  app.get(
    '/webhooks',
    {
      config: { operation: 'GetAllWebhooks' },
      schema: {
        tags,
        summary: 'List webhook endpoints',
        description:
          'Filters: `id`, `name`, `createdAt`, `updatedAt`, as `field=value` or `field[op]=value`; `search` matches the name or url; `sort`: fields separated by `|` or `,`, `-` for descending (oldest first unless given).',
        querystring: WebhookListQuery,
        response: withErrors({ 200: { ...Type.Array(WebhookDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query = parseListQuery(request.query as Record<string, unknown>, ENDPOINT_FIELDS)
      const { items, total } = await listEndpoints(db, actorOf(request), keyring, query)
      setTotal(reply, total)
      return items.map((endpoint) => presentWebhook(endpoint))
    },
  )

  app.get(
    '/webhooks/events',
    {
      config: { operation: 'GetEventTypesWebhook' },
      schema: {
        tags,
        summary: 'The events a webhook can subscribe to, by group',
        description:
          'Every action the event log records is a webhook event of the same name, grouped by its resource (`reseller`, `reseller.user`, `role`, `webhook`, `client`, …) as Cryptlex groups them.',
        response: withErrors({ 200: Type.Record(Type.String(), Type.Array(Type.String())) }),
      },
    },
    async (request) => {
      actorOf(request)
      return eventsByGroup()
    },
  )

  app.get(
    '/webhooks/:id',
    {
      config: { operation: 'GetWebhook' },
      schema: {
        tags,
        summary: 'Get a webhook endpoint',
        params: IdParams,
        response: withErrors({ 200: WebhookDto }),
      },
    },
    async (request) => presentWebhook(await getEndpoint(db, actorOf(request), keyring, request.params.id)),
  )

  app.patch(
    '/webhooks/:id',
    {
      config: { operation: 'UpdateWebhook' },
      schema: {
        tags,
        summary: 'Update a webhook endpoint',
        description:
          'enabled: true also re-enables a suspended endpoint. A new signatureScheme without a token gets a generated secret, shown in clear in this response only.',
        params: IdParams,
        body: WebhookUpdate,
        response: withErrors({ 200: WebhookDto }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const { endpoint, isSecretGenerated } = await updateEndpoint(
        db,
        actorOf(request),
        request.params.id,
        {
          name: body.name ?? undefined,
          url: body.url ?? undefined,
          secret: body.token ?? undefined,
          signatureScheme: body.signatureScheme ?? undefined,
          enabled: body.enabled ?? undefined,
          events: body.events ?? undefined,
          resellerId: body.resellerId,
        },
        options,
      )
      if (isSecretGenerated) reply.header('Cache-Control', 'no-store')
      return presentWebhook(endpoint, isSecretGenerated)
    },
  )

  app.delete(
    '/webhooks/:id',
    {
      config: { operation: 'DeleteWebhook' },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint (its undelivered events are cancelled)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await db.transaction((tx) => deleteEndpoint(tx, actorOf(request), request.params.id))
      return reply.code(204).send(null)
    },
  )
}

/** What endpoints were sent: a test event, the delivery log, a resend. */
export const webhookDeliveryRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.post(
    '/webhooks/:id/test',
    {
      config: { operation: 'TestWebhook' },
      schema: {
        tags,
        summary: 'Send a signed test event (webhook.test) to the endpoint',
        params: IdParams,
        response: withErrors({ 202: WebhookEventLogDto }),
      },
    },
    async (request, reply) => {
      const delivery = await db.transaction((tx) => sendTestEvent(tx, actorOf(request), request.params.id))
      return reply.code(202).send(presentDelivery(delivery))
    },
  )

  const LogQuery = listQuerySchema(DELIVERY_FIELDS, { search: DELIVERY_SEARCH })

  app.get(
    '/webhook-event-logs',
    {
      config: { operation: 'GetAllWebhookEventLogs' },
      schema: {
        tags,
        summary: 'The delivery log, newest first',
        description:
          'Filters: webhookId, status, event (and id, createdAt, updatedAt), as `field=value` or `field[op]=value`; `search` matches the event or url, caseless.',
        querystring: LogQuery,
        response: withErrors({ 200: { ...Type.Array(WebhookEventLogDto), headers: TOTAL_HEADERS } }),
      },
    },
    async (request, reply) => {
      const query: ListQuery = parseListQuery(request.query as Record<string, unknown>, DELIVERY_FIELDS)
      const { items, total } = await listDeliveries(db, actorOf(request), query)
      setTotal(reply, total)
      return items.map(presentDelivery)
    },
  )

  app.get(
    '/webhook-event-logs/:id',
    {
      config: { operation: 'GetWebhookEventLog' },
      schema: {
        tags,
        summary: 'Get a delivery',
        params: IdParams,
        response: withErrors({ 200: WebhookEventLogDto }),
      },
    },
    async (request) => presentDelivery(await getDelivery(db, actorOf(request), request.params.id)),
  )

  app.post(
    '/webhook-event-logs/:id/resend',
    {
      config: { operation: 'ResendWebhookEventLog' },
      schema: {
        tags,
        summary: 'Send a delivery again (same Webhook-Id and body)',
        description:
          'Answers 202 with no body, as Cryptlex does; `Location` names the delivery, whose state GET shows.',
        params: IdParams,
        response: withErrors({
          202: {
            ...Type.Null({ description: 'Accepted: the delivery is due again.' }),
            headers: { Location: Type.String({ description: 'The delivery: /v3/webhook-event-logs/{id}.' }) },
          },
        }),
      },
    },
    async (request, reply) => {
      const delivery = await db.transaction((tx) => resendDelivery(tx, actorOf(request), request.params.id))
      // No payload at all (null would be serialized as `null`): Cryptlex's 202 has no body.
      return reply
        .code(202)
        .header('location', `/v3/webhook-event-logs/${delivery.id}`)
        .send(undefined as unknown as null)
    },
  )
}
