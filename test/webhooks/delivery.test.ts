// Webhook delivery end to end: the real app and dispatcher, real receivers on 127.0.0.1. Each test works in a
// tenant of its own, so no test's events reach another test's endpoints.
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'
import { freePort } from '../support/process.ts'
import { type Received, type Receiver, startReceiver } from './receiver.ts'

const RETRY_GAP_MS = 180 // the schedule's 0.2 s, less its 10 % jitter
const TIMEOUT_MS = 1500

let t: TestApp
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  t = await startTestApp(
    {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0.2,0.2',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_UNHEALTHY_AFTER: '3',
      // Seconds of uninterrupted failure before suspension.
      WEBHOOK_SUSPEND_AFTER: '2',
      WEBHOOK_POLL_MS: '50',
    },
    { dispatcher: true },
  )
})
afterAll(async () => {
  for (const close of closers) await close().catch(() => {})
  await t?.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  closers.push(() => r.close())
  return r
}

interface Hit extends Received {
  method: string
  path: string
}

/** A receiver whose every answer is written by the test. */
async function server(
  handle: (hit: Hit, response: http.ServerResponse, index: number) => void,
): Promise<{ url: string; origin: string; hits: Hit[] }> {
  const hits: Hit[] = []
  const srv = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      const hit: Hit = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      hits.push(hit)
      handle(hit, response, hits.length - 1)
    })
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    srv.closeAllConnections()
    await new Promise<void>((resolve) => srv.close(() => resolve()))
  })
  const origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  return { url: `${origin}/hook`, origin, hits }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

interface Tenant {
  tenantId: string
  token: string
}

const tenant = (): Promise<Tenant> => t.createTenant(`${unique('hooks')}.example.com`)

/** Every outbox event of the tenant fanned out and every delivery of it in a final state. */
async function settled(tenantId: string): Promise<void> {
  await until('the tenant’s deliveries to settle', async () => {
    const outbox = await t.count('outbox_events', 'tenant_id = $1 AND processed_at IS NULL', [tenantId])
    const open = await t.count(
      'webhook_deliveries',
      "tenant_id = $1 AND status IN ('pending', 'queued', 'retrying')",
      [tenantId],
    )
    return outbox === 0 && open === 0
  })
}

