// v3 resellers: POST/GET /v3/resellers, GET/PATCH/DELETE /v3/resellers/{id}, end to end.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const RESELLER_KEYS = [
  'allowedOrganizations',
  'allowedUsers',
  'createdAt',
  'description',
  'email',
  'id',
  'name',
  'updatedAt',
]
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const post = (body: unknown, token = t.cspToken): Promise<Response<Json>> =>
  t.request('POST', '/v3/resellers', { token, body })
const get = (id: string, token = t.cspToken) => t.request('GET', `/v3/resellers/${id}`, { token })
const patch = (id: string, body: unknown, token = t.cspToken, headers: Record<string, string> = {}) =>
  t.request('PATCH', `/v3/resellers/${id}`, { token, body, headers })
const remove = (id: string, token = t.cspToken) => t.request('DELETE', `/v3/resellers/${id}`, { token })

const email = (prefix = 'r') => `${unique(prefix)}@example.com`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('POST /v3/resellers', () => {
  it('creates a reseller, defaulting allowedUsers and allowedOrganizations to -1', async () => {
    const address = email('create')
    const response = await post({ name: 'Acme Resale', email: address })
    expect(response.status, response.text).toBe(201)
    expect(Object.keys(response.body).sort()).toEqual(RESELLER_KEYS)
    expect(response.body).toMatchObject({
      name: 'Acme Resale',
      email: address,
      description: '',
      allowedUsers: -1,
      allowedOrganizations: -1,
    })
    expect(response.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(response.body.createdAt).toMatch(ISO)
    expect(response.body.updatedAt).toBe(response.body.createdAt)
    expect(await t.count('resellers', 'id = $1 AND tenant_id = $2', [response.body.id, t.tenantId])).toBe(1)
  })

  it('keeps given limits and description', async () => {
    const response = await post({
      name: 'Limited',
      email: email(),
      description: 'A small one',
      allowedUsers: 5,
      allowedOrganizations: 0,
    })
    expect(response.status, response.text).toBe(201)
    expect(response.body).toMatchObject({
      description: 'A small one',
      allowedUsers: 5,
      allowedOrganizations: 0,
    })
  })

  it('accepts a name of 256 characters and refuses one of 257', async () => {
    const ok = await post({ name: 'n'.repeat(256), email: email() })
    expect(ok.status, ok.text).toBe(201)
    expect(ok.body.name).toBe('n'.repeat(256))
    const before = await t.count('resellers')
    const tooLong = await post({ name: 'n'.repeat(257), email: email() })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toEqual({ message: expect.stringContaining('name'), code: 'VALIDATION_ERROR' })
    expect(await t.count('resellers')).toBe(before)
  })

  it.each([
    'not-an-email',
    'missing-at.example.com',
    'two@@example.com',
    '@example.com',
    'someone@',
    'spaces in@example.com',
    '',
  ])('refuses the malformed email %j with 400', async (value) => {
    const response = await post({ name: 'Bad email', email: value })
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toContain('email')
    expect(response.body.code).toBe('VALIDATION_ERROR')
  })

  it.each([
    [{ email: 'x@example.com' }, 'name'],
    [{ name: 'No email' }, 'email'],
    [{ name: '', email: 'x@example.com' }, 'name'],
    [{ name: 'Limit', email: 'x@example.com', allowedUsers: -2 }, 'allowedUsers'],
    [{ name: 'Limit', email: 'x@example.com', allowedOrganizations: 1.5 }, 'allowedOrganizations'],
    [{ name: 'Extra', email: 'x@example.com', password: 'nope' }, 'password'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const response = await post(body)
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toContain(field)
  })

  it('needs the reseller:write scope', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:read'] })
    const response = await post({ name: 'No scope', email: email() }, token)
    expect(response.status).toBe(403)
    expect(response.body).toEqual({ message: expect.stringContaining('reseller:write'), code: 'FORBIDDEN' })
  })
})

describe('GET /v3/resellers/{id}', () => {
  it('returns the reseller as created', async () => {
    const created = await t.createReseller({ description: 'Gettable' })
    const response = await get(created.id)
    expect(response.status).toBe(200)
    expect(response.body).toEqual(created)
  })

  it('answers 404 for an unknown id and for an id that is not a uuid', async () => {
    const unknown = await get(randomUUID())
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ message: expect.any(String), code: 'NOT_FOUND' })
    expect((await get('not-a-uuid')).status).toBe(404)
  })
})

