// v3 organizations: POST/GET /v3/resellers/{resellerId}/organizations and GET/PATCH/DELETE …/{id}, end to end.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const ORGANIZATION_KEYS = [
  'address',
  'allowedUsers',
  'createdAt',
  'description',
  'email',
  'id',
  'name',
  'updatedAt',
]
const ADDRESS_KEYS = ['addressLine1', 'addressLine2', 'city', 'country', 'postalCode', 'state']
const FULL_ADDRESS = {
  addressLine1: '1 Main Street',
  addressLine2: 'Floor 2',
  city: 'Springfield',
  state: 'IL',
  country: 'US',
  postalCode: '62701',
}
const EMPTY_ADDRESS = {
  addressLine1: null,
  addressLine2: null,
  city: null,
  state: null,
  country: null,
  postalCode: null,
}

const base = (rid = resellerId) => `/v3/resellers/${rid}/organizations`
const email = (prefix = 'o') => `${unique(prefix)}@example.com`
const post = (body: unknown, rid = resellerId, token = t.cspToken): Promise<Response<Json>> =>
  t.request('POST', base(rid), { token, body })
const get = (id: string, rid = resellerId, token = t.cspToken) =>
  t.request('GET', `${base(rid)}/${id}`, { token })
const patch = (id: string, body: unknown, rid = resellerId, token = t.cspToken, headers = {}) =>
  t.request('PATCH', `${base(rid)}/${id}`, { token, body, headers })
const remove = (id: string, rid = resellerId, token = t.cspToken) =>
  t.request('DELETE', `${base(rid)}/${id}`, { token })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const userBody = (organizationId: string | null) => ({
  firstName: 'Org',
  lastName: 'Member',
  email: email('member'),
  role: 'user',
  organizationId,
  allowCustomerPortalAccess: false,
  password: 'password123',
})