async function hook(token: string, body: Record<string, unknown>): Promise<Json> {
  const response = await t.request('POST', '/v3/webhooks', {
    token,
    body: { name: unique('Hook '), ...body },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

async function call(method: string, path: string, token: string, body?: unknown, status?: number) {
  const response = await t.request(method, path, { token, body })
  if (status !== undefined) expect(response.status, `${method} ${path}: ${response.text}`).toBe(status)
  return response
}

let emails = 0
const userBody = (extra: Record<string, unknown> = {}) => ({
  firstName: 'Hook',
  lastName: 'Listener',
  email: `${unique('user')}-${emails++}@example.com`,
  role: 'user',
  allowCustomerPortalAccess: true,
  password: 'password1',
  ...extra,
})

/** The endpoint's health once it reads `status` (recorded just after the attempt's own result). */
async function becomes(token: string, endpointId: string, status: string): Promise<void> {
  await until(
    `endpoint status ${status}`,
    async () => {
      const response = await t.request('GET', `/v3/webhooks/${endpointId}`, { token })
      return response.body.status === status
    },
    5_000,
  )
}

async function logs(token: string, query = ''): Promise<Json[]> {
  const response = await t.request('GET', `/v3/webhook-event-logs?limit=100${query}`, { token })
  expect(response.status, response.text).toBe(200)
  return response.body
}

const header = (hit: Received, name: string) => String(hit.headers[name])
const parsed = (hit: Received): Json => JSON.parse(hit.body)

function cryptlexSignature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64')
}

function verifyStandard(secret: string, hit: Received): Json {
  return new Webhook(secret).verify(hit.body, {
    'webhook-id': header(hit, 'webhook-id'),
    'webhook-timestamp': header(hit, 'webhook-timestamp'),
    'webhook-signature': header(hit, 'webhook-signature'),
  })
}

describe('signatures', () => {
  it('signs cryptlex deliveries with base64 HMAC-SHA256 of the raw body, keyed by the token', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    const generated = await hook(token, { url: r.url, events: ['reseller.created'] })
    const chosenSecret = 'a-secret-the-client-chose-1234'
    await hook(token, { url: r.url, events: ['reseller.created'], token: chosenSecret })
    const reseller = await t.createReseller({}, token)
    const hits = await r.waitFor(2)
    await settled(tenantId)
    expect(hits).toHaveLength(2)
    const secrets = [generated.token, chosenSecret]
    for (const hit of hits) {
      expect(hit.headers['content-type']).toBe('application/json; charset=utf-8')
      const signature = header(hit, 'webhook-signature')
      expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/)
      const matching = secrets.filter((secret) => cryptlexSignature(secret, hit.body) === signature)
      expect(matching).toHaveLength(1)
      // Not over anything but the body: a changed body no longer matches.
      expect(cryptlexSignature(matching[0] as string, `${hit.body} `)).not.toBe(signature)
      const timestamp = Number(header(hit, 'webhook-timestamp'))
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60)
      expect(parsed(hit)).toEqual({
        event: 'reseller.created',
        data: reseller,
        triggeredAt: expect.any(String),
      })
    }
    // The Webhook-Id is the delivery's id in the log, and the log keeps the exact body sent.
    const log = await logs(token)
    expect(log.map((d) => d.id).sort()).toEqual(hits.map((h) => header(h, 'webhook-id')).sort())
    for (const hit of hits)
      expect(log.find((d) => d.id === header(hit, 'webhook-id'))?.requestBody).toBe(hit.body)
  })

  it('signs standard-webhooks deliveries as the standardwebhooks package verifies them', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    const endpoint = await hook(token, {
      url: r.url,
      events: ['reseller.created'],
      signatureScheme: 'standard-webhooks',
    })
    const given = `whsec_${Buffer.alloc(32, 3).toString('base64')}`
    await hook(token, {
      url: r.url,
      events: ['reseller.created'],
      signatureScheme: 'standard-webhooks',
      token: given,
    })
    const reseller = await t.createReseller({}, token)
    const hits = await r.waitFor(2)
    await settled(tenantId)
    const bySecret = [endpoint.token as string, given].map((secret) =>
      hits.filter((hit) => {
        try {
          verifyStandard(secret, hit)
          return true
        } catch {
          return false
        }
      }),
    )
    expect(bySecret.map((list) => list.length)).toEqual([1, 1])
    for (const [index, secret] of [endpoint.token as string, given].entries()) {
      const hit = bySecret[index]?.[0] as Received
      expect(header(hit, 'webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
      expect(verifyStandard(secret, hit)).toEqual({
        event: 'reseller.created',
        data: reseller,
        triggeredAt: expect.any(String),
      })
      // The package refuses a tampered body, id or timestamp.
      expect(() =>
        verifyStandard(secret, { ...hit, body: hit.body.replace('reseller', 'Reseller') }),
      ).toThrow()
      expect(() =>
        verifyStandard(secret, { ...hit, headers: { ...hit.headers, 'webhook-id': crypto.randomUUID() } }),
      ).toThrow()
      expect(() =>
        verifyStandard(secret, {
          ...hit,
          headers: {
            ...hit.headers,
            'webhook-timestamp': String(Number(header(hit, 'webhook-timestamp')) + 1),
          },
        }),
      ).toThrow()
    }
  })

  it('sends a signed test event to an endpoint whatever it subscribes to', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    const endpoint = await hook(token, {
      url: r.url,
      events: ['role.updated'],
      signatureScheme: 'standard-webhooks',
    })
    const queued = await call('POST', `/v3/webhooks/${endpoint.id}/test`, token, undefined, 202)
    expect(queued.body).toMatchObject({ webhookId: endpoint.id, event: 'webhook.test', attempts: 0 })
    expect(['pending', 'queued', 'succeeded']).toContain(queued.body.status)
    const [hit] = await r.waitFor(1)
    await settled(tenantId)
    expect(header(hit as Received, 'webhook-id')).toBe(queued.body.id)
    const payload = verifyStandard(endpoint.token, hit as Received)
    expect(payload).toMatchObject({ event: 'webhook.test', data: { webhookId: endpoint.id } })
    const logged = await call('GET', `/v3/webhook-event-logs/${queued.body.id}`, token, undefined, 200)
    expect(logged.body).toMatchObject({ status: 'succeeded', attempts: 1, responseStatusCode: 200 })
    expect((await call('POST', '/v3/webhooks/0190a000-0000-7000-8000-000000000000/test', token)).status).toBe(
      404,
    )
  })
})

