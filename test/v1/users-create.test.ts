// POST /v1/reseller/{resellerId}/users — CloudCockpit's "Create a Reseller User" (seed 003), end to end.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, TENANT, type TestApp } from '../support/app.ts'
import {
  expectNothingWritten,
  expectV1Error,
  groupsByName,
  UUID,
  UUID_V7,
  uniqueEmail,
  userBody,
} from './v1-helpers.ts'

let t: TestApp
let resellerId: string
let groups: Record<string, string>

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  groups = await groupsByName(t)
})
afterAll(async () => {
  await t?.close()
})

const create = (body: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) =>
  create_(resellerId, body, options)

const create_ = (
  rid: string,
  body: unknown,
  { token = t.cspToken, headers = {} }: { token?: string | null; headers?: Record<string, string> } = {},
) => t.v1<unknown>('POST', `/v1/reseller/${rid}/users`, { token, body, headers })

async function userRow(id: string) {
  const { rows } = await t.db.query<{
    id: string
    reseller_id: string
    first_name: string
    last_name: string
    email: string
    role: string
    organization_id: string | null
    password_hash: string | null
  }>('SELECT * FROM users WHERE id = $1', [id])
  return rows[0]
}

async function groupNamesOf(userId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ name: string }>(
    'SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id WHERE ug.user_id = $1 ORDER BY g.name',
    [userId],
  )
  return rows.map((r) => r.name)
}

async function auditCorrelationIds(userId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ correlation_id: string }>(
    `SELECT correlation_id FROM audit_events WHERE resource_id = $1 AND action = 'reseller.user.created'`,
    [userId],
  )
  return rows.map((r) => r.correlation_id)
}

