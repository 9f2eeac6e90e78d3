// API clients: POST/GET/DELETE /v3/clients, the secret shown once and stored hashed, no escalation.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCOPES } from '../../src/auth/scopes.ts'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let otherResellerId: string
/** A reseller token that may manage clients, with a few scopes to hand on. */
let resellerToken: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  otherResellerId = (await t.createReseller()).id
  resellerToken = await t.tokenFor({
    role: 'reseller',
    resellerId,
    scopes: ['client:read', 'client:write', 'reseller:read'],
  })
})
afterAll(async () => {
  await t?.close()
})

const createClient = (body: Record<string, unknown>, token = t.cspToken): Promise<Response<Json>> =>
  t.request('POST', '/v3/clients', { token, body: { name: unique('client '), ...body } })

const issue = (clientId: string, clientSecret: string) =>
  t.request('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  })

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf)
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)])
  return []
}

describe('POST /v3/clients', () => {
  it('creates a client whose secret, shown once, gets a token at /oauth/token', async () => {
    const response = await createClient({ role: 'csp', scopes: ['reseller:read', 'client:read'] })
    expect(response.status, response.text).toBe(201)
    expect(response.headers.get('cache-control')).toContain('no-store')
    expect(response.body).toEqual({
      id: expect.any(String),
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      name: expect.any(String),
      role: 'csp',
      resellerId: null,
      scopes: ['reseller:read', 'client:read'],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })
    const { clientId, clientSecret } = response.body
    expect(clientSecret.length).toBeGreaterThanOrEqual(32)

    const issued = await issue(clientId, clientSecret)
    expect(issued.status, issued.text).toBe(200)
    expect(issued.body.scope).toBe('reseller:read client:read')
    expect((await t.request('GET', '/v3/resellers', { token: issued.body.access_token })).status).toBe(200)
  })

  it('stores only a hash of the secret', async () => {
    const { body } = await createClient({ role: 'csp', scopes: ['reseller:read'] })
    const { rows } = await t.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM api_clients WHERE client_id = $1',
      [body.clientId],
    )
    const stored = rows[0]?.secret_hash as string
    expect(stored).toEqual(expect.any(String))
    expect(stored).not.toBe(body.clientSecret)
    expect(stored).not.toContain(body.clientSecret)
    // The audit event of the creation carries no secret either.
    const audit = await t.db.query('SELECT changes FROM audit_events WHERE resource_id = $1', [body.id])
    expect(audit.rows).toHaveLength(1)
    expect(JSON.stringify(audit.rows)).not.toContain(body.clientSecret)
    expect(JSON.stringify(audit.rows)).not.toContain(stored)
  })

  it('creates a reseller client whose tokens name the reseller', async () => {
    const response = await createClient({ role: 'reseller', resellerId, scopes: ['reseller:read'] })
    expect(response.status, response.text).toBe(201)
    expect(response.body).toMatchObject({ role: 'reseller', resellerId })
    const issued = await issue(response.body.clientId, response.body.clientSecret)
    const list = await t.request('GET', '/v3/resellers', { token: issued.body.access_token })
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([resellerId])
  })

  it('accepts a name of 256 characters and refuses one of 257', async () => {
    const ok = await createClient({ name: 'n'.repeat(256), role: 'csp', scopes: ['reseller:read'] })
    expect(ok.status, ok.text).toBe(201)
    expect(ok.body.name).toBe('n'.repeat(256))
    const tooLong = await createClient({ name: 'n'.repeat(257), role: 'csp', scopes: ['reseller:read'] })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toEqual({ message: expect.stringContaining('name'), code: 'VALIDATION_ERROR' })
  })

  it('refuses an unknown scope with 400', async () => {
    const before = await t.count('api_clients')
    const response = await createClient({ role: 'csp', scopes: ['reseller:read', 'everything'] })
    expect(response.status).toBe(400)
    expect(response.body.message).toContain('everything')
    expect(await t.count('api_clients')).toBe(before)
  })

  it('refuses role reseller without resellerId with 400', async () => {
    const response = await createClient({ role: 'reseller', scopes: ['reseller:read'] })
    expect(response.status).toBe(400)
    expect(response.body.message).toMatch(/resellerId/)
  })

  it('refuses a resellerId that names no reseller of this tenant with 400', async () => {
    const response = await createClient({
      role: 'reseller',
      resellerId: randomUUID(),
      scopes: ['reseller:read'],
    })
    expect(response.status).toBe(400)
  })

  it('refuses a csp client that names a reseller with 400', async () => {
    const response = await createClient({ role: 'csp', resellerId, scopes: ['reseller:read'] })
    expect(response.status).toBe(400)
  })

  it('refuses an empty scope list and an unknown role with 400', async () => {
    expect((await createClient({ role: 'csp', scopes: [] })).status).toBe(400)
    expect((await createClient({ role: 'admin', scopes: ['reseller:read'] })).status).toBe(400)
  })

  it('needs the client:write scope', async () => {
    const token = await t.tokenFor({ scopes: ['client:read', 'reseller:read'] })
    const response = await createClient({ role: 'csp', scopes: ['reseller:read'] }, token)
    expect(response.status).toBe(403)
    expect(response.body.message).toContain('client:write')
  })
})