describe('GET /v3/resellers', () => {
  it('pages with page and limit, with the total in Pagination-Count', async () => {
    for (let i = 0; i < 5; i++) await t.createReseller()
    const total = await t.count('resellers', 'tenant_id = $1 AND deleted_at IS NULL', [t.tenantId])
    expect(total).toBeGreaterThanOrEqual(5)

    const seen: string[] = []
    const pages = Math.ceil(total / 2)
    for (let page = 1; page <= pages; page++) {
      const response = await t.request('GET', `/v3/resellers?page=${page}&limit=2`, { token: t.cspToken })
      expect(response.status).toBe(200)
      expect(Array.isArray(response.body)).toBe(true)
      expect(response.headers.get('pagination-count')).toBe(String(total))
      expect(response.body.length).toBe(page < pages ? 2 : total - 2 * (pages - 1))
      for (const item of response.body) expect(Object.keys(item).sort()).toEqual(RESELLER_KEYS)
      seen.push(...response.body.map((r: { id: string }) => r.id))
    }
    expect(new Set(seen).size).toBe(total)

    const beyond = await t.request('GET', `/v3/resellers?page=${pages + 1}&limit=2`, { token: t.cspToken })
    expect(beyond.status).toBe(200)
    expect(beyond.body).toEqual([])
    expect(beyond.headers.get('pagination-count')).toBe(String(total))
  })

  it('defaults to 10 per page', async () => {
    for (let i = 0; i < 6; i++) await t.createReseller()
    const response = await t.request('GET', '/v3/resellers', { token: t.cspToken })
    expect(response.body.length).toBe(10)
  })

  it.each(['page=0', 'limit=0', 'limit=101', 'page=abc'])('refuses %s with 400', async (query) => {
    const response = await t.request('GET', `/v3/resellers?${query}`, { token: t.cspToken })
    expect(response.status).toBe(400)
    expect(response.body.code).toBe('VALIDATION_ERROR')
  })
})

