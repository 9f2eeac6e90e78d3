// PATCH and DELETE /v1/users/{email}?resellerId= — CloudCockpit's update and soft delete, end to end.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, TENANT, type TestApp } from '../support/app.ts'
import {
  expectNothingWritten,
  expectV1Error,
  groupsByName,
  UUID,
  uniqueEmail,
  userBody,
  writeCounts,
} from './v1-helpers.ts'

const OTHER_TENANT = 'users-update-other.example.com'

let t: TestApp
let groups: Record<string, string>
let resellerA: string
let resellerB: string
let tokenA: string
let tokenB: string
let other: { tenantId: string; token: string }
/** The email and id of a user of the other tenant. */
let theirs: { id: string; email: string }

beforeAll(async () => {
  t = await startTestApp()
  groups = await groupsByName(t)
  resellerA = (await t.createReseller()).id
  resellerB = (await t.createReseller()).id
  tokenA = await t.tokenFor({ role: 'reseller', resellerId: resellerA })
  tokenB = await t.tokenFor({ role: 'reseller', resellerId: resellerB })
  other = await t.createTenant(OTHER_TENANT)
  const theirReseller = await t.createReseller({}, other.token)
  const email = uniqueEmail('theirs')
  const created = await t.request<string>('POST', `/v1/reseller/${theirReseller.id}/users`, {
    token: other.token,
    headers: { 'x-tenant': OTHER_TENANT },
    body: userBody({ email }),
  })
  expect(created.status, created.text).toBe(201)
  theirs = { id: created.body, email }
})
afterAll(async () => {
  await t?.close()
})

interface Created {
  id: string
  email: string
  body: Record<string, unknown>
}

/** Creates a user through v1 (under reseller A unless told) and returns its id, email and create body. */
async function createUser(overrides: Record<string, unknown> = {}, resellerId = resellerA): Promise<Created> {
  const body = userBody(overrides)
  const response = await t.v1<string>('POST', `/v1/reseller/${resellerId}/users`, {
    token: t.cspToken,
    body,
  })
  expect(response.status, response.text).toBe(201)
  return { id: response.body, email: body.email as string, body }
}

interface CallOptions {
  resellerId?: string
  token?: string | null
  headers?: Record<string, string>
}

const pathOf = (email: string, resellerId?: string) =>
  `/v1/users/${email}${resellerId ? `?resellerId=${resellerId}` : ''}`

const patch = (email: string, body: unknown, { resellerId, token = t.cspToken, headers }: CallOptions = {}) =>
  t.v1('PATCH', pathOf(email, resellerId), { token, body, headers: headers ?? {} })

const remove = (email: string, { resellerId, token = t.cspToken, headers }: CallOptions = {}) =>
  t.v1('DELETE', pathOf(email, resellerId), { token, headers: headers ?? {} })

const v3User = (resellerId: string, id: string) =>
  t.request('GET', `/v3/resellers/${resellerId}/users/${id}`, { token: t.cspToken })

/** The user's row and group names, straight from the database. */
async function snapshot(id: string) {
  const { rows } = await t.db.query<{
    reseller_id: string
    first_name: string
    last_name: string
    email: string
    role: string
    updated_at: Date
    deleted_at: Date | null
  }>(
    `SELECT reseller_id, first_name, last_name, email, role, updated_at, deleted_at FROM users
     WHERE tenant_id = $1 AND id = $2`,
    [t.tenantId, id],
  )
  const groupRows = await t.db.query<{ name: string }>(
    `SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
     WHERE ug.tenant_id = $1 AND ug.user_id = $2 ORDER BY g.name`,
    [t.tenantId, id],
  )
  const row = rows[0]
  if (!row) throw new Error(`no user ${id}`)
  return {
    ...row,
    updated_at: new Date(row.updated_at).toISOString(),
    deleted_at: row.deleted_at ? new Date(row.deleted_at).toISOString() : null,
    groups: groupRows.rows.map((g) => g.name),
  }
}