describe('payloads', () => {
  it('carries, for every event, the same object the v3 API returned for the resource', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    const catalogue = await call('GET', '/v3/webhooks/events', token, undefined, 200)
    // The resource changes (the other events have their own test: test/webhooks/catalogue.test.ts).
    const groups = catalogue.body as Record<string, string[]>
    const events = ['reseller', 'reseller.organization', 'reseller.user', 'role']
      .flatMap((group) => groups[group] ?? [])
      .filter((event) => /\.(created|updated|deleted)$/.test(event) && event !== 'role.deleted')
    expect(events).toHaveLength(11)
    await hook(token, { url: r.url, events })

    const expected: { event: string; data: Json }[] = []
    const record = (event: string, data: Json) => expected.push({ event, data })

    const reseller = await call(
      'POST',
      '/v3/resellers',
      token,
      { name: 'Payload Co', email: 'p@example.com' },
      201,
    )
    record('reseller.created', reseller.body)
    const rid = reseller.body.id
    const resellerUpdated = await call(
      'PATCH',
      `/v3/resellers/${rid}`,
      token,
      { description: 'Updated' },
      200,
    )
    record('reseller.updated', resellerUpdated.body)
    const org = await call(
      'POST',
      `/v3/resellers/${rid}/organizations`,
      token,
      { name: 'Org One', email: 'org@example.com', address: { city: 'Lisbon', country: 'PT' } },
      201,
    )
    record('reseller.organization.created', org.body)
    const orgUpdated = await call(
      'PATCH',
      `/v3/resellers/${rid}/organizations/${org.body.id}`,
      token,
      { description: 'Customer' },
      200,
    )
    record('reseller.organization.updated', orgUpdated.body)
    const user = await call(
      'POST',
      `/v3/resellers/${rid}/users`,
      token,
      userBody({ organizationId: org.body.id, company: 'ACME' }),
      201,
    )
    record('reseller.user.created', user.body)
    expect(user.body.organization).toEqual(orgUpdated.body)
    const userUpdated = await call(
      'PATCH',
      `/v3/resellers/${rid}/users/${user.body.id}`,
      token,
      { firstName: 'Renamed' },
      200,
    )
    record('reseller.user.updated', userUpdated.body)
    const userBefore = await call('GET', `/v3/resellers/${rid}/users/${user.body.id}`, token, undefined, 200)
    await call('DELETE', `/v3/resellers/${rid}/users/${user.body.id}`, token, undefined, 204)
    record('reseller.user.deleted', userBefore.body)
    const orgBefore = await call(
      'GET',
      `/v3/resellers/${rid}/organizations/${org.body.id}`,
      token,
      undefined,
      200,
    )
    await call('DELETE', `/v3/resellers/${rid}/organizations/${org.body.id}`, token, undefined, 204)
    record('reseller.organization.deleted', orgBefore.body)
    const resellerBefore = await call('GET', `/v3/resellers/${rid}`, token, undefined, 200)
    await call('DELETE', `/v3/resellers/${rid}`, token, undefined, 204)
    record('reseller.deleted', resellerBefore.body)
    const role = await call(
      'POST',
      '/v3/roles',
      token,
      { name: 'auditor', description: 'Reads', claims: ['reseller:read'] },
      201,
    )
    record('role.created', role.body)
    const roleUpdated = await call(
      'PATCH',
      `/v3/roles/${role.body.id}`,
      token,
      { description: 'Reads more' },
      200,
    )
    record('role.updated', roleUpdated.body)

    const hits = await r.waitFor(expected.length)
    await settled(tenantId)
    expect(hits).toHaveLength(expected.length)
    expect(new Set(expected.map((e) => e.event))).toEqual(new Set(events))
    // One endpoint, no failures: in event order, each body exactly {event, data, triggeredAt}.
    const bodies = hits.map(parsed)
    for (const [index, body] of bodies.entries()) {
      expect(Object.keys(body).sort()).toEqual(['data', 'event', 'triggeredAt'])
      expect({ event: body.event, data: body.data }).toEqual(expected[index])
      expect(new Date(body.triggeredAt).toISOString()).toBe(body.triggeredAt)
    }
    const times = bodies.map((b) => Date.parse(b.triggeredAt))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
  })
})