describe('POST /v3/resellers/{resellerId}/organizations', () => {
  it('creates an organization with its address, in the seed’s organization shape', async () => {
    const address = email()
    const response = await post({
      name: 'Customer One',
      email: address,
      description: 'First customer',
      allowedUsers: 3,
      address: FULL_ADDRESS,
    })
    expect(response.status, response.text).toBe(201)
    expect(Object.keys(response.body).sort()).toEqual(ORGANIZATION_KEYS)
    expect(Object.keys(response.body.address).sort()).toEqual(ADDRESS_KEYS)
    expect(response.body).toMatchObject({
      name: 'Customer One',
      email: address,
      description: 'First customer',
      allowedUsers: 3,
      address: FULL_ADDRESS,
    })
    expect(response.body).not.toHaveProperty('resellerId')
    expect(
      await t.count('organizations', 'id = $1 AND reseller_id = $2', [response.body.id, resellerId]),
    ).toBe(1)
    expect(
      await t.count('audit_events', "action = 'reseller.organization.created' AND resource_id = $1", [
        response.body.id,
      ]),
    ).toBe(1)
  })

  it('defaults allowedUsers to -1 and every address field to null', async () => {
    const response = await post({ name: 'Bare', email: email() })
    expect(response.status, response.text).toBe(201)
    expect(response.body).toMatchObject({ description: '', allowedUsers: -1, address: EMPTY_ADDRESS })
  })

  it('keeps a partial address, the rest null', async () => {
    const response = await post({
      name: 'Partial',
      email: email(),
      address: { city: 'Paris', country: 'FR' },
    })
    expect(response.body.address).toEqual({ ...EMPTY_ADDRESS, city: 'Paris', country: 'FR' })
  })

  it.each([
    [{ email: 'x@example.com' }, 'name'],
    [{ name: 'n'.repeat(257), email: 'x@example.com' }, 'name'],
    [{ name: 'Bad', email: 'not-an-email' }, 'email'],
    [{ name: 'Bad', email: 'x@example.com', address: { street: 'Nope' } }, 'street'],
    [{ name: 'Bad', email: 'x@example.com', address: { city: 'c'.repeat(257) } }, 'city'],
    [{ name: 'Bad', email: 'x@example.com', allowedUsers: -2 }, 'allowedUsers'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const response = await post(body)
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toContain(field)
  })

  it('accepts a name of 256 characters', async () => {
    expect((await post({ name: 'n'.repeat(256), email: email() })).status).toBe(201)
  })

  it('answers 404 for an unknown reseller', async () => {
    const response = await post({ name: 'Orphan', email: email() }, randomUUID())
    expect(response.status).toBe(404)
    expect(response.body.code).toBe('NOT_FOUND')
    expect(await t.count('organizations', "name = 'Orphan'")).toBe(0)
  })

  it('refuses with 422 once the reseller’s allowedOrganizations is reached', async () => {
    const limited = await t.createReseller({ allowedOrganizations: 2 })
    expect((await post({ name: 'One', email: email() }, limited.id)).status).toBe(201)
    expect((await post({ name: 'Two', email: email() }, limited.id)).status).toBe(201)
    const third = await post({ name: 'Three', email: email() }, limited.id)
    expect(third.status).toBe(422)
    expect(third.body).toEqual({ message: expect.any(String), code: 'ORGANIZATION_LIMIT_REACHED' })
    expect(await t.count('organizations', 'reseller_id = $1 AND deleted_at IS NULL', [limited.id])).toBe(2)
    expect(
      await t.count('audit_events', "action = 'reseller.organization.created' AND reseller_id = $1", [
        limited.id,
      ]),
    ).toBe(2)
  })

  it('refuses every organization with 422 when allowedOrganizations is 0, and frees a slot on delete', async () => {
    const none = await t.createReseller({ allowedOrganizations: 0 })
    expect((await post({ name: 'Zero', email: email() }, none.id)).status).toBe(422)

    const one = await t.createReseller({ allowedOrganizations: 1 })
    const first = await post({ name: 'Only', email: email() }, one.id)
    expect(first.status).toBe(201)
    expect((await post({ name: 'Extra', email: email() }, one.id)).status).toBe(422)
    expect((await remove(first.body.id, one.id)).status).toBe(204)
    expect((await post({ name: 'Replacement', email: email() }, one.id)).status).toBe(201)
  })

  it('never overshoots the limit under concurrent creates', async () => {
    const limited = await t.createReseller({ allowedOrganizations: 3 })
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post({ name: `Race ${i}`, email: email() }, limited.id)),
    )
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(3)
    expect(statuses.filter((s) => s === 422)).toHaveLength(5)
    expect(await t.count('organizations', 'reseller_id = $1 AND deleted_at IS NULL', [limited.id])).toBe(3)
  })
})

describe('GET', () => {
  it('gets one organization as created', async () => {
    const created = await t.createOrganization(resellerId, { address: FULL_ADDRESS })
    const response = await get(created.id)
    expect(response.status).toBe(200)
    expect(response.body).toEqual(created)
  })

  it('answers 404 for an unknown id or one that is not a uuid', async () => {
    expect((await get(randomUUID())).status).toBe(404)
    expect((await get('nope')).status).toBe(404)
  })

  it('answers 404 for an organization of another reseller asked through this reseller’s path', async () => {
    const otherReseller = await t.createReseller()
    const theirs = await t.createOrganization(otherReseller.id)
    expect((await get(theirs.id, otherReseller.id)).status).toBe(200)
    const response = await get(theirs.id, resellerId)
    expect(response.status).toBe(404)
    expect(response.body.code).toBe('NOT_FOUND')
    expect((await patch(theirs.id, { name: 'Moved' }, resellerId)).status).toBe(404)
    expect((await remove(theirs.id, resellerId)).status).toBe(404)
    expect((await get(theirs.id, otherReseller.id)).body).toEqual(theirs)
  })

  it('lists a reseller’s organizations only, paged, with the total in Pagination-Count', async () => {
    const own = await t.createReseller()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await t.createOrganization(own.id)).id)
    await t.createOrganization(resellerId)

    const first = await t.request('GET', `${base(own.id)}?page=1&limit=3`, { token: t.cspToken })
    expect(first.status).toBe(200)
    expect(first.headers.get('pagination-count')).toBe('5')
    expect(first.body).toHaveLength(3)
    for (const item of first.body) expect(Object.keys(item).sort()).toEqual(ORGANIZATION_KEYS)
    const second = await t.request('GET', `${base(own.id)}?page=2&limit=3`, { token: t.cspToken })
    expect(second.body).toHaveLength(2)
    const listed = [...first.body, ...second.body].map((o: { id: string }) => o.id)
    expect(listed.sort()).toEqual([...ids].sort())
  })

  it('answers 404 for the list of an unknown reseller', async () => {
    expect((await t.request('GET', base(randomUUID()), { token: t.cspToken })).status).toBe(404)
  })
})

