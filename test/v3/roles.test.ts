import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const userBody = (role: string, email: string) => ({
  firstName: 'Role',
  lastName: 'Holder',
  email,
  role,
  allowCustomerPortalAccess: false,
  password: 'password1',
})

describe('v3 roles', () => {
  it('lists the three built-ins, read-only, with the total in a header', async () => {
    const response = await t.request('GET', '/v3/roles?name[in]=reseller-admin,organization-admin,user', {
      token: t.cspToken,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('pagination-count')).toBe('3')
    expect(response.body.map((r: { name: string }) => r.name).sort()).toEqual([
      'organization-admin',
      'reseller-admin',
      'user',
    ])
    expect(response.body.every((r: { isBuiltin: boolean }) => r.isBuiltin)).toBe(true)
    const builtin = response.body[0]
    const patch = await t.request('PATCH', `/v3/roles/${builtin.id}`, {
      token: t.cspToken,
      body: { description: 'changed' },
    })
    expect(patch.status).toBe(403)
  })

  it('creates a custom role usable as a user role, and audits and queues role.created', async () => {
    const correlationId = '0193b0c4-0000-7000-8000-00000000a001'
    const response = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      headers: { 'x-correlation-id': correlationId },
      body: { name: 'support-agent', description: 'Reads users', claims: ['reseller:user:read'] },
    })
    expect(response.status).toBe(201)
    expect(response.body).toMatchObject({
      name: 'support-agent',
      claims: ['reseller:user:read'],
      isBuiltin: false,
    })
    expect(
      await t.count('audit_events', "action = 'role.created' AND correlation_id = $1", [correlationId]),
    ).toBe(1)
    expect(
      await t.count('outbox_events', "event = 'role.created' AND resource_id = $1", [response.body.id]),
    ).toBe(1)

    const reseller = await t.createReseller()
    const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: userBody('support-agent', 'agent@example.com'),
    })
    expect(user.status).toBe(201)
    expect(user.body.role).toBe('support-agent')
    const got = await t.request('GET', `/v3/roles/${response.body.id}`, { token: t.cspToken })
    expect(got.body.name).toBe('support-agent')
  })

  it('refuses a duplicate role name with 409 DUPLICATE_FIELD_VALUE', async () => {
    const response = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: 'user', claims: ['reseller:read'] },
    })
    expect(response.status).toBe(409)
    expect(response.body.code).toBe('DUPLICATE_FIELD_VALUE')
  })

  it.each([
    ['an empty name', { name: '', claims: ['reseller:read'] }],
    ['a name of 257 characters', { name: 'r'.repeat(257), claims: ['reseller:read'] }],
    ['no claims', { name: 'no-claims', claims: [] }],
    ['an unknown claim', { name: 'bad-claim', claims: ['license:read'] }],
    [
      'a description of 257 characters',
      { name: 'long-desc', description: 'd'.repeat(257), claims: ['reseller:read'] },
    ],
    ['an unknown field', { name: 'extra', claims: ['reseller:read'], type: 'x' }],
  ])('refuses %s with 400 and writes nothing', async (_label, body) => {
    const before = await t.count('roles')
    const response = await t.request('POST', '/v3/roles', { token: t.cspToken, body })
    expect(response.status).toBe(400)
    expect(await t.count('roles')).toBe(before)
  })

  it('accepts a name and a description of 256 characters', async () => {
    const response = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: 'n'.repeat(256), description: 'd'.repeat(256), claims: ['reseller:read'] },
    })
    expect(response.status).toBe(201)
  })

  it('renames an unused role, moves updatedAt, and audits old and new values', async () => {
    const created = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: 'temp-role', claims: ['reseller:read'] },
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const response = await t.request('PATCH', `/v3/roles/${created.body.id}`, {
      token: t.cspToken,
      body: { name: 'renamed-role' },
    })
    expect(response.status).toBe(200)
    expect(response.body.name).toBe('renamed-role')
    expect(response.body.claims).toEqual(['reseller:read'])
    expect(response.body.updatedAt > created.body.updatedAt).toBe(true)
    const audit = await t.db.query<{ changes: unknown }>(
      "SELECT changes FROM audit_events WHERE action = 'role.updated' AND resource_id = $1",
      [created.body.id],
    )
    expect(audit.rows[0]?.changes).toEqual([{ field: 'name', from: 'temp-role', to: 'renamed-role' }])
  })

  it('refuses to rename a role in use (409 ROLE_IN_USE) but changes its claims', async () => {
    const created = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: 'in-use', claims: ['reseller:read'] },
    })
    const reseller = await t.createReseller()
    await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: userBody('in-use', 'inuse@example.com'),
    })
    const rename = await t.request('PATCH', `/v3/roles/${created.body.id}`, {
      token: t.cspToken,
      body: { name: 'abandoned' },
    })
    expect(rename.status).toBe(409)
    expect(rename.body.code).toBe('ROLE_IN_USE')
    const claims = await t.request('PATCH', `/v3/roles/${created.body.id}`, {
      token: t.cspToken,
      body: { claims: ['reseller:read', 'reseller:user:read'] },
    })
    expect(claims.status).toBe(200)
    expect(claims.body.name).toBe('in-use')
  })

  it('keeps roles per tenant: another tenant neither sees nor uses this one', async () => {
    const created = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: 'tenant-one-only', claims: ['reseller:read'] },
    })
    const other = await t.createTenant('roles-other.example.com')
    expect((await t.request('GET', `/v3/roles/${created.body.id}`, { token: other.token })).status).toBe(404)
    const reseller = await t.createReseller({}, other.token)
    const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: other.token,
      body: userBody('tenant-one-only', 'other-tenant@example.com'),
    })
    expect(user.status).toBe(400)
  })

  it('lets a reseller token read roles but not write them, and needs the role scopes', async () => {
    const reseller = await t.createReseller()
    const resellerToken = await t.tokenFor({ role: 'reseller', resellerId: reseller.id })
    expect((await t.request('GET', '/v3/roles', { token: resellerToken })).status).toBe(200)
    const write = await t.request('POST', '/v3/roles', {
      token: resellerToken,
      body: { name: 'by-reseller', claims: ['reseller:read'] },
    })
    expect(write.status).toBe(403)
    const readOnly = await t.tokenFor({ scopes: ['role:read'] })
    const refused = await t.request('POST', '/v3/roles', {
      token: readOnly,
      body: { name: 'no-scope', claims: ['reseller:read'] },
    })
    expect(refused.status).toBe(403)
    const noRead = await t.tokenFor({ scopes: ['reseller:read'] })
    expect((await t.request('GET', '/v3/roles', { token: noRead })).status).toBe(403)
  })
})