describe('no escalation through a reseller token', () => {
  it('cannot create a csp client (403)', async () => {
    const response = await createClient({ role: 'csp', scopes: ['reseller:read'] }, resellerToken)
    expect(response.status).toBe(403)
    expect(response.body.code).toBe('FORBIDDEN')
  })

  it('cannot create a client for another reseller (403)', async () => {
    const response = await createClient(
      { role: 'reseller', resellerId: otherResellerId, scopes: ['reseller:read'] },
      resellerToken,
    )
    expect(response.status).toBe(403)
  })

  it('cannot give a client a scope the token lacks (403)', async () => {
    const response = await createClient(
      { role: 'reseller', resellerId, scopes: ['reseller:read', 'reseller:write'] },
      resellerToken,
    )
    expect(response.status).toBe(403)
    expect(response.body.message).toContain('reseller:write')
  })

  it('can create a client of its own reseller with scopes it has', async () => {
    const response = await createClient(
      { role: 'reseller', resellerId, scopes: ['reseller:read'] },
      resellerToken,
    )
    expect(response.status, response.text).toBe(201)
    expect(response.body.resellerId).toBe(resellerId)
  })

  it('a csp token cannot hand on a scope it lacks either (403)', async () => {
    const token = await t.tokenFor({ scopes: ['client:write', 'reseller:read'] })
    const response = await createClient({ role: 'csp', scopes: ['reseller:write'] }, token)
    expect(response.status).toBe(403)
  })
})

describe('GET /v3/clients', () => {
  it('never shows a secret', async () => {
    const response = await t.request('GET', '/v3/clients?limit=100', { token: t.cspToken })
    expect(response.status).toBe(200)
    expect(response.body.length).toBeGreaterThan(0)
    expect(Number(response.headers.get('pagination-count'))).toBeGreaterThanOrEqual(response.body.length)
    const keys = keysOf(response.body)
    expect(keys.filter((key) => key.toLowerCase().includes('secret'))).toEqual([])
    expect(keys.filter((key) => key.toLowerCase().includes('hash'))).toEqual([])
  })

  it('shows a reseller token only its own reseller’s clients', async () => {
    await createClient({ role: 'reseller', resellerId: otherResellerId, scopes: ['reseller:read'] })
    const response = await t.request('GET', '/v3/clients?limit=100', { token: resellerToken })
    expect(response.status).toBe(200)
    expect(response.body.length).toBeGreaterThan(0)
    expect(response.body.every((c: { resellerId: string }) => c.resellerId === resellerId)).toBe(true)
  })
})

describe('DELETE /v3/clients/{id}', () => {
  it('revokes the client: its secret gets no token and its issued tokens are refused at once', async () => {
    const created = await createClient({ role: 'csp', scopes: ['reseller:read', 'client:read'] })
    const issued = await issue(created.body.clientId, created.body.clientSecret)
    const accessToken = issued.body.access_token as string
    expect((await t.request('GET', '/v3/resellers', { token: accessToken })).status).toBe(200)

    const deleted = await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: t.cspToken })
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')

    const again = await issue(created.body.clientId, created.body.clientSecret)
    expect(again.status).toBe(401)
    expect(again.body.error).toBe('invalid_client')

    const refused = await t.request('GET', '/v3/resellers', { token: accessToken })
    expect(refused.status).toBe(401)
    expect(refused.body).toEqual({ message: expect.any(String), code: 'UNAUTHORIZED' })

    const list = await t.request('GET', '/v3/clients?limit=100', { token: t.cspToken })
    expect(list.body.map((c: { id: string }) => c.id)).not.toContain(created.body.id)
    expect(
      await t.count('audit_events', "action = 'client.deleted' AND resource_id = $1", [created.body.id]),
    ).toBe(1)
  })

  it('answers 404 for a client already revoked, unknown, or not a uuid', async () => {
    const created = await createClient({ role: 'csp', scopes: ['reseller:read'] })
    expect((await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: t.cspToken })).status).toBe(
      204,
    )
    expect((await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: t.cspToken })).status).toBe(
      404,
    )
    expect((await t.request('DELETE', `/v3/clients/${randomUUID()}`, { token: t.cspToken })).status).toBe(404)
    expect((await t.request('DELETE', '/v3/clients/not-a-uuid', { token: t.cspToken })).status).toBe(404)
  })

  it('a reseller token cannot revoke another reseller’s client (404)', async () => {
    const other = await createClient({
      role: 'reseller',
      resellerId: otherResellerId,
      scopes: ['reseller:read'],
    })
    const response = await t.request('DELETE', `/v3/clients/${other.body.id}`, { token: resellerToken })
    expect(response.status).toBe(404)
    expect((await issue(other.body.clientId, other.body.clientSecret)).status).toBe(200)
  })

  it('another tenant cannot see or revoke this tenant’s clients', async () => {
    const created = await createClient({ role: 'csp', scopes: ['reseller:read'] })
    const other = await t.createTenant(`${unique('clients')}.example.com`)
    const list = await t.request('GET', '/v3/clients?limit=100', { token: other.token })
    expect(list.body.map((c: { id: string }) => c.id)).not.toContain(created.body.id)
    const response = await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: other.token })
    expect(response.status).toBe(404)
  })

  it('a revoked client of every scope stops working too', async () => {
    const created = await createClient({ role: 'csp', scopes: [...SCOPES] })
    const accessToken = (await issue(created.body.clientId, created.body.clientSecret)).body.access_token
    // The client revokes itself.
    expect((await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: accessToken })).status).toBe(
      204,
    )
    expect((await t.request('GET', '/v3/clients', { token: accessToken })).status).toBe(401)
  })
})
