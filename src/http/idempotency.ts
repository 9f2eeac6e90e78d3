// Idempotency-Key on every POST of an API (IETF draft-ietf-httpapi-idempotency-key-header, as Stripe does it):
// the first request with a key runs; its status, headers and body are kept; a repeat with the same request gets
// them again with `Idempotent-Replayed: true`, another request with the key 422, and a repeat that arrives while
// the first still runs waits for it (409 past the wait). A request never runs twice.
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { accessOf, type Operation } from '../auth/operations.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import { conflict, invalid, unprocessable } from '../domain/errors.ts'
import { type ClaimOutcome, claimKey, completeKey, type KeyClaim, readKey } from '../domain/idempotency.ts'
import { decryptSecret, encryptSecret, SecretUnavailable, secretAad } from '../secrets/envelope.ts'
import type { Keyring } from '../secrets/keyring.ts'

export const IDEMPOTENCY_HEADER = 'idempotency-key'
export const MAX_KEY_LENGTH = 255

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request claimed, whose response is kept once sent. */
    idempotencyClaim: KeyClaim | null
  }
}

// Headers of the first response that a replay repeats; the others (date, correlation id, rate limits) are
// the replay's own.
const KEPT_HEADERS = ['content-type', 'location', 'cache-control', 'etag', 'last-modified', 'link']

/** The key a request sent: a plain token or a structured-field string ("…"); null when none was sent. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | null {
  if (header === undefined) return null
  if (Array.isArray(header)) throw invalid('Idempotency-Key', 'Send one Idempotency-Key header, not several.')
  const key = /^".*"$/.test(header) ? header.slice(1, -1) : header
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key))
    throw invalid(
      'Idempotency-Key',
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters.`,
      'INVALID_IDEMPOTENCY_KEY',
    )
  return key
}

/** What makes two requests the same one: method, path with query, and body. */
function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(request.body === undefined ? '' : JSON.stringify(request.body))
    .digest('base64url')
}

function replay(
  reply: FastifyReply,
  response: { status: number; headers: Record<string, string>; body: string | null },
) {
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value)
  reply.header('Idempotent-Replayed', 'true')
  return reply.code(response.status).send(response.body ?? undefined)
}

/** The claim's outcome once the first request has finished, or the wait is over. */
async function awaitFirst(
  db: Db,
  claim: KeyClaim,
  first: ClaimOutcome,
  waitMs: number,
): Promise<ClaimOutcome> {
  let outcome: ClaimOutcome | null = first
  const deadline = Date.now() + waitMs
  let pause = 20
  while (outcome?.kind === 'running' && !outcome.isLapsed && Date.now() < deadline) {
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())))
    pause = Math.min(pause * 2, 200)
    outcome = await readKey(db, claim)
  }
  return outcome ?? { kind: 'running', isLapsed: true }
}

function refusal(outcome: ClaimOutcome, waitMs: number): Error {
  if (outcome.kind === 'mismatch')
    return unprocessable(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was sent with another request (method, path or body); use a new key for a new request.',
      'Idempotency-Key',
    )
  if (outcome.kind === 'running' && outcome.isLapsed)
    return conflict(
      'IDEMPOTENCY_KEY_UNFINISHED',
      'The first request with this Idempotency-Key did not finish (the service stopped while it ran); whether it took effect is unknown. Check, then use a new key.',
      'Idempotency-Key',
    )
  return conflict(
    'IDEMPOTENCY_KEY_IN_USE',
    `A request with this Idempotency-Key is still running after ${Math.round(waitMs / 1000)} s; retry later.`,
    'Idempotency-Key',
  )
}

/**
 * Documents the header on every POST of the API, and validates its length with the route's schema; not on a
 * public operation (signing in and out), which has no principal to keep a key for and whose answer is a secret.
 */