describe('GET /v3/roles/claims', () => {
  it('lists every claim a role may hold, grouped by resource, in Cryptlex’s {string: string[]} shape', async () => {
    const response = await t.request('GET', '/v3/roles/claims?roleType=user', { token: t.cspToken })
    expect(response.status, response.text).toBe(200)
    expect(response.body['reseller:user']).toEqual([
      'reseller:user:read',
      'reseller:user:create',
      'reseller:user:update',
      'reseller:user:delete',
    ])
    expect(response.body.role).toEqual(['role:read', 'role:write'])
    for (const claims of Object.values(response.body))
      expect(claims).toEqual(expect.arrayContaining([expect.any(String)]))
  })

  it('is not taken for a role id: GET /v3/roles/{id} of an unknown id is still 404', async () => {
    const response = await t.request('GET', '/v3/roles/0193b0c4-0000-7000-8000-00000000dead', {
      token: t.cspToken,
    })
    expect(response.status).toBe(404)
  })

  it('needs role:read: 403 without it, 401 without a token', async () => {
    const narrow = await t.tokenFor({ scopes: ['reseller:read'] })
    const refused = await t.request('GET', '/v3/roles/claims', { token: narrow })
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('FORBIDDEN')
    expect((await t.request('GET', '/v3/roles/claims', { token: null })).status).toBe(401)
  })
})

