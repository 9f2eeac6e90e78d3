// Cryptlex's own OpenAPI document as the judge of v3. Every test app judges every v3 response it sends
// (test/support/cryptlex-conformance.ts, run around every test); this file proves the judge can fail, and calls
// every operation Cryptlex publishes that we serve, with a success and a refusal, so none goes unjudged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ResellerDto } from '../../src/dialects/v3/schemas.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'
import { CRYPTLEX_SHAPES, cryptlexTally, cryptlexViolation } from '../support/cryptlex-conformance.ts'
import { type Receiver, startReceiver } from '../webhooks/receiver.ts'

/** Cryptlex's license and activation operations: we have no licenses, so we serve none of them. */
const NOT_SERVED = new Set([
  'GetAllResellerActivations',
  'GetResellerActivation',
  'ExportResellerActivations',
  'GetAllResellerLicenses',
  'GetResellerLicense',
  'UpdateResellerLicense',
  'DeleteResellerLicense',
  'GetLicenseFeatureEntitlementsResellerLicense',
  'ExportResellerLicenses',
])

const reseller = {
  id: '0190f3c0-0000-7000-8000-000000000001',
  createdAt: '2026-12-04T10:00:00.000Z',
  updatedAt: '2026-12-04T10:00:00.000Z',
  name: 'Acme',
  email: 'acme@example.com',
  description: '',
  allowedUsers: -1,
  allowedOrganizations: -1,
}
const sent = (route: string, status: number, body: unknown, method = 'GET') => ({
  method,
  route,
  status,
  contentType: 'application/json; charset=utf-8',
  payload: JSON.stringify(body),
  ourSchema: ResellerDto,
})

describe('the judge', () => {
  it('passes a reseller as Cryptlex shapes it', () => {
    expect(cryptlexViolation(sent('/v3/resellers/:id', 200, reseller))).toBeNull()
  })

  it('fails a null where Cryptlex requires a string, a missing field, a field Cryptlex has not, a wrong type', () => {
    expect(cryptlexViolation(sent('/v3/resellers/:id', 200, { ...reseller, description: null }))).toMatch(
      /GetReseller 200: \/description must be string/,
    )
    const { email: _, ...noEmail } = reseller
    expect(cryptlexViolation(sent('/v3/resellers/:id', 200, noEmail))).toMatch(
      /must have required property 'email'/,
    )
    expect(cryptlexViolation(sent('/v3/resellers/:id', 200, { ...reseller, tier: 'gold' }))).toMatch(
      /must NOT have additional properties/,
    )
    expect(cryptlexViolation(sent('/v3/resellers', 200, [{ ...reseller, allowedUsers: '5' }]))).toMatch(
      /GetAllResellers 200: \/0\/allowedUsers must be integer/,
    )
  })

  it('fails an error body of another shape, and a success status Cryptlex does not document', () => {
    expect(cryptlexViolation(sent('/v3/resellers/:id', 404, { error: 'not found' }))).toMatch(
      /GetReseller 404: .*required property 'message'/,
    )
    expect(cryptlexViolation(sent('/v3/resellers', 200, reseller, 'POST'))).toMatch(
      /CreateReseller 200: Cryptlex documents 201/,
    )
  })

  it('allows a field our schema marks as an extension, and only that one', () => {
    const role = {
      id: 'r',
      createdAt: reseller.createdAt,
      updatedAt: reseller.updatedAt,
      name: 'auditor',
      description: '',
      claims: ['reseller:read'],
    }
    const ours = {
      type: 'object',
      properties: { isBuiltin: { type: 'boolean', 'x-extension': true }, tier: { type: 'string' } },
    }
    const judged = (body: unknown) =>
      cryptlexViolation({ ...sent('/v3/roles/:id', 200, body), ourSchema: ours as never })
    expect(judged({ ...role, isBuiltin: false })).toBeNull()
    expect(judged({ ...role, isBuiltin: false, tier: 'x' })).toMatch(/must NOT have additional properties/)
  })
})