describe('retries', () => {
  it('retries a 5xx with the same Webhook-Id and body, then succeeds', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    r.script.push(503)
    const endpoint = await hook(token, { url: r.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    const [first, second] = (await r.waitFor(2)) as [Received, Received]
    await settled(tenantId)
    expect(r.received).toHaveLength(2)
    expect(header(second, 'webhook-id')).toBe(header(first, 'webhook-id'))
    expect(second.body).toBe(first.body)
    expect(second.at - first.at).toBeGreaterThanOrEqual(RETRY_GAP_MS)
    for (const hit of [first, second])
      expect(header(hit, 'webhook-signature')).toBe(cryptlexSignature(endpoint.token, hit.body))
    const [delivery] = await logs(token)
    expect(delivery).toMatchObject({
      id: header(first, 'webhook-id'),
      webhookId: endpoint.id,
      event: 'reseller.created',
      url: r.url,
      status: 'succeeded',
      attempts: 2,
      responseStatusCode: 200,
      responseBody: 'ok',
      errorMessage: '',
      requestBody: first.body,
    })
    expect(Date.parse(delivery.lastAttemptedAt)).toBeGreaterThanOrEqual(Date.parse(delivery.createdAt))
    const still = await call('GET', `/v3/webhooks/${endpoint.id}`, token, undefined, 200)
    expect(still.body.status).toBe('healthy')
  })

  it('retries 429, 5xx and timeouts, and fails once the schedule runs out', async () => {
    const { token, tenantId } = await tenant()
    // First event: 429, then no answer within the timeout, then 200.
    const plan: (number | 'hang')[] = [429, 'hang', 200, 500, 502, 504]
    const s = await server((_hit, response, index) => {
      const step = plan[index] ?? 200
      if (step === 'hang') {
        const timer = setTimeout(() => response.writeHead(200).end('too late'), TIMEOUT_MS * 3)
        response.on('close', () => clearTimeout(timer))
        return
      }
      response.writeHead(step, { 'content-type': 'text/plain' }).end(`answer ${step}`)
    })
    const endpoint = await hook(token, { url: s.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await settled(tenantId)
    expect(s.hits).toHaveLength(3)
    expect(new Set(s.hits.map((h) => header(h, 'webhook-id'))).size).toBe(1)
    const [first] = await logs(token)
    expect(first).toMatchObject({ status: 'succeeded', attempts: 3, responseStatusCode: 200 })
    // The timed-out attempt waited about the timeout before the third one.
    expect((s.hits[2]?.at ?? 0) - (s.hits[1]?.at ?? 0)).toBeGreaterThanOrEqual(TIMEOUT_MS - 100)

    // Second event: 500, 502, 504 — the schedule (two retries) runs out and the delivery fails.
    await t.createReseller({}, token)
    await settled(tenantId)
    await sleep(500)
    expect(s.hits).toHaveLength(6)
    const failed = await logs(token, '&status=failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      responseStatusCode: 504,
      responseBody: 'answer 504',
      errorMessage: expect.stringContaining('504'),
    })
    expect(new Set(s.hits.slice(3).map((h) => header(h, 'webhook-id')))).toEqual(new Set([failed[0].id]))
    await becomes(token, endpoint.id, 'unhealthy')
  })

  it('records a timeout and a refused connection as errors, and retries them', async () => {
    const { token, tenantId } = await tenant()
    // A port with nothing listening: every attempt is refused.
    const url = `http://127.0.0.1:${await freePort()}/hook`
    await hook(token, { url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await settled(tenantId)
    const [delivery] = await logs(token)
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, responseStatusCode: null })
    expect(delivery.errorMessage).toMatch(/Connection failed/)

    const { token: token2, tenantId: tenant2 } = await tenant()
    const slow = await server((_hit, response) => {
      const timer = setTimeout(() => response.end('late'), TIMEOUT_MS * 3)
      response.on('close', () => clearTimeout(timer))
    })
    await hook(token2, { url: slow.url, events: ['reseller.created'] })
    await t.createReseller({}, token2)
    await settled(tenant2)
    const [timedOut] = await logs(token2)
    expect(timedOut).toMatchObject({ status: 'failed', attempts: 3, responseStatusCode: null })
    expect(timedOut.errorMessage).toMatch(/Timed out/)
    expect(slow.hits).toHaveLength(3)
  }, 30_000)

  it('does not retry a 4xx, and does not follow redirects', async () => {
    const { token, tenantId } = await tenant()
    // Five failures: under WEBHOOK_SUSPEND_AFTER, so every one is attempted.
    const statuses = [400, 404, 422, 302, 307]
    const s = await server((hit, response, index) => {
      if (hit.path !== '/hook') return void response.writeHead(200).end('followed')
      const status = statuses[index] ?? 200
      response.writeHead(status, { location: `${s.origin}/elsewhere-${status}` }).end(`status ${status}`)
    })
    await hook(token, { url: s.url, events: ['reseller.updated'] })
    const reseller = await t.createReseller({}, token)
    for (const [index, status] of statuses.entries()) {
      await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: `step ${index}` }, 200)
      await settled(tenantId)
      expect(s.hits, `after ${status}`).toHaveLength(index + 1)
    }
    // Past the whole retry schedule: still one request per delivery, and never to a Location.
    await sleep(600)
    expect(s.hits).toHaveLength(statuses.length)
    expect(s.hits.every((h) => h.path === '/hook' && h.method === 'POST')).toBe(true)
    const log = await logs(token, '&sort=createdAt')
    expect(log.map((d) => [d.status, d.attempts, d.responseStatusCode])).toEqual(
      statuses.map((status) => ['failed', 1, status]),
    )
    for (const d of log.filter((x) => x.responseStatusCode < 400))
      expect(d.errorMessage).toMatch(/Redirect \(\d+\) not followed/)
    for (const d of log.filter((x) => x.responseStatusCode >= 400))
      expect(d.errorMessage).toContain(String(d.responseStatusCode))
  })

  it('keeps the first 4 KB of a response body', async () => {
    const { token, tenantId } = await tenant()
    const big = 'x'.repeat(10_000)
    const s = await server((_hit, response, index) => {
      response.writeHead(index === 0 ? 500 : 200, { 'content-type': 'text/plain' }).end(big)
    })
    await hook(token, { url: s.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await settled(tenantId)
    const [delivery] = await logs(token)
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, responseStatusCode: 200 })
    expect(delivery.responseBody).toBe('x'.repeat(4096))
  })
})