describe('PATCH', () => {
  it('changes the named fields, merges the address, keeps the rest, and audits old and new values', async () => {
    const created = await t.createOrganization(resellerId, {
      description: 'Before',
      allowedUsers: 4,
      address: FULL_ADDRESS,
    })
    await sleep(5)
    const correlationId = randomUUID()
    const response = await patch(
      created.id,
      { name: 'Renamed Org', address: { city: 'Shelbyville', addressLine2: null } },
      resellerId,
      t.cspToken,
      { 'x-correlation-id': correlationId },
    )
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual({
      ...created,
      name: 'Renamed Org',
      address: { ...FULL_ADDRESS, city: 'Shelbyville', addressLine2: null },
      updatedAt: expect.any(String),
    })
    expect(new Date(response.body.updatedAt).getTime()).toBeGreaterThan(new Date(created.updatedAt).getTime())
    expect((await get(created.id)).body).toEqual(response.body)

    const events = await t.request('GET', `/v3/event-logs?correlationId=${correlationId}`, {
      token: t.cspToken,
    })
    expect(events.body).toHaveLength(1)
    expect(events.body[0]).toMatchObject({
      action: 'reseller.organization.updated',
      resourceId: created.id,
      resellerId,
    })
    expect(events.body[0].changes).toEqual(
      expect.arrayContaining([
        { propertyName: 'name', oldValue: created.name, newValue: 'Renamed Org' },
        { propertyName: 'city', oldValue: 'Springfield', newValue: 'Shelbyville' },
        { propertyName: 'addressLine2', oldValue: 'Floor 2', newValue: null },
      ]),
    )
    expect(events.body[0].changes).toHaveLength(3)
  })

  it('changes nothing and audits nothing for an empty patch', async () => {
    const created = await t.createOrganization(resellerId)
    const correlationId = randomUUID()
    const response = await patch(created.id, {}, resellerId, t.cspToken, {
      'x-correlation-id': correlationId,
    })
    expect(response.status).toBe(200)
    expect(response.body).toEqual(created)
    expect(await t.count('audit_events', 'correlation_id = $1', [correlationId])).toBe(0)
  })

  it('validates like create', async () => {
    const created = await t.createOrganization(resellerId)
    expect((await patch(created.id, { name: '' })).status).toBe(400)
    expect((await patch(created.id, { email: 'nope' })).status).toBe(400)
    expect((await patch(created.id, { address: { planet: 'Mars' } })).status).toBe(400)
    expect((await get(created.id)).body).toEqual(created)
  })
})