describe('POST /v1/reseller/{resellerId}/users: the happy path', () => {
  it('creates the user in the given groups and answers 201 with its new id as a JSON string', async () => {
    const email = uniqueEmail('happy')
    const response = await create({
      firstName: 'Grace',
      lastName: 'Hopper',
      email,
      role: {},
      groups: [{ id: groups.Administrator }, { id: groups.Viewer, name: 'Viewer' }],
    })
    expect(response.status, response.text).toBe(201)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(typeof response.body).toBe('string')
    const id = response.body as string
    expect(id).toMatch(UUID_V7)
    expect(response.text).toBe(JSON.stringify(id))

    const row = await userRow(id)
    expect(row).toMatchObject({
      reseller_id: resellerId,
      first_name: 'Grace',
      last_name: 'Hopper',
      email,
      role: 'user',
      organization_id: null,
      password_hash: null,
    })
    expect(await groupNamesOf(id)).toEqual(['Administrator', 'Viewer'])
  })

  it('writes exactly one user, one audit event and one outbox event per created user', async () => {
    const before = {
      users: await t.count('users'),
      audit: await t.count('audit_events'),
      outbox: await t.count('outbox_events'),
    }
    const response = await create(userBody({ groups: [{ id: groups.Viewer }] }))
    expect(response.status, response.text).toBe(201)
    const id = response.body as string
    expect(await t.count('users')).toBe(before.users + 1)
    expect(await t.count('audit_events')).toBe(before.audit + 1)
    expect(await t.count('outbox_events')).toBe(before.outbox + 1)
    expect(await t.count('audit_events', `resource_id = $1 AND action = 'reseller.user.created'`, [id])).toBe(
      1,
    )
    expect(await t.count('outbox_events', `resource_id = $1 AND event = 'reseller.user.created'`, [id])).toBe(
      1,
    )
  })

  it('uses a client-chosen id as the id of the new user', async () => {
    const id = randomUUID()
    const response = await create(userBody({ id }))
    expect(response.status, response.text).toBe(201)
    expect(response.body).toBe(id)
    expect((await userRow(id))?.id).toBe(id)
  })

  it('refuses a client-chosen id that is already taken with 409 and writes nothing', async () => {
    const id = randomUUID()
    expect((await create(userBody({ id }))).status).toBe(201)
    const response = await expectNothingWritten(t, () => create(userBody({ id })))
    expectV1Error(response, 409, 'id')
  })

  it("accepts a client-chosen id that another tenant's user already has, revealing nothing", async () => {
    const id = randomUUID()
    expect((await create(userBody({ id }))).status).toBe(201)
    const domain = `ids-${randomUUID().slice(0, 8)}.example.com`
    const other = await t.createTenant(domain)
    const otherReseller = await t.createReseller({}, other.token)
    const headers = { 'x-tenant': domain }
    const otherGroups = await t.request('GET', '/v1/users/groups', { token: other.token, headers })
    const response = await t.request('POST', `/v1/reseller/${otherReseller.id}/users`, {
      token: other.token,
      headers,
      body: userBody({ id, groups: [{ id: otherGroups.body.items[0].id }] }),
    })
    expect(response.status, response.text).toBe(201)
    expect(response.body).toBe(id)
    expect(await t.count('users', 'id = $1', [id])).toBe(2)
  })

  it('refuses a client-chosen id that is not a UUID with 400 on id', async () => {
    const response = await expectNothingWritten(t, () => create(userBody({ id: 'not-a-uuid' })))
    expectV1Error(response, 400, 'id')
  })

  it('answers 404 when the reseller does not exist in the tenant', async () => {
    const response = await expectNothingWritten(t, () => create_(randomUUID(), userBody()))
    expectV1Error(response, 404)
  })

  it('answers 404 for a reseller that has been deleted', async () => {
    const gone = await t.createReseller()
    const deleted = await t.request('DELETE', `/v3/resellers/${gone.id}`, { token: t.cspToken })
    expect(deleted.status, deleted.text).toBe(204)
    const response = await expectNothingWritten(t, () => create_(gone.id, userBody()))
    expectV1Error(response, 404)
  })

  it('answers 404 for a reseller of another tenant, as if it did not exist', async () => {
    const other = await t.createTenant('other-reseller.example.com')
    const theirs = await t.createReseller({}, other.token)
    const response = await expectNothingWritten(t, () => create_(theirs.id, userBody()))
    expectV1Error(response, 404)
  })

  it('accepts a group id written in upper case', async () => {
    const response = await create(userBody({ groups: [{ id: groups.Viewer?.toUpperCase() }] }))
    expect(response.status, response.text).toBe(201)
    expect(await groupNamesOf(response.body as string)).toEqual(['Viewer'])
  })

  it('puts the user in a group named twice only once', async () => {
    const response = await create(userBody({ groups: [{ id: groups.Viewer }, { id: groups.Viewer }] }))
    expect(response.status, response.text).toBe(201)
    expect(await groupNamesOf(response.body as string)).toEqual(['Viewer'])
  })

  it('ignores the name sent with a group: the group is known by its id', async () => {
    const response = await create(userBody({ groups: [{ id: groups.Viewer, name: 'Administrator' }] }))
    expect(response.status, response.text).toBe(201)
    expect(await groupNamesOf(response.body as string)).toEqual(['Viewer'])
  })

  it('refuses a body that is not valid JSON with a 400 CloudCockpit body', async () => {
    const response = await expectNothingWritten(t, () => create('{"firstName":'))
    expectV1Error(response, 400)
  })
})