describe('retries after a URL change', () => {
  it("sends a pending retry to the endpoint's new URL", async () => {
    const { token, tenantId } = await tenant()
    const down = `http://127.0.0.1:${await freePort()}/hook`
    const endpoint = await hook(token, { url: down, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await until('a failed first attempt', async () => (await logs(token))[0]?.attempts === 1)
    const r = await receiver()
    await call('PATCH', `/v3/webhooks/${endpoint.id}`, token, { url: r.url }, 200)
    const [hit] = await r.waitFor(1)
    expect(parsed(hit as Received).event).toBe('reseller.created')
    await settled(tenantId)
    expect((await logs(token))[0]).toMatchObject({ status: 'succeeded', attempts: 2, url: r.url })
  })
})

describe('routing', () => {
  it('delivers only the events an endpoint subscribes to, and nothing to a disabled one', async () => {
    const { token, tenantId } = await tenant()
    const [ra, rb, rc] = [await receiver(), await receiver(), await receiver()]
    const a = await hook(token, { url: ra.url, events: ['reseller.user.created'] })
    await hook(token, { url: rb.url, events: ['reseller.updated', 'role.created'] })
    await hook(token, { url: rc.url, events: ['reseller.created', 'reseller.updated'], enabled: false })
    const reseller = await t.createReseller({}, token)
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'x' }, 200)
    const user = await call('POST', `/v3/resellers/${reseller.id}/users`, token, userBody(), 201)
    await call('PATCH', `/v3/resellers/${reseller.id}/users/${user.body.id}`, token, { firstName: 'Y' }, 200)
    await call('POST', '/v3/roles', token, { name: 'filtered', claims: ['reseller:read'] }, 201)
    await settled(tenantId)
    expect(ra.received.map((h) => parsed(h).event)).toEqual(['reseller.user.created'])
    expect(rb.received.map((h) => parsed(h).event)).toEqual(['reseller.updated', 'role.created'])
    expect(rc.received).toHaveLength(0)

    // A new filter applies to the events after it.
    await call('PATCH', `/v3/webhooks/${a.id}`, token, { events: ['reseller.user.updated'] }, 200)
    await call('PATCH', `/v3/resellers/${reseller.id}/users/${user.body.id}`, token, { firstName: 'Z' }, 200)
    await call('POST', `/v3/resellers/${reseller.id}/users`, token, userBody(), 201)
    await settled(tenantId)
    expect(ra.received.map((h) => parsed(h).event)).toEqual([
      'reseller.user.created',
      'reseller.user.updated',
    ])
    expect(parsed(ra.received[1] as Received).data.firstName).toBe('Z')
  })

  it('delivers to a reseller-bound endpoint only its reseller’s events, and shows it only its log', async () => {
    const { token, tenantId } = await tenant()
    const r1 = await t.createReseller({}, token)
    const r2 = await t.createReseller({}, token)
    const r1Token = await t.tokenFor({
      tenantId,
      role: 'reseller',
      resellerId: r1.id,
      scopes: ['webhook:read', 'webhook:write', 'webhookEventLog:read'],
    })
    const events = ['reseller.updated', 'reseller.user.created', 'role.created']
    const [rx1, rx2, rxAll] = [await receiver(), await receiver(), await receiver()]
    const e1 = await hook(r1Token, { url: rx1.url, events })
    expect(e1.resellerId).toBe(r1.id)
    const e2 = await hook(token, { url: rx2.url, events, resellerId: r2.id })
    const eAll = await hook(token, { url: rxAll.url, events })

    const u1 = await call('POST', `/v3/resellers/${r1.id}/users`, token, userBody(), 201)
    const u2 = await call('POST', `/v3/resellers/${r2.id}/users`, token, userBody(), 201)
    await call('PATCH', `/v3/resellers/${r1.id}`, token, { description: 'one' }, 200)
    await call('PATCH', `/v3/resellers/${r2.id}`, token, { description: 'two' }, 200)
    await call('POST', '/v3/roles', token, { name: 'bound', claims: ['reseller:read'] }, 201)
    await settled(tenantId)

    const seen = (rx: Receiver) => rx.received.map((h) => `${parsed(h).event}:${parsed(h).data.id}`)
    expect(seen(rx1)).toEqual([`reseller.user.created:${u1.body.id}`, `reseller.updated:${r1.id}`])
    expect(seen(rx2)).toEqual([`reseller.user.created:${u2.body.id}`, `reseller.updated:${r2.id}`])
    expect(seen(rxAll)).toHaveLength(5)
    expect(seen(rxAll)).toContain(`role.created:${parsed(rxAll.received[4] as Received).data.id}`)

    const mine = await logs(r1Token)
    expect(mine).toHaveLength(2)
    expect(mine.every((d) => d.webhookId === e1.id)).toBe(true)
    const all = await logs(token)
    expect(all).toHaveLength(9)
    const foreign = all.find((d) => d.webhookId === e2.id)
    expect((await call('GET', `/v3/webhook-event-logs/${foreign.id}`, r1Token)).status).toBe(404)
    expect((await call('POST', `/v3/webhook-event-logs/${foreign.id}/resend`, r1Token)).status).toBe(404)
    const unbound = all.find((d) => d.webhookId === eAll.id)
    expect((await call('GET', `/v3/webhook-event-logs/${unbound.id}`, r1Token)).status).toBe(404)
    expect((await logs(r1Token, `&webhookId=${e2.id}`)).length).toBe(0)
    // Another tenant sees none of it.
    const other = await tenant()
    expect(await logs(other.token)).toEqual([])
    expect((await call('GET', `/v3/webhook-event-logs/${foreign.id}`, other.token)).status).toBe(404)
  })

  it('filters the delivery log by webhookId, status and event', async () => {
    const { token, tenantId } = await tenant()
    const ok = await receiver()
    const failing = await receiver()
    failing.script.push(400, 400)
    const a = await hook(token, { url: ok.url, events: ['reseller.created', 'reseller.updated'] })
    const b = await hook(token, { url: failing.url, events: ['reseller.created', 'reseller.updated'] })
    const reseller = await t.createReseller({}, token)
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'x' }, 200)
    await settled(tenantId)
    const all = await logs(token)
    expect(all).toHaveLength(4)
    const total = await t.request('GET', '/v3/webhook-event-logs', { token })
    expect(total.headers.get('pagination-count')).toBe('4')
    // Newest first.
    const created = all.map((d) => Date.parse(d.createdAt))
    expect([...created].sort((x, y) => y - x)).toEqual(created)

    expect((await logs(token, `&webhookId=${a.id}`)).map((d) => d.webhookId)).toEqual([a.id, a.id])
    expect((await logs(token, '&status=failed')).map((d) => d.webhookId)).toEqual([b.id, b.id])
    expect((await logs(token, '&status=succeeded')).map((d) => d.webhookId)).toEqual([a.id, a.id])
    const updated = await logs(token, '&event=reseller.updated')
    expect(updated.map((d) => d.event)).toEqual(['reseller.updated', 'reseller.updated'])
    const one = await logs(token, `&webhookId=${b.id}&event=reseller.created&status=failed`)
    expect(one).toHaveLength(1)
    expect(one[0]).toMatchObject({ responseStatusCode: 400, attempts: 1, url: failing.url })
    const byId = await call('GET', `/v3/webhook-event-logs/${one[0].id}`, token, undefined, 200)
    expect(byId.body).toEqual(one[0])
    expect((await call('GET', '/v3/webhook-event-logs/not-a-uuid', token)).status).toBe(404)
    expect(
      (await t.request('GET', `/v3/webhook-event-logs?webhookId=${a.id}&status=queued`, { token })).body,
    ).toEqual([])
  })
})

