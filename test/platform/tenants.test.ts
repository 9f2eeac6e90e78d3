import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, TENANT, type TestApp } from '../support/app.ts'

let t: TestApp
let platformToken: string

beforeAll(async () => {
  t = await startTestApp()
  platformToken = await t.platformToken()
})
afterAll(async () => {
  await t?.close()
})

async function tokenOf(clientId: string, clientSecret: string) {
  return t.request('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  })
}

describe('platform tenants', () => {
  it('creates a tenant and returns its first csp client once, whose secret works', async () => {
    const response = await t.request('POST', '/platform/tenants', {
      token: platformToken,
      body: { domain: 'new.example.com', name: 'New portal' },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.body).toMatchObject({ domain: 'new.example.com', name: 'New portal', disabled: false })
    const { clientId, clientSecret } = response.body.client
    const token = await tokenOf(clientId, clientSecret)
    expect(token.status).toBe(200)
    // The new tenant works through both dialects, with its own built-in groups.
    const reseller = await t.createReseller({}, token.body.access_token)
    expect(reseller.id).toBeTruthy()
    const groups = await t.request('GET', '/v1/users/groups', {
      token: token.body.access_token,
      headers: { 'x-tenant': 'new.example.com' },
    })
    expect(groups.status).toBe(200)
    expect(groups.body.totalCount).toBe(3)

    const listed = await t.request('GET', '/platform/tenants', { token: platformToken })
    expect(listed.status).toBe(200)
    expect(JSON.stringify(listed.body)).not.toContain(clientSecret)
    expect(listed.body.map((tenant: { domain: string }) => tenant.domain)).toEqual(
      expect.arrayContaining([TENANT, 'new.example.com']),
    )
  })

  it('refuses a duplicate domain with 409 and writes nothing', async () => {
    const before = await t.count('tenants')
    const response = await t.request('POST', '/platform/tenants', {
      token: platformToken,
      body: { domain: TENANT, name: 'Again' },
    })
    expect(response.status).toBe(409)
    expect(response.body.code).toBe('DUPLICATE_FIELD_VALUE')
    expect(await t.count('tenants')).toBe(before)
  })

  it.each([
    ['an upper-case domain', { domain: 'UPPER.example.com', name: 'x' }],
    ['a domain with a space', { domain: 'a b.example.com', name: 'x' }],
    ['an empty name', { domain: 'ok.example.com', name: '' }],
    ['a name of 257 characters', { domain: 'ok.example.com', name: 'n'.repeat(257) }],
    ['an unknown field', { domain: 'ok.example.com', name: 'x', extra: true }],
  ])('refuses %s with 400', async (_label, body) => {
    const response = await t.request('POST', '/platform/tenants', { token: platformToken, body })
    expect(response.status).toBe(400)
    expect(typeof response.body.message).toBe('string')
  })

  it('accepts a name of 256 characters', async () => {
    const response = await t.request('POST', '/platform/tenants', {
      token: platformToken,
      body: { domain: 'long.example.com', name: 'n'.repeat(256) },
    })
    expect(response.status).toBe(201)
  })

  it('renames a tenant and audits it', async () => {
    const created = await t.request('POST', '/platform/tenants', {
      token: platformToken,
      body: { domain: 'rename.example.com', name: 'Before' },
    })
    const response = await t.request('PATCH', `/platform/tenants/${created.body.id}`, {
      token: platformToken,
      body: { name: 'After' },
    })
    expect(response.status).toBe(200)
    expect(response.body.name).toBe('After')
    const got = await t.request('GET', `/platform/tenants/${created.body.id}`, { token: platformToken })
    expect(got.body.name).toBe('After')
    const audit = await t.db.query<{ changes: unknown }>(
      "SELECT changes FROM audit_events WHERE resource_id = $1 AND action = 'tenant.updated'",
      [created.body.id],
    )
    expect(audit.rows[0]?.changes).toEqual([{ field: 'name', from: 'Before', to: 'After' }])
  })

  it('disables a tenant: its tokens and clients stop working, its data stays, and it can be re-enabled', async () => {
    const created = await t.request('POST', '/platform/tenants', {
      token: platformToken,
      body: { domain: 'disable.example.com', name: 'Soon disabled' },
    })
    const { clientId, clientSecret } = created.body.client
    const token = (await tokenOf(clientId, clientSecret)).body.access_token
    const reseller = await t.createReseller({}, token)

    const deleted = await t.request('DELETE', `/platform/tenants/${created.body.id}`, {
      token: platformToken,
    })
    expect(deleted.status).toBe(204)
    expect((await t.request('GET', '/v3/resellers', { token })).status).toBe(401)
    expect((await tokenOf(clientId, clientSecret)).status).toBe(401)
    expect(await t.count('resellers', 'id = $1', [reseller.id])).toBe(1)
    const got = await t.request('GET', `/platform/tenants/${created.body.id}`, { token: platformToken })
    expect(got.body.disabled).toBe(true)

    const enabled = await t.request('PATCH', `/platform/tenants/${created.body.id}`, {
      token: platformToken,
      body: { disabled: false },
    })
    expect(enabled.body.disabled).toBe(false)
    expect((await tokenOf(clientId, clientSecret)).status).toBe(200)
  })

  it('answers 404 for an unknown tenant', async () => {
    const response = await t.request('GET', '/platform/tenants/0193b0c4-0000-7000-8000-000000000000', {
      token: platformToken,
    })
    expect(response.status).toBe(404)
    expect((await t.request('GET', '/platform/tenants/nope', { token: platformToken })).status).toBe(404)
  })
})

describe('platform reach', () => {
  it('refuses tenant management to a csp token and to no token', async () => {
    expect((await t.request('GET', '/platform/tenants', { token: t.cspToken })).status).toBe(403)
    expect((await t.request('GET', '/platform/tenants')).status).toBe(401)
    const response = await t.request('POST', '/platform/tenants', {
      token: t.cspToken,
      body: { domain: 'csp.example.com', name: 'x' },
    })
    expect(response.status).toBe(403)
  })

  it("never reads a tenant's resellers or users with a platform token", async () => {
    const reseller = await t.createReseller()
    expect((await t.request('GET', '/v3/resellers', { token: platformToken })).status).toBe(403)
    expect((await t.request('GET', `/v3/resellers/${reseller.id}`, { token: platformToken })).status).toBe(
      403,
    )
    expect((await t.v1('GET', '/v1/users/groups', { token: platformToken })).status).toBe(403)
  })
})