describe('POST /v1/reseller/{resellerId}/users: field rules at the boundary', () => {
  const at = (length: number, suffix = '') => 'x'.repeat(length - suffix.length) + suffix
  /** A unique, valid email of exactly `length` characters. */
  const emailOf = (length: number) => {
    const tail = `${randomUUID().slice(0, 8)}@example.com`
    return 'a'.repeat(length - tail.length) + tail
  }

  const accepted: [string, () => Record<string, unknown>][] = [
    ['a firstName of 255 characters', () => userBody({ firstName: at(255) })],
    ['a lastName of 255 characters', () => userBody({ lastName: at(255) })],
    ['an email of 255 characters', () => userBody({ email: emailOf(255) })],
    ['a firstName of 1 character', () => userBody({ firstName: 'A' })],
    ['an empty groups array', () => userBody({ groups: [] })],
    ['a role without a name (the default role)', () => userBody({ role: {} })],
    [
      'a group with a name besides its id',
      () => userBody({ groups: [{ id: groups.Viewer, name: 'Viewer' }] }),
    ],
    ['a group with a null name', () => userBody({ groups: [{ id: groups.Viewer, name: null }] })],
  ]
  it.each(accepted)('accepts %s', async (_, body) => {
    const payload = body()
    const response = await create(payload)
    expect(response.status, response.text).toBe(201)
    const row = await userRow(response.body as string)
    expect(row?.first_name).toBe(payload.firstName)
    expect(row?.last_name).toBe(payload.lastName)
    expect(row?.email).toBe(payload.email)
  })

  it('sets the role named in role.name', async () => {
    const response = await create(userBody({ role: { name: 'reseller-admin' } }))
    expect(response.status, response.text).toBe(201)
    expect((await userRow(response.body as string))?.role).toBe('reseller-admin')
  })

  it('gives the default role "user" when role is omitted', async () => {
    const response = await create(userBody({ role: undefined }))
    expect(response.status, response.text).toBe(201)
    expect((await userRow(response.body as string))?.role).toBe('user')
  })

  const refused: [string, () => Record<string, unknown>, string][] = [
    ['a firstName of 256 characters', () => userBody({ firstName: at(256) }), 'firstName'],
    ['a lastName of 256 characters', () => userBody({ lastName: at(256) }), 'lastName'],
    ['an email of 256 characters', () => userBody({ email: emailOf(256) }), 'email'],
    ['an empty firstName', () => userBody({ firstName: '' }), 'firstName'],
    ['an empty lastName', () => userBody({ lastName: '' }), 'lastName'],
    ['a firstName of only spaces', () => userBody({ firstName: '   ' }), 'firstName'],
    ['a lastName of only white space', () => userBody({ lastName: '\t \n' }), 'lastName'],
    ['a null firstName', () => userBody({ firstName: null }), 'firstName'],
    ['a null lastName', () => userBody({ lastName: null }), 'lastName'],
    ['a missing firstName', () => userBody({ firstName: undefined }), 'firstName'],
    ['a missing email', () => userBody({ email: undefined }), 'email'],
    ['a malformed email', () => userBody({ email: 'not-an-email' }), 'email'],
    ['an email without a domain', () => userBody({ email: 'someone@' }), 'email'],
    ['a role with an extra property', () => userBody({ role: { foo: 1 } }), 'role.foo'],
    [
      'a role name that is not a role of the tenant',
      () => userBody({ role: { name: 'no-such-role' } }),
      'role',
    ],
    ['a missing groups array', () => userBody({ groups: undefined }), 'groups'],
    ['an unknown group id', () => userBody({ groups: [{ id: randomUUID() }] }), 'groups[0].id'],
    [
      'an unknown group id after a known one',
      () => userBody({ groups: [{ id: groups.Viewer }, { id: randomUUID() }] }),
      'groups[1].id',
    ],
    [
      'a group without an id',
      () => userBody({ groups: [{ id: groups.Viewer }, { name: 'Viewer' }] }),
      'groups[1].id',
    ],
    ['a group id that is not a UUID', () => userBody({ groups: [{ id: 'administrator' }] }), 'groups[0].id'],
  ]
  it.each(refused)(
    'refuses %s with 400 on the offending property and writes nothing',
    async (_, body, property) => {
      const response = await expectNothingWritten(t, () => create(body()))
      const error = expectV1Error(response, 400, property)
      expect(error.type).toBeTruthy()
    },
  )

  it('refuses a resellerId in the path that is not a UUID with 400 on resellerId', async () => {
    const response = await expectNothingWritten(t, () => create_('not-a-uuid', userBody()))
    expectV1Error(response, 400, 'resellerId')
  })

  it('reports every invalid field of one body, each under its own property', async () => {
    const response = await create(userBody({ firstName: '', lastName: at(256), email: 'nope' }))
    const error = expectV1Error(response, 400)
    expect(error.errors.map((e) => e.propertyName).sort()).toEqual(['email', 'firstName', 'lastName'])
  })
})