describe('DELETE', () => {
  it('deletes: 204, then 404, and it leaves the list', async () => {
    const created = await t.createOrganization(resellerId)
    const response = await remove(created.id)
    expect(response.status).toBe(204)
    expect(response.text).toBe('')
    expect((await get(created.id)).status).toBe(404)
    expect((await patch(created.id, { name: 'Zombie' })).status).toBe(404)
    expect((await remove(created.id)).status).toBe(404)
    const list = await t.request('GET', `${base()}?limit=100`, { token: t.cspToken })
    expect(list.body.map((o: { id: string }) => o.id)).not.toContain(created.id)
    expect(
      await t.count('audit_events', "action = 'reseller.organization.deleted' AND resource_id = $1", [
        created.id,
      ]),
    ).toBe(1)
  })

  it('refuses with 409 while the organization has users', async () => {
    const created = await t.createOrganization(resellerId)
    const user = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
      token: t.cspToken,
      body: userBody(created.id),
    })
    expect(user.status, user.text).toBe(201)
    const refused = await remove(created.id)
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ message: expect.any(String), code: 'RESOURCE_IN_USE' })
    expect((await get(created.id)).status).toBe(200)

    // Once the user is gone, the organization can go.
    const dropped = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${user.body.id}`, {
      token: t.cspToken,
    })
    expect(dropped.status).toBe(204)
    expect((await remove(created.id)).status).toBe(204)
  })
})

describe('reach of a reseller token', () => {
  let own: Json
  let other: Json
  let ownOrg: Json
  let otherOrg: Json
  let token: string
  beforeAll(async () => {
    own = await t.createReseller()
    other = await t.createReseller()
    ownOrg = await t.createOrganization(own.id)
    otherOrg = await t.createOrganization(other.id)
    token = await t.tokenFor({ role: 'reseller', resellerId: own.id })
  })

  it('works on its own reseller’s organizations', async () => {
    const created = await post({ name: 'Self-service', email: email() }, own.id, token)
    expect(created.status, created.text).toBe(201)
    expect((await get(ownOrg.id, own.id, token)).body).toEqual(ownOrg)
    const list = await t.request('GET', base(own.id), { token })
    expect(list.status).toBe(200)
    expect(list.body.map((o: { id: string }) => o.id).sort()).toEqual([ownOrg.id, created.body.id].sort())
    expect((await patch(created.body.id, { description: 'Mine' }, own.id, token)).status).toBe(200)
    expect((await remove(created.body.id, own.id, token)).status).toBe(204)
  })

  it('gets 403 on another reseller’s organizations, whatever the verb', async () => {
    const answers = [
      await post({ name: 'Intrusion', email: email() }, other.id, token),
      await t.request('GET', base(other.id), { token }),
      await get(otherOrg.id, other.id, token),
      await patch(otherOrg.id, { name: 'Hijacked' }, other.id, token),
      await remove(otherOrg.id, other.id, token),
      await t.request('GET', base(randomUUID()), { token }),
    ]
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(403)
      expect(answer.body.code).toBe('FORBIDDEN')
    }
    expect((await get(otherOrg.id, other.id)).body).toEqual(otherOrg)
  })

  it('answers 404 for another reseller’s organization through its own path', async () => {
    expect((await get(otherOrg.id, own.id, token)).status).toBe(404)
  })

  it('needs the organization scopes', async () => {
    const readOnly = await t.tokenFor({
      role: 'reseller',
      resellerId: own.id,
      scopes: ['reseller:organization:read'],
    })
    expect((await get(ownOrg.id, own.id, readOnly)).status).toBe(200)
    const refused = await post({ name: 'No scope', email: email() }, own.id, readOnly)
    expect(refused.status).toBe(403)
    expect(refused.body.message).toContain('reseller:organization:create')
    expect((await patch(ownOrg.id, { name: 'x' }, own.id, readOnly)).status).toBe(403)
    expect((await remove(ownOrg.id, own.id, readOnly)).status).toBe(403)
  })
})

describe('another tenant', () => {
  it('cannot reach this tenant’s organizations (404)', async () => {
    const created = await t.createOrganization(resellerId)
    const tenant = await t.createTenant(`${unique('orgs')}.example.com`)
    expect((await get(created.id, resellerId, tenant.token)).status).toBe(404)
    expect((await t.request('GET', base(), { token: tenant.token })).status).toBe(404)
    expect((await post({ name: 'Cross', email: email() }, resellerId, tenant.token)).status).toBe(404)
    expect((await patch(created.id, { name: 'Cross' }, resellerId, tenant.token)).status).toBe(404)
    expect((await remove(created.id, resellerId, tenant.token)).status).toBe(404)
    expect((await get(created.id)).body).toEqual(created)
  })
})

describe('resellerId in the body', () => {
  it('accepts the reseller of the path and refuses another with 400, writing nothing', async () => {
    const same = await post({ name: 'Same', email: email(), resellerId })
    expect(same.status, same.text).toBe(201)
    const other = (await t.createReseller()).id
    const before = await t.count('organizations')
    const refused = await post({ name: 'Other', email: email(), resellerId: other })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('resellerId')
    expect(await t.count('organizations')).toBe(before)
    const moved = await patch(same.body.id, { resellerId: other })
    expect(moved.status).toBe(400)
  })
})