describe('PATCH /v3/resellers/{id}', () => {
  it('changes the named fields, keeps the rest, moves updatedAt, and audits old and new values', async () => {
    const created = await t.createReseller({ description: 'Before', allowedUsers: 10 })
    await sleep(5)
    const correlationId = randomUUID()
    const newEmail = email('patched')
    const response = await patch(
      created.id,
      { name: 'Renamed Reseller', email: newEmail, allowedUsers: 20 },
      t.cspToken,
      { 'x-correlation-id': correlationId },
    )
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual({
      ...created,
      name: 'Renamed Reseller',
      email: newEmail,
      allowedUsers: 20,
      updatedAt: expect.stringMatching(ISO),
    })
    expect(response.body.description).toBe('Before')
    expect(response.body.allowedOrganizations).toBe(-1)
    expect(response.body.createdAt).toBe(created.createdAt)
    expect(new Date(response.body.updatedAt).getTime()).toBeGreaterThan(new Date(created.updatedAt).getTime())
    expect(await get(created.id).then((r) => r.body)).toEqual(response.body)

    const events = await t.request('GET', `/v3/event-logs?correlationId=${correlationId}`, {
      token: t.cspToken,
    })
    expect(events.body).toHaveLength(1)
    const [event] = events.body
    expect(event).toMatchObject({
      action: 'reseller.updated',
      resourceId: created.id,
      resellerId: created.id,
    })
    expect(event.changes).toEqual(
      expect.arrayContaining([
        { propertyName: 'name', oldValue: created.name, newValue: 'Renamed Reseller' },
        { propertyName: 'email', oldValue: created.email, newValue: newEmail },
        { propertyName: 'allowedUsers', oldValue: 10, newValue: 20 },
      ]),
    )
    expect(event.changes).toHaveLength(3)
  })

  it('leaves required fields alone on null, clears the description on null', async () => {
    const created = await t.createReseller({ description: 'To clear' })
    const response = await patch(created.id, { name: null, email: null, description: null })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toMatchObject({ name: created.name, email: created.email, description: '' })
  })

  it('changes nothing and audits nothing for an empty or same-value patch', async () => {
    const created = await t.createReseller()
    const correlationId = randomUUID()
    const empty = await patch(created.id, {}, t.cspToken, { 'x-correlation-id': correlationId })
    expect(empty.status).toBe(200)
    expect(empty.body).toEqual(created)
    const same = await patch(created.id, { name: created.name }, t.cspToken, {
      'x-correlation-id': correlationId,
    })
    expect(same.body).toEqual(created)
    expect(await t.count('audit_events', 'correlation_id = $1', [correlationId])).toBe(0)
  })

  it('validates like create', async () => {
    const created = await t.createReseller()
    expect((await patch(created.id, { name: 'n'.repeat(257) })).status).toBe(400)
    expect((await patch(created.id, { name: '' })).status).toBe(400)
    expect((await patch(created.id, { email: 'nope' })).status).toBe(400)
    expect((await patch(created.id, { allowedUsers: -5 })).status).toBe(400)
    expect((await patch(created.id, { id: randomUUID() })).status).toBe(400)
    expect((await get(created.id)).body).toEqual(created)
    expect((await patch(created.id, { name: 'n'.repeat(256) })).status).toBe(200)
  })

  it('answers 404 for an unknown reseller', async () => {
    expect((await patch(randomUUID(), { name: 'Ghost' })).status).toBe(404)
  })
})