describe('POST /v1/reseller/{resellerId}/users: headers and roles', () => {
  it('refuses a request without X-Tenant with 400 on X-Tenant', async () => {
    const response = await expectNothingWritten(t, () =>
      t.request('POST', `/v1/reseller/${resellerId}/users`, { token: t.cspToken, body: userBody() }),
    )
    expectV1Error(response, 400, 'X-Tenant')
  })

  it('refuses an X-Tenant naming another tenant with 403', async () => {
    await t.createTenant('other-create.example.com')
    const response = await expectNothingWritten(t, () =>
      create(userBody(), { headers: { 'x-tenant': 'other-create.example.com' } }),
    )
    expectV1Error(response, 403, 'X-Tenant')
  })

  it('refuses an X-Tenant naming no tenant at all with 403', async () => {
    const response = await expectNothingWritten(t, () =>
      create(userBody(), { headers: { 'x-tenant': 'nowhere.example.com' } }),
    )
    expectV1Error(response, 403)
  })

  it("refuses another tenant's token on this tenant's X-Tenant with 403", async () => {
    const other = await t.createTenant('other-token.example.com')
    const response = await expectNothingWritten(t, () => create(userBody(), { token: other.token }))
    expectV1Error(response, 403)
  })

  it('matches X-Tenant case-insensitively', async () => {
    const response = await create(userBody(), { headers: { 'x-tenant': TENANT.toUpperCase() } })
    expect(response.status, response.text).toBe(201)
  })

  it('answers 401 with a CloudCockpit body when no token is sent', async () => {
    const response = await expectNothingWritten(t, () => create(userBody(), { token: null }))
    expectV1Error(response, 401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers 401 with a CloudCockpit body for a token that is not valid', async () => {
    const response = await expectNothingWritten(t, () => create(userBody(), { token: 'not.a.jwt' }))
    expectV1Error(response, 401)
  })

  it("refuses the platform operator's token with 403", async () => {
    const token = await t.platformToken()
    const response = await expectNothingWritten(t, () => create(userBody(), { token }))
    expectV1Error(response, 403)
  })

  it('lets a csp token create a user under any reseller of its tenant', async () => {
    const other = await t.createReseller()
    const response = await create_(other.id, userBody(), { token: await t.tokenFor({ role: 'csp' }) })
    expect(response.status, response.text).toBe(201)
    expect((await userRow(response.body as string))?.reseller_id).toBe(other.id)
  })

  it('lets a reseller token create a user under its own reseller', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    const response = await create(userBody(), { token })
    expect(response.status, response.text).toBe(201)
    expect((await userRow(response.body as string))?.reseller_id).toBe(resellerId)
  })

  it("refuses a reseller token on another reseller's path with 403 and writes nothing", async () => {
    const other = await t.createReseller()
    const token = await t.tokenFor({ role: 'reseller', resellerId: other.id })
    const response = await expectNothingWritten(t, () => create(userBody(), { token }))
    expectV1Error(response, 403)
  })

  it('refuses a reseller token on a reseller that does not exist with 403, revealing nothing', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    const response = await expectNothingWritten(t, () => create_(randomUUID(), userBody(), { token }))
    expectV1Error(response, 403)
  })
})