describe('a body-less request with Content-Type: application/json', () => {
  it('is read as having no body: a DELETE answers 204, a POST that needs a body 400', async () => {
    const reseller = await t.createReseller()
    const deleted = await t.request('DELETE', `/v3/resellers/${reseller.id}`, {
      token: t.cspToken,
      headers: { 'content-type': 'application/json' },
    })
    expect(deleted.status, deleted.text).toBe(204)
    const refused = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      headers: { 'content-type': 'application/json' },
    })
    expect(refused.status).toBe(400)
    expect(refused.body.code).toBe('VALIDATION_ERROR')
  })
})

describe('DELETE /v3/roles/{id}', () => {
  const createRole = async (name: string) => {
    const response = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name, description: 'Deletable', claims: ['reseller:user:read'] },
    })
    expect(response.status, response.text).toBe(201)
    return response.body as { id: string; name: string }
  }

  it('deletes a custom role nobody holds: 204, then 404, with a role.deleted audit event and outbox event', async () => {
    const role = await createRole(`temp-${Date.now()}`)
    const deleted = await t.request('DELETE', `/v3/roles/${role.id}`, { token: t.cspToken })
    expect(deleted.status, deleted.text).toBe(204)
    expect((await t.request('GET', `/v3/roles/${role.id}`, { token: t.cspToken })).status).toBe(404)
    expect(await t.count('audit_events', "action = 'role.deleted' AND resource_id = $1", [role.id])).toBe(1)
    expect(await t.count('outbox_events', "event = 'role.deleted' AND resource_id = $1", [role.id])).toBe(1)
    expect((await t.request('DELETE', `/v3/roles/${role.id}`, { token: t.cspToken })).status).toBe(404)
  })

  it('refuses a built-in role with 403, and changes nothing', async () => {
    const list = await t.request('GET', '/v3/roles?name=user', { token: t.cspToken })
    const builtin = list.body[0]
    const refused = await t.request('DELETE', `/v3/roles/${builtin.id}`, { token: t.cspToken })
    expect(refused.status).toBe(403)
    expect((await t.request('GET', `/v3/roles/${builtin.id}`, { token: t.cspToken })).status).toBe(200)
  })

  it('refuses a role that users hold with 409 naming how many; once they are deleted, it goes', async () => {
    const role = await createRole(`held-${Date.now()}`)
    const reseller = await t.createReseller()
    const ids: string[] = []
    for (const n of [1, 2]) {
      const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
        token: t.cspToken,
        body: userBody(role.name, `held-${n}-${Date.now()}@example.com`),
      })
      expect(user.status, user.text).toBe(201)
      ids.push(user.body.id)
    }
    const refused = await t.request('DELETE', `/v3/roles/${role.id}`, { token: t.cspToken })
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ message: expect.stringContaining('2 users hold it'), code: 'ROLE_IN_USE' })
    for (const id of ids)
      expect(
        (await t.request('DELETE', `/v3/resellers/${reseller.id}/users/${id}`, { token: t.cspToken })).status,
      ).toBe(204)
    expect((await t.request('DELETE', `/v3/roles/${role.id}`, { token: t.cspToken })).status).toBe(204)
  })

  it('needs role:write: 403 with role:read only, and the role stays', async () => {
    const role = await createRole(`guarded-${Date.now()}`)
    const reader = await t.tokenFor({ scopes: ['role:read'] })
    expect((await t.request('DELETE', `/v3/roles/${role.id}`, { token: reader })).status).toBe(403)
    expect((await t.request('GET', `/v3/roles/${role.id}`, { token: t.cspToken })).status).toBe(200)
  })
})