describe('every Cryptlex operation we serve, judged with a success and a refusal', () => {
  let t: TestApp
  let receiver: Receiver
  beforeAll(async () => {
    t = await startTestApp(
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_MS: '50' },
      { dispatcher: true },
    )
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await receiver?.close()
    await t?.close()
  })

  it('answers each as Cryptlex documents it', async () => {
    const token = t.cspToken
    const call = async (method: string, path: string, status: number, body?: unknown, as = token) => {
      const response = await t.request(method, path, { token: as, body })
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(status)
      return response.body
    }
    const none = crypto.randomUUID()
    const reader = await t.tokenFor({ scopes: ['reseller:read'] })

    // Resellers, organizations, users
    const r = await call('POST', '/v3/resellers', 201, {
      name: unique('R '),
      email: `${unique('r')}@example.com`,
    })
    await call('POST', '/v3/resellers', 400, { name: '' })
    await call('GET', '/v3/resellers', 200)
    await call('GET', '/v3/resellers', 401, undefined, 'not-a-token')
    await call('GET', `/v3/resellers/${r.id}`, 200)
    await call('GET', `/v3/resellers/${none}`, 404)
    await call('PATCH', `/v3/resellers/${r.id}`, 200, { description: null })
    await call('PATCH', `/v3/resellers/${r.id}`, 403, { name: 'x' }, reader)
    const o = await call('POST', `/v3/resellers/${r.id}/organizations`, 201, {
      name: unique('O '),
      email: `${unique('o')}@example.com`,
    })
    await call('POST', `/v3/resellers/${none}/organizations`, 404, { name: 'O', email: 'o@example.com' })
    await call('GET', `/v3/resellers/${r.id}/organizations`, 200)
    await call('GET', `/v3/resellers/${none}/organizations`, 404)
    await call('GET', `/v3/resellers/${r.id}/organizations/${o.id}`, 200)
    await call('GET', `/v3/resellers/${r.id}/organizations/${none}`, 404)
    await call('PATCH', `/v3/resellers/${r.id}/organizations/${o.id}`, 200, { address: { city: 'Pune' } })
    await call('PATCH', `/v3/resellers/${r.id}/organizations/${o.id}`, 400, { allowedUsers: 'many' })
    const userBody = {
      firstName: 'Conform',
      email: `${unique('u')}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'password1',
    }
    const u = await call('POST', `/v3/resellers/${r.id}/users`, 201, { ...userBody, organizationId: o.id })
    const loner = await call('POST', `/v3/resellers/${r.id}/users`, 201, {
      ...userBody,
      email: `${unique('u')}@example.com`,
    })
    expect(loner).not.toHaveProperty('organization')
    await call('POST', `/v3/resellers/${r.id}/users`, 409, userBody)
    await call('GET', `/v3/resellers/${r.id}/users`, 200)
    await call('GET', `/v3/resellers/${r.id}/users?page=0`, 400)
    await call('GET', `/v3/resellers/${r.id}/users/export`, 200)
    await call('GET', `/v3/resellers/${none}/users/export`, 404)
    await call('GET', `/v3/resellers/${r.id}/users/${u.id}`, 200)
    await call('GET', `/v3/resellers/${r.id}/users/${none}`, 404)
    await call('PATCH', `/v3/resellers/${r.id}/users/${u.id}`, 200, { company: 'Acme' })
    await call('PATCH', `/v3/resellers/${r.id}/users/${u.id}`, 400, { email: 'not an email' })
    await call('DELETE', `/v3/resellers/${r.id}/users/${loner.id}`, 204)
    await call('DELETE', `/v3/resellers/${r.id}/users/${loner.id}`, 404)

    // Roles
    const role = await call('POST', '/v3/roles', 201, { name: unique('role'), claims: ['reseller:read'] })
    await call('POST', '/v3/roles', 400, { name: 'x', claims: [] })
    await call('GET', '/v3/roles', 200)
    await call('GET', '/v3/roles', 403, undefined, reader)
    await call('GET', '/v3/roles/claims', 200)
    await call('GET', '/v3/roles/claims', 401, undefined, 'not-a-token')
    await call('GET', `/v3/roles/${role.id}`, 200)
    await call('GET', `/v3/roles/${none}`, 404)
    await call('PATCH', `/v3/roles/${role.id}`, 200, { description: 'reads resellers' })
    await call('PATCH', `/v3/roles/${none}`, 404, { description: 'x' })
    await call('DELETE', `/v3/roles/${role.id}`, 204)
    await call('DELETE', `/v3/roles/${role.id}`, 404)

    // Webhooks and their delivery log
    const hook = await call('POST', '/v3/webhooks', 201, {
      name: 'conformance',
      url: receiver.url,
      token: unique('token-'),
      enabled: true,
      events: ['reseller.updated'],
    })
    await call('POST', '/v3/webhooks', 400, { name: 'x', url: 'not a url', events: [] })
    await call('GET', '/v3/webhooks', 200)
    await call('GET', '/v3/webhooks', 403, undefined, reader)
    await call('GET', '/v3/webhooks/events', 200)
    await call('GET', '/v3/webhooks/events', 401, undefined, 'not-a-token')
    await call('GET', `/v3/webhooks/${hook.id}`, 200)
    await call('GET', `/v3/webhooks/${none}`, 404)
    await call('PATCH', `/v3/webhooks/${hook.id}`, 200, { name: 'renamed' })
    await call('PATCH', `/v3/webhooks/${hook.id}`, 400, { url: 'not a url' })
    await call('PATCH', `/v3/resellers/${r.id}`, 200, { description: 'sends one delivery' })
    await receiver.waitFor(1)
    let [delivery] = await call('GET', `/v3/webhook-event-logs?webhookId=${hook.id}`, 200)
    for (let i = 0; i < 50 && delivery.status !== 'succeeded'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      delivery = await call('GET', `/v3/webhook-event-logs/${delivery.id}`, 200)
    }
    await call('GET', `/v3/webhook-event-logs/${delivery.id}`, 200)
    await call('GET', '/v3/webhook-event-logs', 403, undefined, reader)
    await call('GET', `/v3/webhook-event-logs/${none}`, 404)
    await call('POST', `/v3/webhook-event-logs/${delivery.id}/resend`, 202)
    await call('POST', `/v3/webhook-event-logs/${none}/resend`, 404)
    await call('DELETE', `/v3/webhooks/${hook.id}`, 204)
    await call('DELETE', `/v3/webhooks/${hook.id}`, 404)

    // The event log
    const [event] = await call('GET', '/v3/event-logs', 200)
    await call('GET', '/v3/event-logs?page=1e308', 400)
    await call('GET', `/v3/event-logs/${event.id}`, 200)
    await call('GET', `/v3/event-logs/${none}`, 404)
    await call('GET', '/v3/event-logs/resources', 200)
    await call('GET', '/v3/event-logs/resources', 401, undefined, 'not-a-token')
    await call('GET', '/v3/event-logs/export', 200)
    await call('GET', '/v3/event-logs/export', 403, undefined, reader)

    // Last, the delete that needs the reseller empty, and its refusal while it is not.
    await call('DELETE', `/v3/resellers/${r.id}`, 409)
    await call('DELETE', `/v3/resellers/${r.id}/users/${u.id}`, 204)
    await call('DELETE', `/v3/resellers/${r.id}/organizations/${o.id}`, 204)
    await call('DELETE', `/v3/resellers/${r.id}/organizations/${o.id}`, 404)
    await call('DELETE', `/v3/resellers/${r.id}`, 204)

    // Every Cryptlex operation we serve was judged, with a success and a refusal.
    const judged = [...cryptlexTally().keys()]
    const published = Object.values(CRYPTLEX_SHAPES.paths).flatMap((byMethod) =>
      Object.values(byMethod).map((operation) => operation.operationId),
    )
    const unjudged = published
      .filter((id) => !NOT_SERVED.has(id))
      .flatMap((id) => [
        ...(judged.some((k) => k.startsWith(`${id} 2`)) ? [] : [`${id} 2xx`]),
        ...(judged.some((k) => k.startsWith(`${id} 4`)) ? [] : [`${id} 4xx`]),
      ])
    expect(unjudged).toEqual([])
  })
})