describe('POST /v1/reseller/{resellerId}/users: X-Correlation-Id', () => {
  const takenEmail = uniqueEmail('taken')
  beforeAll(async () => {
    expect((await create(userBody({ email: takenEmail }))).status).toBe(201)
  })

  it('echoes a sent X-Correlation-Id and writes it on the audit event', async () => {
    const correlationId = randomUUID()
    const response = await create(userBody(), { headers: { 'x-correlation-id': correlationId } })
    expect(response.status, response.text).toBe(201)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
    expect(await auditCorrelationIds(response.body as string)).toEqual([correlationId])
  })

  it('puts a sent X-Correlation-Id in the error body and the response header', async () => {
    const correlationId = randomUUID()
    const response = await create(userBody({ firstName: '' }), {
      headers: { 'x-correlation-id': correlationId },
    })
    const error = expectV1Error(response, 400, 'firstName')
    expect(error.correlationId).toBe(correlationId)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
  })

  it('makes a UUID correlation id when none is sent, echoes it and writes the same value on the audit event', async () => {
    const response = await create(userBody())
    expect(response.status, response.text).toBe(201)
    const correlationId = response.headers.get('x-correlation-id')
    expect(correlationId).toMatch(UUID)
    expect(await auditCorrelationIds(response.body as string)).toEqual([correlationId])
  })

  it('makes a different correlation id for each request', async () => {
    const [a, b] = await Promise.all([create(userBody()), create(userBody())])
    expect(a.headers.get('x-correlation-id')).not.toBe(b.headers.get('x-correlation-id'))
  })

  it.each([
    ['401 (no token)', () => ({ token: null, body: userBody() }), 401],
    ['403 (X-Tenant of another tenant)', () => ({ body: userBody(), tenant: 'nowhere.example.com' }), 403],
    ['409 (email taken)', () => ({ body: userBody({ email: takenEmail }) }), 409],
  ] as const)('puts a sent X-Correlation-Id in the body of a %s', async (_, make, status) => {
    const correlationId = randomUUID()
    const { body, token, tenant } = make() as { body: unknown; token?: null; tenant?: string }
    const headers: Record<string, string> = { 'x-correlation-id': correlationId }
    if (tenant) headers['x-tenant'] = tenant
    const response = await create(body, token === null ? { token: null, headers } : { headers })
    expect(expectV1Error(response, status).correlationId).toBe(correlationId)
  })

  it('refuses a malformed X-Correlation-Id with 400 on X-Correlation-Id and writes nothing', async () => {
    const response = await expectNothingWritten(t, () =>
      create(userBody(), { headers: { 'x-correlation-id': 'not-a-uuid' } }),
    )
    expectV1Error(response, 400, 'X-Correlation-Id')
  })
})

describe('POST /v1/reseller/{resellerId}/users: conflicts and limits', () => {
  it.each([
    ['the same case', (email: string) => email],
    ['upper case', (email: string) => email.toUpperCase()],
    ['mixed case', (email: string) => email.replace(/^./, (c) => c.toUpperCase())],
  ])('refuses an email already taken (written in %s) with 409 and writes nothing', async (_, variant) => {
    const email = uniqueEmail('dup')
    expect((await create(userBody({ email }))).status).toBe(201)
    const response = await expectNothingWritten(t, () => create(userBody({ email: variant(email) })))
    expectV1Error(response, 409, 'email')
  })

  it('refuses an email taken by a user of another reseller of the tenant with 409', async () => {
    const email = uniqueEmail('dup-other')
    const other = await t.createReseller()
    expect((await create_(other.id, userBody({ email }))).status).toBe(201)
    const response = await expectNothingWritten(t, () => create(userBody({ email })))
    expectV1Error(response, 409, 'email')
  })

  it("refuses a user beyond the reseller's allowedUsers with 409 and writes nothing", async () => {
    const limited = await t.createReseller({ allowedUsers: 2 })
    for (let i = 0; i < 2; i++) {
      const response = await create_(limited.id, userBody())
      expect(response.status, response.text).toBe(201)
    }
    const response = await expectNothingWritten(t, () => create_(limited.id, userBody()))
    expectV1Error(response, 409)
    expect(await t.count('users', 'reseller_id = $1', [limited.id])).toBe(2)
  })

  it('lets only allowedUsers of many concurrent creates succeed', async () => {
    const limited = await t.createReseller({ allowedUsers: 3 })
    const responses = await Promise.all(Array.from({ length: 8 }, () => create_(limited.id, userBody())))
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409])
    expect(await t.count('users', 'reseller_id = $1', [limited.id])).toBe(3)
  })
})