interface AuditRow {
  action: string
  correlation_id: string
  resource: string
  resource_id: string
  reseller_id: string | null
  actor_type: string
  changes: { field: string; from: unknown; to: unknown }[]
}

async function auditEvents(id: string, action: string): Promise<AuditRow[]> {
  const { rows } = await t.db.query<AuditRow & { changes: unknown }>(
    `SELECT action, correlation_id, resource, resource_id, reseller_id, actor_type, changes
     FROM audit_events WHERE tenant_id = $1 AND resource_id = $2 AND action = $3 ORDER BY occurred_at, id`,
    [t.tenantId, id, action],
  )
  return rows.map((row) => ({
    ...row,
    changes: typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes,
  }))
}

async function outboxEvents(id: string, event: string) {
  const { rows } = await t.db.query<{ event: string; reseller_id: string; data: unknown }>(
    'SELECT event, reseller_id, data FROM outbox_events WHERE tenant_id = $1 AND resource_id = $2 AND event = $3',
    [t.tenantId, id, event],
  )
  return rows.map((row) => ({
    ...row,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
  }))
}

/** The v1 list items whose email matches, for a csp token. */
async function listed(search: string) {
  const response = await t.v1('GET', `/v1/users?search=${encodeURIComponent(search)}&pageSize=2000`, {
    token: t.cspToken,
  })
  expect(response.status, response.text).toBe(200)
  return response.body.items as { id: string; email: string; groups: { id: string; name: string }[] }[]
}

/** Runs `act`, asserts nothing was written and the user is exactly as before. */
async function expectUnchanged<T>(id: string, act: () => Promise<T>): Promise<T> {
  const before = await snapshot(id)
  const result = await expectNothingWritten(t, act)
  expect(await snapshot(id)).toEqual(before)
  return result
}