describe('ordering', () => {
  it('delivers 50 quick changes to one endpoint in the order they were made', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    await hook(token, { url: r.url, events: ['reseller.updated'] })
    const reseller = await t.createReseller({}, token)
    const sent: string[] = []
    for (let i = 1; i <= 50; i++) {
      const description = `change ${i}`
      await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description }, 200)
      sent.push(description)
    }
    await r.waitFor(50)
    await settled(tenantId)
    expect(r.received.map((h) => parsed(h).data.description)).toEqual(sent)
    expect(new Set(r.received.map((h) => header(h, 'webhook-id'))).size).toBe(50)
  })
})

describe('redelivery', () => {
  it('resends a delivery with the same Webhook-Id and body, to the endpoint’s current URL', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    const moved = await receiver()
    const endpoint = await hook(token, { url: r.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    const [first] = (await r.waitFor(1)) as [Received]
    await settled(tenantId)
    const id = header(first, 'webhook-id')

    const resent = await call('POST', `/v3/webhook-event-logs/${id}/resend`, token, undefined, 202)
    // Cryptlex's 202 has no body; Location names the delivery.
    expect(resent.text).toBe('')
    expect(resent.headers.get('location')).toBe(`/v3/webhook-event-logs/${id}`)
    const [, second] = (await r.waitFor(2)) as [Received, Received]
    await settled(tenantId)
    expect(header(second, 'webhook-id')).toBe(id)
    expect(second.body).toBe(first.body)
    expect(header(second, 'webhook-signature')).toBe(cryptlexSignature(endpoint.token, second.body))
    const after = await call('GET', `/v3/webhook-event-logs/${id}`, token, undefined, 200)
    expect(after.body).toMatchObject({ status: 'succeeded', attempts: 2 })

    // While it is on its way it cannot be resent: disabled, the endpoint holds the resent delivery pending.
    await call('PATCH', `/v3/webhooks/${endpoint.id}`, token, { enabled: false, url: moved.url }, 200)
    await call('POST', `/v3/webhook-event-logs/${id}/resend`, token, undefined, 202)
    const pending = await call('GET', `/v3/webhook-event-logs/${id}`, token, undefined, 200)
    expect(pending.body).toMatchObject({ status: 'pending', url: moved.url })
    const again = await call('POST', `/v3/webhook-event-logs/${id}/resend`, token, undefined, 409)
    expect(again.body).toEqual({ message: expect.any(String), code: 'DELIVERY_IN_PROGRESS' })
    await sleep(300)
    expect(r.received).toHaveLength(2)
    expect(moved.received).toHaveLength(0)
    await call('PATCH', `/v3/webhooks/${endpoint.id}`, token, { enabled: true }, 200)
    const [third] = (await moved.waitFor(1)) as [Received]
    await settled(tenantId)
    expect(header(third, 'webhook-id')).toBe(id)
    expect(third.body).toBe(first.body)
    expect(r.received).toHaveLength(2)
    expect((await call('GET', `/v3/webhook-event-logs/${id}`, token, undefined, 200)).body).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      url: moved.url,
    })

    expect((await call('POST', `/v3/webhook-event-logs/${crypto.randomUUID()}/resend`, token)).status).toBe(
      404,
    )
    const reader = await t.tokenFor({ tenantId, scopes: ['webhook:read'] })
    expect((await call('POST', `/v3/webhook-event-logs/${id}/resend`, reader)).status).toBe(403)
  })

  it('resends a failed delivery, which then succeeds', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    r.script.push(400)
    await hook(token, { url: r.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await settled(tenantId)
    const [failed] = await logs(token)
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, responseStatusCode: 400 })
    await call('POST', `/v3/webhook-event-logs/${failed.id}/resend`, token, undefined, 202)
    await r.waitFor(2)
    await settled(tenantId)
    const [done] = await logs(token)
    expect(done).toMatchObject({ id: failed.id, status: 'succeeded', attempts: 2, responseStatusCode: 200 })
    expect(done.errorMessage).toBe('')
  })
})