describe('DELETE /v3/resellers/{id}', () => {
  it('deletes: 204, then 404 everywhere, and it leaves the list', async () => {
    const created = await t.createReseller()
    const response = await remove(created.id)
    expect(response.status).toBe(204)
    expect(response.text).toBe('')
    expect((await get(created.id)).status).toBe(404)
    expect((await patch(created.id, { name: 'Zombie' })).status).toBe(404)
    expect((await remove(created.id)).status).toBe(404)
    const list = await t.request('GET', '/v3/resellers?limit=100', { token: t.cspToken })
    expect(list.body.map((r: { id: string }) => r.id)).not.toContain(created.id)
    expect(
      await t.count('audit_events', "action = 'reseller.deleted' AND resource_id = $1", [created.id]),
    ).toBe(1)
  })

  it('refuses with 409 while the reseller has an organization, and deletes once it is gone', async () => {
    const created = await t.createReseller()
    const organization = await t.createOrganization(created.id)
    const refused = await remove(created.id)
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ message: expect.any(String), code: 'RESOURCE_IN_USE' })
    expect((await get(created.id)).status).toBe(200)
    const dropped = await t.request(
      'DELETE',
      `/v3/resellers/${created.id}/organizations/${organization.id}`,
      {
        token: t.cspToken,
      },
    )
    expect(dropped.status).toBe(204)
    expect((await remove(created.id)).status).toBe(204)
  })

  it('refuses with 409 while the reseller has a user', async () => {
    const created = await t.createReseller()
    const user = await t.request('POST', `/v3/resellers/${created.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'Still',
        lastName: 'Here',
        email: email('user'),
        role: 'user',
        allowCustomerPortalAccess: false,
        password: 'password123',
      },
    })
    expect(user.status, user.text).toBe(201)
    const refused = await remove(created.id)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('RESOURCE_IN_USE')
    expect(
      await t.count('audit_events', "action = 'reseller.deleted' AND resource_id = $1", [created.id]),
    ).toBe(0)
    expect((await get(created.id)).status).toBe(200)
  })
})

describe('a reseller token', () => {
  let own: Json
  let other: Json
  let token: string
  beforeAll(async () => {
    own = await t.createReseller()
    other = await t.createReseller()
    token = await t.tokenFor({ role: 'reseller', resellerId: own.id })
  })

  it('sees only its own reseller in the list', async () => {
    const response = await t.request('GET', '/v3/resellers?limit=100', { token })
    expect(response.status).toBe(200)
    expect(response.body).toEqual([own])
    expect(response.headers.get('pagination-count')).toBe('1')
  })

  it('gets its own reseller, and 403 for another reseller’s id (existing or not)', async () => {
    expect((await get(own.id, token)).body).toEqual(own)
    const response = await get(other.id, token)
    expect(response.status).toBe(403)
    expect(response.body.code).toBe('FORBIDDEN')
    expect((await get(randomUUID(), token)).status).toBe(403)
  })

  it('cannot create, patch or delete resellers (403), its own included', async () => {
    expect((await post({ name: 'Mine now', email: email() }, token)).status).toBe(403)
    expect((await patch(own.id, { name: 'Self-renamed' }, token)).status).toBe(403)
    expect((await patch(other.id, { name: 'Hijacked' }, token)).status).toBe(403)
    expect((await remove(own.id, token)).status).toBe(403)
    expect((await remove(other.id, token)).status).toBe(403)
    expect((await get(own.id)).body).toEqual(own)
    expect((await get(other.id)).body).toEqual(other)
  })
})

describe('another tenant', () => {
  it('its resellers are 404 for this tenant’s csp token, and never listed', async () => {
    const tenant = await t.createTenant(`${unique('other')}.example.com`)
    const theirs = await t.createReseller({}, tenant.token)
    expect((await get(theirs.id, tenant.token)).status).toBe(200)

    expect((await get(theirs.id)).status).toBe(404)
    expect((await patch(theirs.id, { name: 'Cross-tenant' })).status).toBe(404)
    expect((await remove(theirs.id)).status).toBe(404)
    const list = await t.request('GET', '/v3/resellers?limit=100', { token: t.cspToken })
    expect(list.body.map((r: { id: string }) => r.id)).not.toContain(theirs.id)
    expect((await get(theirs.id, tenant.token)).body).toEqual(theirs)

    const ours = await t.createReseller()
    expect((await get(ours.id, tenant.token)).status).toBe(404)
  })
})

describe('deleting a reseller with API clients', () => {
  it("revokes the reseller's clients: their secrets get no token and their tokens are refused", async () => {
    const reseller = await t.createReseller()
    const created = await t.request('POST', '/v3/clients', {
      token: t.cspToken,
      body: { name: 'doomed', role: 'reseller', resellerId: reseller.id, scopes: ['reseller:read'] },
    })
    expect(created.status, created.text).toBe(201)
    const issue = () =>
      t.request('POST', '/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: created.body.clientId,
          client_secret: created.body.clientSecret,
        },
      })
    const before = await issue()
    expect(before.status).toBe(200)
    // Used once, so that this process holds the client as active: the delete must drop it at once.
    const used = await t.request('GET', `/v3/resellers/${reseller.id}`, { token: before.body.access_token })
    expect(used.status, used.text).toBe(200)
    expect((await remove(reseller.id)).status).toBe(204)
    expect((await t.request('GET', '/v3/resellers', { token: before.body.access_token })).status).toBe(401)
    expect((await issue()).status).toBe(401)
    expect(
      await t.count('audit_events', "action = 'client.deleted' AND resource_id = $1", [created.body.id]),
    ).toBe(1)
  })
})