describe('PATCH /v1/users/{email}: the happy path', () => {
  it('replaces names, email, role and groups, answers 204 without a body, and v3 reads the change', async () => {
    const user = await createUser({ groups: [{ id: groups.Administrator }, { id: groups.Viewer }] })
    const email = uniqueEmail('renamed')
    const response = await patch(user.email, {
      firstName: 'Grace',
      lastName: 'Hopper',
      email,
      role: { name: 'reseller-admin' },
      groups: [{ id: groups['Alert Manager'] }],
    })
    expect(response.status, response.text).toBe(204)
    expect(response.text).toBe('')
    expect(response.headers.get('x-correlation-id')).toMatch(UUID)

    const v3 = await v3User(resellerA, user.id)
    expect(v3.status, v3.text).toBe(200)
    expect(v3.body).toMatchObject({
      id: user.id,
      firstName: 'Grace',
      lastName: 'Hopper',
      name: 'Grace Hopper',
      email,
      role: 'reseller-admin',
    })
    const [item] = await listed(email)
    expect(item?.groups).toEqual([{ id: groups['Alert Manager'], name: 'Alert Manager' }])
    expect(await listed(user.email)).toEqual([])
  })

  it('takes the user out of every group with an empty groups array', async () => {
    const user = await createUser({ groups: [{ id: groups.Administrator }] })
    const response = await patch(user.email, { ...user.body, groups: [] })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).groups).toEqual([])
  })

  it.each([
    ['role {}', { role: {} }],
    ['no role at all', { role: undefined }],
  ])('keeps the role with %s', async (_, override) => {
    const user = await createUser({ role: { name: 'reseller-admin' } })
    const response = await patch(user.email, userBody({ email: user.email, firstName: 'Kept', ...override }))
    expect(response.status, response.text).toBe(204)
    const v3 = await v3User(resellerA, user.id)
    expect(v3.body).toMatchObject({ firstName: 'Kept', role: 'reseller-admin' })
  })

  it.each([
    ['in upper case', (email: string) => email.toUpperCase()],
    ['in mixed case', (email: string) => email.replace(/^./, (c) => c.toUpperCase())],
    ['URL-encoded (%40)', (email: string) => email.replace('@', '%40')],
    ['URL-encoded in upper case', (email: string) => encodeURIComponent(email.toUpperCase())],
  ])('finds the user by its email written %s in the path', async (_, variant) => {
    const user = await createUser()
    const response = await patch(variant(user.email), { ...user.body, firstName: 'Found' })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).first_name).toBe('Found')
  })

  it.each([
    ['as is', (email: string) => email],
    ['URL-encoded (%2B, %40)', (email: string) => encodeURIComponent(email)],
  ])('finds a user whose email has a + sign, written %s', async (_, variant) => {
    const user = await createUser({ email: `first+tag.${uniqueEmail('plus')}` })
    const response = await patch(variant(user.email), { ...user.body, firstName: 'Plus' })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).first_name).toBe('Plus')
  })

  it('finds a user whose stored email has capitals by its lower-case email', async () => {
    const user = await createUser({ email: `Mixed.${uniqueEmail('Case')}` })
    const response = await patch(user.email.toLowerCase(), { ...user.body, lastName: 'Lowered' })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).last_name).toBe('Lowered')
  })

  it('changes only the case of the email', async () => {
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, email: user.email.toUpperCase() })
    expect(response.status, response.text).toBe(204)
    expect((await v3User(resellerA, user.id)).body.email).toBe(user.email.toUpperCase())
  })

  it("updates with the user's resellerId and without one for a csp token", async () => {
    const user = await createUser()
    expect(
      (await patch(user.email, { ...user.body, firstName: 'One' }, { resellerId: resellerA })).status,
    ).toBe(204)
    expect((await patch(user.email, { ...user.body, firstName: 'Two' })).status).toBe(204)
    expect((await snapshot(user.id)).first_name).toBe('Two')
  })

  it('keeps the organization, company and password of a user created through v3', async () => {
    const organization = await t.createOrganization(resellerA)
    const email = uniqueEmail('v3')
    const created = await t.request('POST', `/v3/resellers/${resellerA}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'Vera',
        lastName: 'Three',
        email,
        role: 'user',
        company: 'Acme',
        organizationId: organization.id,
        allowCustomerPortalAccess: true,
        password: 'correct horse battery',
      },
    })
    expect(created.status, created.text).toBe(201)
    const hashOf = async () =>
      (
        await t.db.query<{ password_hash: string }>(
          'SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2',
          [t.tenantId, created.body.id],
        )
      ).rows[0]?.password_hash
    const hash = await hashOf()
    expect(hash).toBeTruthy()
    const response = await patch(email, userBody({ email, firstName: 'Vera', lastName: 'Renamed' }))
    expect(response.status, response.text).toBe(204)
    const v3 = await v3User(resellerA, created.body.id)
    expect(v3.body).toMatchObject({
      lastName: 'Renamed',
      company: 'Acme',
      organizationId: organization.id,
      role: 'user',
    })
    expect(await hashOf()).toBe(hash)
  })

  it.each([
    ['with its resellerId', () => ({ resellerId: resellerA })],
    ['without resellerId', () => ({})],
  ])('lets a reseller token update its own user %s', async (_, options) => {
    const user = await createUser()
    const response = await patch(
      user.email,
      { ...user.body, firstName: 'Mine' },
      { ...options(), token: tokenA },
    )
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).first_name).toBe('Mine')
  })

  it.each([
    ['its own id', (id: string) => id],
    ['its own id in upper case', (id: string) => id.toUpperCase()],
  ])("accepts a body carrying the user's %s", async (_, idOf) => {
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, id: idOf(user.id), firstName: 'Same' })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).first_name).toBe('Same')
  })
})

describe('PATCH /v1/users/{email}: who and what is not found or refused', () => {
  it('answers 404 for an email no user has, and writes nothing', async () => {
    const response = await expectNothingWritten(t, () => patch(uniqueEmail('nobody'), userBody()))
    expectV1Error(response, 404)
  })

  it("answers 404 for a resellerId other than the user's, and changes nothing", async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, firstName: 'Moved' }, { resellerId: resellerB }),
    )
    expectV1Error(response, 404)
  })

  it('answers 404 for a resellerId that names no reseller', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, user.body, { resellerId: randomUUID() }),
    )
    expectV1Error(response, 404)
  })

  it('refuses a resellerId that is not a UUID with 400 on resellerId', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, user.body, { resellerId: 'reseller-a' }),
    )
    expectV1Error(response, 400, 'resellerId')
  })

  it("refuses a reseller token on another reseller's user with 403 when resellerId names it", async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, firstName: 'Stolen' }, { resellerId: resellerA, token: tokenB }),
    )
    expectV1Error(response, 403)
  })

  it("answers 404 to a reseller token on another reseller's user without resellerId", async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, firstName: 'Stolen' }, { token: tokenB }),
    )
    expectV1Error(response, 404)
  })

  it("answers 404 to a reseller token naming its own reseller for another reseller's user", async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, firstName: 'Stolen' }, { resellerId: resellerB, token: tokenB }),
    )
    expectV1Error(response, 404)
  })

  it("answers 404 for the email of another tenant's user, and changes nothing there", async () => {
    const response = await expectNothingWritten(t, () =>
      patch(theirs.email, userBody({ email: theirs.email, firstName: 'Ours' })),
    )
    expectV1Error(response, 404)
    expectV1Error(await expectNothingWritten(t, () => remove(theirs.email)), 404)
    const row = await t.db.query<{ first_name: string; deleted_at: Date | null }>(
      'SELECT first_name, deleted_at FROM users WHERE tenant_id = $1 AND id = $2',
      [other.tenantId, theirs.id],
    )
    expect(row.rows[0]).toEqual({ first_name: 'Ada', deleted_at: null })
  })

  it('refuses a body id other than the user’s with 400 on id, and changes nothing', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, id: randomUUID(), firstName: 'Renumbered' }),
    )
    expectV1Error(response, 400, 'id')
  })

  it("refuses a body id that is another user's id with 400 on id", async () => {
    const user = await createUser()
    const another = await createUser()
    const response = await expectUnchanged(user.id, () => patch(user.email, { ...user.body, id: another.id }))
    expectV1Error(response, 400, 'id')
  })

  it('answers 400 on the body before looking the user up', async () => {
    const response = await expectNothingWritten(t, () => patch(uniqueEmail('nobody'), { firstName: '' }))
    expectV1Error(response, 400, 'firstName')
  })
})

describe('PATCH /v1/users/{email}: the body rules of create', () => {
  const at = (length: number) => 'x'.repeat(length)

  it.each([
    ['a firstName of 255 characters', { firstName: at(255) }],
    ['a lastName of 255 characters', { lastName: at(255) }],
    ['a firstName of 1 character', { firstName: 'A' }],
    ['a group with a name besides its id', () => ({ groups: [{ id: groups.Viewer, name: 'Viewer' }] })],
    ['a group with a null name', () => ({ groups: [{ id: groups.Viewer, name: null }] })],
    ['a group id in upper case', () => ({ groups: [{ id: groups.Viewer?.toUpperCase() }] })],
  ])('accepts %s', async (_, override) => {
    const user = await createUser()
    const changes: Record<string, unknown> = typeof override === 'function' ? override() : override
    const response = await patch(user.email, { ...user.body, ...changes })
    expect(response.status, response.text).toBe(204)
    const row = await snapshot(user.id)
    expect(row.first_name).toBe(changes.firstName ?? user.body.firstName)
    expect(row.last_name).toBe(changes.lastName ?? user.body.lastName)
  })

  it.each([
    ['a firstName of 256 characters', () => ({ firstName: at(256) }), 'firstName'],
    ['a lastName of 256 characters', () => ({ lastName: at(256) }), 'lastName'],
    ['an empty firstName', () => ({ firstName: '' }), 'firstName'],
    ['a lastName of only white space', () => ({ lastName: ' \t ' }), 'lastName'],
    ['a null firstName', () => ({ firstName: null }), 'firstName'],
    ['a missing firstName', () => ({ firstName: undefined }), 'firstName'],
    ['a missing lastName', () => ({ lastName: undefined }), 'lastName'],
    ['a missing email', () => ({ email: undefined }), 'email'],
    ['a malformed email', () => ({ email: 'not-an-email' }), 'email'],
    ['an email of 256 characters', () => ({ email: `${'a'.repeat(244)}@example.com` }), 'email'],
    ['a role with an extra property', () => ({ role: { foo: 1 } }), 'role.foo'],
    ['a role name that is not a role of the tenant', () => ({ role: { name: 'no-such-role' } }), 'role'],
    ['a missing groups array', () => ({ groups: undefined }), 'groups'],
    ['an unknown group id', () => ({ groups: [{ id: randomUUID() }] }), 'groups[0].id'],
    [
      'an unknown group id after a known one',
      () => ({ groups: [{ id: groups.Viewer }, { id: randomUUID() }] }),
      'groups[1].id',
    ],
    ['a group id that is not a UUID', () => ({ groups: [{ id: 'administrator' }] }), 'groups[0].id'],
    ['a group without an id', () => ({ groups: [{ name: 'Viewer' }] }), 'groups[0].id'],
    ['an id that is not a UUID', () => ({ id: 'not-a-uuid' }), 'id'],
    ['an unknown property', () => ({ password: 'secret-secret' }), 'password'],
  ])('refuses %s with 400 on %s and changes nothing', async (_, override, property) => {
    const user = await createUser({ groups: [{ id: groups.Administrator }] })
    const body: Record<string, unknown> = { ...user.body, firstName: 'Changed', ...override() }
    for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key]
    const response = await expectUnchanged(user.id, () => patch(user.email, body))
    expectV1Error(response, 400, property)
  })

  it('refuses a body that is not valid JSON with a 400 CloudCockpit body', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () => patch(user.email, '{"firstName":'))
    expectV1Error(response, 400)
  })

  it.each([
    ['as it was stored', (email: string) => email],
    ['in upper case', (email: string) => email.toUpperCase()],
    ['in mixed case', (email: string) => email.replace(/^./, (c) => c.toUpperCase())],
  ])("refuses another user's email (%s) with 409 on email and changes nothing", async (_, variant) => {
    const taken = await createUser()
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, email: variant(taken.email) }),
    )
    expectV1Error(response, 409, 'email')
  })

  it("refuses the email of another reseller's user with 409", async () => {
    const taken = await createUser({}, resellerB)
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, email: taken.email }),
    )
    expectV1Error(response, 409, 'email')
  })

  it("lets a user take an email that only another tenant's user has", async () => {
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, email: theirs.email })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).email).toBe(theirs.email)
  })

  it('lets only one of two concurrent PATCHes take the same new email', async () => {
    const [one, two] = [await createUser(), await createUser()]
    const email = uniqueEmail('race')
    const responses = await Promise.all([one, two].map((user) => patch(user.email, { ...user.body, email })))
    expect(responses.map((r) => r.status).sort()).toEqual([204, 409])
    expect(await t.count('users', 'lower(email) = lower($1) AND deleted_at IS NULL', [email])).toBe(1)
  })

  it('lets a user take the email a deleted user had', async () => {
    const gone = await createUser()
    expect((await remove(gone.email)).status).toBe(204)
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, email: gone.email })
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).email).toBe(gone.email)
  })
})

describe('PATCH /v1/users/{email}: audit and outbox', () => {
  it('writes one reseller.user.updated audit event with the correlation id and exactly the changed fields', async () => {
    const user = await createUser({ groups: [{ id: groups.Viewer }] })
    const correlationId = randomUUID()
    const email = uniqueEmail('audited')
    const before = await writeCounts(t)
    const response = await patch(
      user.email,
      {
        ...user.body,
        firstName: 'Audited',
        email,
        groups: [{ id: groups.Administrator }, { id: groups.Viewer }],
      },
      { headers: { 'x-correlation-id': correlationId } },
    )
    expect(response.status, response.text).toBe(204)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
    const after = await writeCounts(t)
    expect(after.auditEvents).toBe(before.auditEvents + 1)
    expect(after.outboxEvents).toBe(before.outboxEvents + 1)
    expect(after.users).toBe(before.users)

    const events = await auditEvents(user.id, 'reseller.user.updated')
    expect(events).toHaveLength(1)
    const [event] = events
    expect(event).toMatchObject({
      correlation_id: correlationId,
      resource: 'reseller.user',
      resource_id: user.id,
      reseller_id: resellerA,
      actor_type: 'client',
    })
    const byField = Object.fromEntries((event?.changes ?? []).map((c) => [c.field, c]))
    expect(Object.keys(byField).sort()).toEqual(['email', 'firstName', 'groupIds'])
    expect(byField.firstName).toEqual({ field: 'firstName', from: 'Ada', to: 'Audited' })
    expect(byField.email).toEqual({ field: 'email', from: user.email, to: email })
    expect(byField.groupIds).toEqual({
      field: 'groupIds',
      from: [groups.Viewer],
      to: [groups.Administrator, groups.Viewer].sort(),
    })
  })

  it('records a role change with its old and new role name', async () => {
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, role: { name: 'organization-admin' } })
    expect(response.status, response.text).toBe(204)
    const [event] = await auditEvents(user.id, 'reseller.user.updated')
    expect(event?.changes).toEqual([{ field: 'role', from: 'user', to: 'organization-admin' }])
  })

  it('writes one reseller.user.updated outbox event carrying the user as it is after the change', async () => {
    const user = await createUser()
    const response = await patch(user.email, { ...user.body, lastName: 'Outboxed' })
    expect(response.status, response.text).toBe(204)
    const events = await outboxEvents(user.id, 'reseller.user.updated')
    expect(events).toHaveLength(1)
    expect(events[0]?.reseller_id).toBe(resellerA)
    expect(events[0]?.data).toMatchObject({ id: user.id, lastName: 'Outboxed', email: user.email })
    expect(JSON.stringify(events[0]?.data)).not.toMatch(/password/i)
  })

  it.each([
    ['the same body', (body: Record<string, unknown>) => body],
    [
      'the same groups in another order, role {} and the own id',
      (body: Record<string, unknown>, id: string) => ({
        ...body,
        id,
        role: {},
        groups: [...(body.groups as unknown[])].reverse(),
      }),
    ],
    [
      'a group name besides each id',
      (body: Record<string, unknown>) => ({
        ...body,
        groups: (body.groups as { id: string }[]).map((g) => ({ ...g, name: 'whatever' })),
      }),
    ],
  ])(
    'answers 204 to an unchanged PATCH (%s), writing no audit event, no outbox event and no updated_at',
    async (_, make) => {
      const user = await createUser({ groups: [{ id: groups.Administrator }, { id: groups.Viewer }] })
      const response = await expectUnchanged(user.id, () =>
        patch(user.email.toUpperCase(), make(user.body, user.id)),
      )
      expect(response.status, response.text).toBe(204)
      expect(await auditEvents(user.id, 'reseller.user.updated')).toEqual([])
    },
  )

  it('never writes a secret into the changes of a create, an update or a delete', async () => {
    const user = await createUser()
    await patch(user.email, { ...user.body, firstName: 'Plain', lastName: 'Person' })
    await remove(user.email)
    const { rows } = await t.db.query<{ changes: unknown }>(
      'SELECT changes FROM audit_events WHERE tenant_id = $1 AND resource_id = $2',
      [t.tenantId, user.id],
    )
    expect(rows).toHaveLength(3)
    expect(JSON.stringify(rows)).not.toMatch(/password|secret|hash/i)
    const fields = rows.flatMap((row) =>
      (typeof row.changes === 'string' ? JSON.parse(row.changes) : (row.changes as { field: string }[])).map(
        (c: { field: string }) => c.field,
      ),
    )
    const audited = ['firstName', 'lastName', 'email', 'role', 'company', 'organizationId']
    for (const field of fields) expect([...audited, 'allowCustomerPortalAccess', 'groupIds']).toContain(field)
  })
})

describe('PATCH /v1/users/{email}: headers and roles', () => {
  it('refuses a request without X-Tenant with 400 on X-Tenant', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      t.request('PATCH', pathOf(user.email), { token: t.cspToken, body: user.body }),
    )
    expectV1Error(response, 400, 'X-Tenant')
  })

  it('answers 401 without a token and 403 to the platform token, changing nothing', async () => {
    const user = await createUser()
    const body = { ...user.body, firstName: 'Nobody' }
    expectV1Error(await expectUnchanged(user.id, () => patch(user.email, body, { token: null })), 401)
    const platform = await t.platformToken()
    expectV1Error(await expectUnchanged(user.id, () => patch(user.email, body, { token: platform })), 403)
  })

  it('refuses an X-Tenant naming no tenant of this token with 403', async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, user.body, { headers: { 'x-tenant': 'nowhere.example.com' } }),
    )
    expectV1Error(response, 403)
  })

  it('matches X-Tenant case-insensitively', async () => {
    const user = await createUser()
    const response = await patch(user.email, user.body, { headers: { 'x-tenant': TENANT.toUpperCase() } })
    expect(response.status, response.text).toBe(204)
  })
})

describe('DELETE /v1/users/{email}', () => {
  it('answers 204 without a body and the user leaves the v1 list and the v3 GET', async () => {
    const user = await createUser()
    expect(await listed(user.email)).toHaveLength(1)
    const response = await remove(user.email)
    expect(response.status, response.text).toBe(204)
    expect(response.text).toBe('')
    expect(await listed(user.email)).toEqual([])
    expectV1Error(await remove(user.email), 404)
    const v3 = await v3User(resellerA, user.id)
    expect(v3.status, v3.text).toBe(404)
  })

  it('keeps the row with deleted_at set', async () => {
    const user = await createUser()
    expect((await remove(user.email)).status).toBe(204)
    const row = await snapshot(user.id)
    expect(row.deleted_at).not.toBeNull()
    expect(row).toMatchObject({ email: user.email, first_name: user.body.firstName })
  })

  it("gives the reseller's slot back: the list's totalCount drops by one", async () => {
    const reseller = await t.createReseller({ allowedUsers: 1 })
    const user = await createUser({}, reseller.id)
    const count = async () =>
      (await t.v1('GET', `/v1/users?resellerId=${reseller.id}`, { token: t.cspToken })).body.totalCount
    expect(await count()).toBe(1)
    expect((await remove(user.email)).status).toBe(204)
    expect(await count()).toBe(0)
    const again = await t.v1('POST', `/v1/reseller/${reseller.id}/users`, {
      token: t.cspToken,
      body: userBody(),
    })
    expect(again.status, again.text).toBe(201)
  })

  it('frees the email: a new user with it is created (201) under a new id', async () => {
    const user = await createUser()
    expect((await remove(user.email.toUpperCase())).status).toBe(204)
    const created = await t.v1<string>('POST', `/v1/reseller/${resellerA}/users`, {
      token: t.cspToken,
      body: userBody({ email: user.email }),
    })
    expect(created.status, created.text).toBe(201)
    expect(created.body).not.toBe(user.id)
    expect(await listed(user.email)).toEqual([expect.objectContaining({ id: created.body })])
  })

  it('writes one reseller.user.deleted audit event and one outbox event, with the correlation id', async () => {
    const user = await createUser({ groups: [{ id: groups.Viewer }] })
    const correlationId = randomUUID()
    const before = await writeCounts(t)
    const response = await remove(user.email, { headers: { 'x-correlation-id': correlationId } })
    expect(response.status, response.text).toBe(204)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
    const after = await writeCounts(t)
    expect(after.auditEvents).toBe(before.auditEvents + 1)
    expect(after.outboxEvents).toBe(before.outboxEvents + 1)
    const [event] = await auditEvents(user.id, 'reseller.user.deleted')
    expect(event).toMatchObject({
      correlation_id: correlationId,
      resource: 'reseller.user',
      resource_id: user.id,
      reseller_id: resellerA,
    })
    expect(JSON.stringify(event?.changes)).not.toMatch(/password|hash/i)
    const outbox = await outboxEvents(user.id, 'reseller.user.deleted')
    expect(outbox).toHaveLength(1)
    expect(outbox[0]?.data).toMatchObject({ id: user.id, email: user.email })
  })

  it.each([
    ['with the path email in upper case', (email: string) => email.toUpperCase(), false],
    ['with the path email URL-encoded', (email: string) => email.replace('@', '%40'), false],
    ["with the user's resellerId", (email: string) => email, true],
  ])('deletes %s', async (_, variant, withResellerId) => {
    const user = await createUser()
    const response = await remove(variant(user.email), withResellerId ? { resellerId: resellerA } : {})
    expect(response.status, response.text).toBe(204)
    expect((await snapshot(user.id)).deleted_at).not.toBeNull()
  })

  it('lets a reseller token delete its own user', async () => {
    const user = await createUser()
    expect((await remove(user.email, { token: tokenA })).status).toBe(204)
  })

  it('answers 404 to a second delete and writes nothing', async () => {
    const user = await createUser()
    expect((await remove(user.email)).status).toBe(204)
    const response = await expectNothingWritten(t, () => remove(user.email))
    expectV1Error(response, 404)
  })

  it('answers 404 to a PATCH of a deleted user', async () => {
    const user = await createUser()
    expect((await remove(user.email)).status).toBe(204)
    const response = await expectUnchanged(user.id, () =>
      patch(user.email, { ...user.body, firstName: 'Back' }),
    )
    expectV1Error(response, 404)
  })

  it('answers 404 for an email no user has', async () => {
    expectV1Error(await expectNothingWritten(t, () => remove(uniqueEmail('nobody'))), 404)
  })

  it("answers 404 for a resellerId other than the user's, and deletes nothing", async () => {
    const user = await createUser()
    const response = await expectUnchanged(user.id, () => remove(user.email, { resellerId: resellerB }))
    expectV1Error(response, 404)
  })

  it("refuses a reseller token on another reseller's user: 403 with resellerId, 404 without, nothing deleted", async () => {
    const user = await createUser()
    expectV1Error(
      await expectUnchanged(user.id, () => remove(user.email, { resellerId: resellerA, token: tokenB })),
      403,
    )
    expectV1Error(await expectUnchanged(user.id, () => remove(user.email, { token: tokenB })), 404)
    expectV1Error(
      await expectUnchanged(user.id, () => remove(user.email, { resellerId: resellerB, token: tokenB })),
      404,
    )
    expect((await v3User(resellerA, user.id)).status).toBe(200)
  })

  it('answers 401 without a token, 403 to the platform token and 400 without X-Tenant, deleting nothing', async () => {
    const user = await createUser()
    expectV1Error(await expectUnchanged(user.id, () => remove(user.email, { token: null })), 401)
    const platform = await t.platformToken()
    expectV1Error(await expectUnchanged(user.id, () => remove(user.email, { token: platform })), 403)
    const noTenant = await expectUnchanged(user.id, () =>
      t.request('DELETE', pathOf(user.email), { token: t.cspToken }),
    )
    expectV1Error(noTenant, 400, 'X-Tenant')
  })
})