describe('health', () => {
  it('goes healthy → unhealthy → suspended with audit events, and PATCH enabled:true resumes', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    r.script.push(500, 500, 500, 500)
    const endpoint = await hook(token, { url: r.url, events: ['reseller.updated'] })
    const reseller = await t.createReseller({}, token)
    const audit = async () =>
      (
        await call(
          'GET',
          `/v3/event-logs?resourceId=${endpoint.id}&sort=createdAt&limit=100`,
          token,
          undefined,
          200,
        )
      ).body as Json[]

    // Three failed attempts (one delivery, retried twice): unhealthy.
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'one' }, 200)
    await settled(tenantId)
    expect(r.received).toHaveLength(3)
    await becomes(token, endpoint.id, 'unhealthy')
    // Unhealthy endpoints are still delivered to. A burst of failures does not suspend: a long run does.
    // Past WEBHOOK_SUSPEND_AFTER (2 s) of failing without a success, the next failure suspends it.
    await sleep(2100)
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'two' }, 200)
    await settled(tenantId)
    expect(r.received).toHaveLength(4)
    await becomes(token, endpoint.id, 'suspended')
    // Suspension cancelled the retries that delivery had left.
    expect(
      (await logs(token, '&status=cancelled')).map((d) => JSON.parse(d.requestBody).data.description),
    ).toEqual(['two'])
    const actions = (await audit()).filter((e) => e.action !== 'webhook.created')
    expect(actions.map((e) => [e.action, e.actorType])).toEqual([
      ['webhook.unhealthy', 'system'],
      ['webhook.suspended', 'system'],
    ])
    expect(actions[0].changes).toEqual([
      { propertyName: 'status', oldValue: 'healthy', newValue: 'unhealthy' },
    ])
    expect(actions[1].changes).toEqual([
      { propertyName: 'status', oldValue: 'unhealthy', newValue: 'suspended' },
    ])

    // Suspended: new events are logged as cancelled and not sent.
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'three' }, 200)
    await settled(tenantId)
    await sleep(300)
    expect(r.received).toHaveLength(4)
    const cancelled = (await logs(token, '&status=cancelled')).filter(
      (d) => JSON.parse(d.requestBody).data.description === 'three',
    )
    expect(cancelled).toHaveLength(1)

    // PATCH enabled:true makes it healthy again and deliveries resume (the receiver now answers 200).
    const resumed = await call('PATCH', `/v3/webhooks/${endpoint.id}`, token, { enabled: true }, 200)
    expect(resumed.body).toMatchObject({ status: 'healthy', enabled: true })
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'four' }, 200)
    await r.waitFor(5)
    await settled(tenantId)
    expect(parsed(r.received[4] as Received).data.description).toBe('four')
    await becomes(token, endpoint.id, 'healthy')
    // The cancelled one can be sent on demand.
    await call('POST', `/v3/webhook-event-logs/${cancelled[0].id}/resend`, token, undefined, 202)
    const [, , , , , sixth] = await r.waitFor(6)
    expect(parsed(sixth as Received).data.description).toBe('three')
    const updates = (await audit()).filter((e) => e.action === 'webhook.updated')
    expect(updates.at(-1)?.changes).toEqual(
      expect.arrayContaining([{ propertyName: 'status', oldValue: 'suspended', newValue: 'healthy' }]),
    )
  })

  it('comes back to healthy on the first success after being unhealthy', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    r.script.push(400, 400, 400)
    const endpoint = await hook(token, { url: r.url, events: ['reseller.updated'] })
    const reseller = await t.createReseller({}, token)
    for (const description of ['a', 'b', 'c']) {
      await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description }, 200)
      await settled(tenantId)
    }
    await becomes(token, endpoint.id, 'unhealthy')
    await call('PATCH', `/v3/resellers/${reseller.id}`, token, { description: 'd' }, 200)
    await settled(tenantId)
    await becomes(token, endpoint.id, 'healthy')
    const audit = await call('GET', `/v3/event-logs?resourceId=${endpoint.id}&sort=createdAt`, token)
    expect(audit.body.map((e: Json) => e.action)).toEqual([
      'webhook.created',
      'webhook.unhealthy',
      'webhook.healthy',
    ])
  })

  it('keeps delivering while many endpoints fail at once', async () => {
    const { token, tenantId } = await tenant()
    const receivers: Receiver[] = []
    for (let i = 0; i < 10; i++) {
      const r = await receiver()
      r.script.push(503)
      receivers.push(r)
      await hook(token, { url: r.url, events: ['reseller.created'] })
    }
    await t.createReseller({}, token)
    await settled(tenantId)
    for (const r of receivers) expect(r.received).toHaveLength(2)
    const log = await logs(token)
    expect(log.map((d) => `${d.status}:${d.attempts}`)).toEqual(Array(10).fill('succeeded:2'))
  })
})