function documentHeader(route: {
  method: string | string[]
  schema?: Record<string, unknown>
  config?: { operation?: Operation }
}): void {
  if (route.method !== 'POST' || !route.schema) return
  const access = route.config?.operation ? accessOf(route.config.operation) : undefined
  if (access && 'public' in access) return
  const headers = (route.schema.headers ?? Type.Object({})) as { properties?: Record<string, unknown> }
  route.schema.headers = {
    ...headers,
    properties: {
      ...headers.properties,
      [IDEMPOTENCY_HEADER]: Type.Optional(
        Type.String({
          maxLength: MAX_KEY_LENGTH + 2,
          description: `A unique key (1 to ${MAX_KEY_LENGTH} characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with \`Idempotent-Replayed: true\`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409.`,
        }),
      ),
    },
  }
}

/** The header a replayed response carries, as the OpenAPI document states it (on every POST that takes a key). */
export const REPLAYED_HEADER = {
  'Idempotent-Replayed': {
    type: 'string',
    enum: ['true'],
    description:
      'Present on a response replayed for a repeated Idempotency-Key: the request did not run again; this is the first response.',
  },
} as const

// A first response may carry a secret shown once (a client's secret, a webhook token): it is kept encrypted.
const bodyAad = (claim: KeyClaim) => secretAad('idempotency_keys', 'body', `${claim.scope}:${claim.key}`)

/** Adds Idempotency-Key to every POST of an API plugin (its routes registered after this call). */
export function enforceIdempotency(
  app: FastifyInstance,
  { db, config, keyring }: { db: Db; config: Config; keyring: Keyring },
): void {
  const lease = {
    // A claim outlives any request the service would still be answering; past it, its process is gone.
    lockMs: Math.max(60_000, 2 * config.requestTimeoutMs),
    ttlSeconds: config.idempotency.ttlSeconds,
  }
  const waitMs = config.idempotency.waitMs
  app.decorateRequest('idempotencyClaim', null)
  const claimBeforeHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = idempotencyKeyOf(request.headers[IDEMPOTENCY_HEADER])
    if (key === null) return
    // A public operation has no client: its keys belong to the source address (and the body, which for a
    // link carries its token, must match for a replay).
    const principal = request.principal
    const claim = {
      scope: principal ? `${principal.type}:${principal.id}` : `ip:${request.ip}`,
      key,
      fingerprint: fingerprintOf(request),
    }
    const outcome = await awaitFirst(db, claim, await claimKey(db, claim, lease), waitMs)
    if (outcome.kind === 'claimed') {
      request.idempotencyClaim = claim
      return
    }
    if (outcome.kind !== 'done') throw refusal(outcome, waitMs)
    const stored = outcome.response.body
    let body: string | null
    try {
      body = stored === null ? null : decryptSecret(keyring, stored, bodyAad(claim))
    } catch (error) {
      if (!(error instanceof SecretUnavailable)) throw error
      // Its key was retired since (ENCRYPTION_KEY rotated): the answer is gone, and the request is not run again.
      throw conflict(
        'IDEMPOTENCY_KEY_UNREADABLE',
        'The first response to this Idempotency-Key can no longer be read (the encryption key changed); use a new key.',
        'Idempotency-Key',
      )
    }
    app.counters.idempotentReplays.inc()
    return replay(reply, { ...outcome.response, body })
  }
  const completeOnSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = request.idempotencyClaim
    if (!claim) return payload
    request.idempotencyClaim = null
    const headers: Record<string, string> = {}
    for (const name of KEPT_HEADERS) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    const body = typeof payload === 'string' ? payload : payload == null ? null : String(payload)
    await completeKey(db, claim, {
      status: reply.statusCode,
      headers,
      body: body === null ? null : encryptSecret(keyring, body, bodyAad(claim)),
    })
    return payload
  }
  // On the POST routes only, as their own hooks: a read pays for no hook that has nothing to do for it.
  app.addHook('onRoute', documentHeader)
  app.addHook('onRoute', (route) => {
    if (route.method !== 'POST') return
    route.preHandler = [...hooksOf(route.preHandler), claimBeforeHandler]
    route.onSend = [...hooksOf(route.onSend), completeOnSend]
  })
}

const hooksOf = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
