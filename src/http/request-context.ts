// Per-request context: the correlation id (honoured from X-Correlation-Id or generated, echoed back),
// the authenticated principal, and the Actor that domain functions and audit events receive.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Actor, Principal } from '../domain/actor.ts'
import { unauthorized } from '../domain/errors.ts'
import { isUuid, newId } from '../domain/ids.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
}

export const CORRELATION_HEADER = 'x-correlation-id'

/** The header every response carries, as the OpenAPI document states it. */
export const CORRELATION_RESPONSE_HEADER = {
  'X-Correlation-Id': {
    type: 'string',
    format: 'uuid',
    description:
      'The request’s correlation id: the X-Correlation-Id it sent (a UUID), or a new one. Its log lines and audit events carry it.',
  },
} as const

/** Fastify's request id is the correlation id, so every log line of the request carries it. */
export function correlationIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const value = request.headers[CORRELATION_HEADER]
  return typeof value === 'string' && isUuid(value) ? value.toLowerCase() : newId()
}

/** What every audit event records of the request, beside who made it. */
export type RequestFacts = Omit<Actor, keyof Principal>

export function requestFactsOf(request: FastifyRequest): RequestFacts {
  const userAgent = request.headers['user-agent']
  return {
    correlationId: request.id,
    ipAddress: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  }
}

export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal
  if (!principal) throw unauthorized()
  return { ...principal, ...requestFactsOf(request) }
}

export const requestContext = fp(async (app: FastifyInstance) => {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Correlation-Id', request.id)
    done()
  })
})