describe('deleted endpoints', () => {
  it('cancels what was still to be delivered and receives nothing more', async () => {
    const { token, tenantId } = await tenant()
    const r = await receiver()
    r.script.push(503, 503)
    const endpoint = await hook(token, { url: r.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    const [retrying] = await until('the first attempt to be recorded', async () => {
      const log = await logs(token, '&status=retrying')
      return log.length === 1 && log
    })
    await call('DELETE', `/v3/webhooks/${endpoint.id}`, token, undefined, 204)
    await t.createReseller({}, token)
    await settled(tenantId)
    await sleep(600)
    expect(r.received).toHaveLength(1)
    const log = await logs(token)
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ id: retrying.id, status: 'cancelled', attempts: 1 })
    expect((await call('POST', `/v3/webhook-event-logs/${retrying.id}/resend`, token)).status).toBe(404)
  })

  it('keeps a delivery cancelled when its endpoint is deleted during the attempt', async () => {
    const { token } = await tenant()
    const s = await server((_hit, response) => {
      setTimeout(() => response.writeHead(503).end('busy'), 600)
    })
    const endpoint = await hook(token, { url: s.url, events: ['reseller.created'] })
    await t.createReseller({}, token)
    await until('the attempt in flight', async () => s.hits.length === 1)
    await call('DELETE', `/v3/webhooks/${endpoint.id}`, token, undefined, 204)
    const [delivery] = await until('the attempt to be recorded', async () => {
      const log = await logs(token)
      return log[0]?.attempts === 1 && log
    })
    expect(delivery).toMatchObject({ status: 'cancelled', attempts: 1, responseStatusCode: 503 })
    expect(delivery.nextAttemptAt).toBeNull()
    await sleep(500)
    expect(s.hits).toHaveLength(1)
  })
})
