// What a signed-in user's token reaches, by its role: a `user` its own profile only, a reseller-admin its
// reseller, an organization-admin its organization's users (v3 and v1), a custom role its claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_ROLES } from '../../src/domain/roles.ts'
import { tokenClaims as claimsOf, type Json, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let otherReseller: string
beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  otherReseller = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const newUser = (token: string, reseller: string, body: Record<string, unknown> = {}) =>
  t.request('POST', `/v3/resellers/${reseller}/users`, {
    token,
    body: {
      firstName: 'New',
      email: `${unique('new')}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'password-123',
      ...body,
    },
  })

async function signedIn(role: string, body: Record<string, unknown> = {}) {
  const { user, email, password } = await t.createSigningUser(resellerId, { role, ...body })
  const { accessToken } = await t.signIn(email, password)
  return { user, token: accessToken }
}

describe('a user token (role user)', () => {
  it('holds no scope: its own profile, and no list of users in either dialect', async () => {
    const { token } = await signedIn('user')
    expect(claimsOf(token).scope).toBe('')
    expect((await t.request('GET', '/v3/me', { token })).status).toBe(200)
    expect((await t.request('GET', `/v3/resellers/${resellerId}/users`, { token })).status).toBe(403)
    expect((await newUser(token, resellerId)).status).toBe(403)
    expect((await t.v1('GET', '/v1/users', { token })).status).toBe(403)
  })
})

describe('a reseller-admin token', () => {
  it('holds its role’s claims: every reseller scope of its own reseller', async () => {
    const { token } = await signedIn('reseller-admin')
    const claims = BUILTIN_ROLES.find((r) => r.name === 'reseller-admin')?.claims ?? []
    expect(claimsOf(token).scope.split(' ').sort()).toEqual([...claims].sort())
    expect(claims.every((claim) => claim.startsWith('reseller:'))).toBe(true)
  })

  it('creates users in its own reseller and is refused in another', async () => {
    const { token } = await signedIn('reseller-admin')
    const created = await newUser(token, resellerId)
    expect(created.status, created.text).toBe(201)
    const [audit] = (
      await t.db.query<{ actor_type: string }>(
        "SELECT actor_type FROM audit_events WHERE action = 'reseller.user.created' AND resource_id = $1",
        [created.body.id],
      )
    ).rows
    expect(audit?.actor_type).toBe('user')
    expect((await newUser(token, otherReseller)).status).toBe(403)
    expect((await t.request('GET', `/v3/resellers/${otherReseller}/users`, { token })).status).toBe(403)
    const own = await t.request('GET', `/v3/resellers/${resellerId}/users`, { token })
    expect(own.status).toBe(200)
    expect(own.body.map((u: Json) => u.id)).toContain(created.body.id)
    // Through v1 too, where a reseller token sees its own users.
    const v1 = await t.v1('GET', '/v1/users?pageSize=2000', { token })
    expect(v1.status, v1.text).toBe(200)
    expect(v1.body.items.map((u: Json) => u.id)).toContain(created.body.id)
  })

  it('cannot give a role that claims more than its token holds, nor create resellers or clients beyond it', async () => {
    const { token } = await signedIn('reseller-admin')
    const powerful = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: unique('powerful'), claims: ['reseller:user:read', 'role:write'] },
    })
    expect(powerful.status, powerful.text).toBe(201)
    const refused = await newUser(token, resellerId, { role: powerful.body.name })
    expect(refused.status, refused.text).toBe(403)
    expect((await newUser(token, resellerId, { role: 'reseller-admin' })).status).toBe(201)
    const reseller = await t.request('POST', '/v3/resellers', {
      token,
      body: { name: 'No', email: 'no@example.com' },
    })
    expect(reseller.status).toBe(403)
  })
})

describe('an organization-admin token', () => {
  let organization: string
  let otherOrganization: string
  let token: string
  let inside: Json
  let outside: Json
  let unorganized: Json

  beforeAll(async () => {
    organization = (await t.createOrganization(resellerId)).id
    otherOrganization = (await t.createOrganization(resellerId)).id
    ;({ token } = await signedIn('organization-admin', { organizationId: organization }))
    inside = (await t.createSigningUser(resellerId, { organizationId: organization })).user
    outside = (await t.createSigningUser(resellerId, { organizationId: otherOrganization })).user
    unorganized = (await t.createSigningUser(resellerId)).user
  })

  it('carries its organization as the token’s restriction', () => {
    expect(claimsOf(token)).toMatchObject({ org: organization, rid: resellerId })
  })

  it('lists, exports and reads only its organization’s users, in v3 and v1', async () => {
    const list = await t.request('GET', `/v3/resellers/${resellerId}/users?limit=100`, { token })
    expect(list.status, list.text).toBe(200)
    const ids = list.body.map((u: Json) => u.id)
    expect(ids).toContain(inside.id)
    expect(ids).not.toContain(outside.id)
    expect(ids).not.toContain(unorganized.id)
    expect(list.body.every((u: Json) => u.organizationId === organization)).toBe(true)
    expect(Number(list.headers.get('pagination-count'))).toBe(list.body.length)
    const exported = await t.request('GET', `/v3/resellers/${resellerId}/users/export`, { token })
    expect(exported.status).toBe(200)
    expect(exported.text).toContain(inside.id)
    expect(exported.text).not.toContain(outside.id)
    expect((await t.request('GET', `/v3/resellers/${resellerId}/users/${inside.id}`, { token })).status).toBe(
      200,
    )
    expect(
      (await t.request('GET', `/v3/resellers/${resellerId}/users/${outside.id}`, { token })).status,
    ).toBe(404)
    const v1 = await t.v1('GET', '/v1/users?pageSize=2000', { token })
    expect(v1.body.items.map((u: Json) => u.id)).not.toContain(outside.id)
    expect(v1.body.items.map((u: Json) => u.id)).toContain(inside.id)
    const v1Customer = await t.v1('GET', `/v1/customer/${otherOrganization}/users`, { token })
    expect(v1Customer.status === 200 ? v1Customer.body : []).toEqual([])
  })

  it('changes and deletes only its organization’s users, in v3 and v1', async () => {
    const path = (id: string) => `/v3/resellers/${resellerId}/users/${id}`
    expect((await t.request('PATCH', path(outside.id), { token, body: { firstName: 'X' } })).status).toBe(404)
    expect((await t.request('DELETE', path(outside.id), { token })).status).toBe(404)
    expect((await t.v1('DELETE', `/v1/users/${encodeURIComponent(outside.email)}`, { token })).status).toBe(
      404,
    )
    const patched = await t.request('PATCH', path(inside.id), { token, body: { firstName: 'Changed' } })
    expect(patched.status, patched.text).toBe(200)
    // Moving a user out of the organization is refused.
    const moved = await t.request('PATCH', path(inside.id), {
      token,
      body: { organizationId: otherOrganization },
    })
    expect(moved.status).toBe(403)
  })

  it('creates users in its own organization only (its own when none is named), never a reseller-admin', async () => {
    const unnamed = await newUser(token, resellerId)
    expect(unnamed.status, unnamed.text).toBe(201)
    expect(unnamed.body.organizationId).toBe(organization)
    expect((await newUser(token, resellerId, { organizationId: otherOrganization })).status).toBe(403)
    expect((await newUser(token, resellerId, { role: 'reseller-admin' })).status).toBe(403)
    const admin = (
      await t.createSigningUser(resellerId, { role: 'reseller-admin', organizationId: organization })
    ).user
    const promote = await t.request('PATCH', `/v3/resellers/${resellerId}/users/${admin.id}`, {
      token,
      body: { firstName: 'Taken over' },
    })
    expect(promote.status).toBe(403)
  })

  it('reaches nobody when the organization-admin belongs to no organization', async () => {
    const { token: lost } = await signedIn('organization-admin')
    expect(claimsOf(lost).scope).toBe('')
    expect((await t.request('GET', `/v3/resellers/${resellerId}/users`, { token: lost })).status).toBe(403)
  })
})

describe('a custom role', () => {
  it('gives its claims as the token’s scope', async () => {
    const role = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: unique('reader'), claims: ['reseller:user:read', 'reseller:read'] },
    })
    const { token } = await signedIn(role.body.name)
    expect(claimsOf(token).scope.split(' ').sort()).toEqual(['reseller:read', 'reseller:user:read'])
    expect((await t.request('GET', `/v3/resellers/${resellerId}/users`, { token })).status).toBe(200)
    expect((await newUser(token, resellerId)).status).toBe(403)
  })
})
