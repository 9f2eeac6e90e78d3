// PATCH, DELETE and POST …/password on /v3/resellers/{resellerId}/users/{id}, end to end: rules, counters,
// audit and outbox, and who may do it.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { verify } from '@node-rs/argon2'
import type { Static } from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventLogDto, UserDto } from '../../src/dialects/v3/schemas.ts'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

type EventLog = Static<typeof EventLogDto>
type Answer = UserDto & { message?: string; code?: string | null }

let t: TestApp
let resellerId: string
let orgA: string
let orgB: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  orgA = (await t.createOrganization(resellerId)).id
  orgB = (await t.createOrganization(resellerId)).id
})
afterAll(async () => {
  await t?.close()
})

const email = (prefix = 'user') => `${unique(prefix)}@example.com`
const long = (n: number, char = 'a') => char.repeat(n)
const usersPath = (rid = resellerId) => `/v3/resellers/${rid}/users`
const userPath = (id: string, rid = resellerId) => `${usersPath(rid)}/${id}`

async function createUser(overrides: Record<string, unknown> = {}, rid = resellerId): Promise<UserDto> {
  const response = await t.request<UserDto>('POST', usersPath(rid), {
    token: t.cspToken,
    body: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: email('ada'),
      role: 'user',
      company: 'Analytical Engines',
      allowCustomerPortalAccess: false,
      password: 'original-password',
      ...overrides,
    },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

function patch(
  id: string,
  body: unknown,
  options: { resellerId?: string; token?: string } = {},
): Promise<Response<Answer>> {
  return t.request<Answer>('PATCH', userPath(id, options.resellerId), {
    token: options.token ?? t.cspToken,
    body,
  })
}

async function patched(id: string, body: unknown, rid = resellerId): Promise<UserDto> {
  const response = await patch(id, body, { resellerId: rid })
  expect(response.status, response.text).toBe(200)
  return response.body
}

async function read(id: string, rid = resellerId): Promise<Response<Answer>> {
  return t.request<Answer>('GET', userPath(id, rid), { token: t.cspToken })
}

/** The user's stored row (deleted or not), with the counters of its reseller and organizations. */
async function row(id: string): Promise<Json> {
  const { rows } = await t.db.query('SELECT * FROM users WHERE id = $1', [id])
  return rows[0]
}

async function userCount(table: 'resellers' | 'organizations', id: string): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(`SELECT user_count AS n FROM ${table} WHERE id = $1`, [id])
  return rows[0]?.n as number
}

/** Everything a change to this user could write: its row, every slot counter, audit and outbox rows. */
async function footprint(id: string) {
  const [user, counters, audit, outbox] = await Promise.all([
    row(id),
    t.db.query(
      `SELECT (SELECT json_agg(json_build_array(id, user_count) ORDER BY id) FROM resellers) AS resellers,
              (SELECT json_agg(json_build_array(id, user_count) ORDER BY id) FROM organizations) AS organizations`,
    ),
    t.count('audit_events'),
    t.count('outbox_events'),
  ])
  return { user, counters: counters.rows[0], audit, outbox }
}

async function expectRefused(
  id: string,
  send: () => Promise<Response<Answer>>,
  status: number,
  code?: string,
): Promise<Response<Answer>> {
  const before = await footprint(id)
  const response = await send()
  expect(response.status, response.text).toBe(status)
  expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  if (code) expect(response.body.code).toBe(code)
  expect(await footprint(id)).toEqual(before)
  return response
}

async function eventLogs(id: string, action: string): Promise<EventLog[]> {
  const response = await t.request<EventLog[]>(
    'GET',
    `/v3/event-logs?resourceId=${id}&action=${encodeURIComponent(action)}`,
    { token: t.cspToken },
  )
  expect(response.status, response.text).toBe(200)
  return response.body
}

async function outboxRows(id: string, event: string) {
  const { rows } = await t.db.query<{ event: string; reseller_id: string; data: Json }>(
    'SELECT event, reseller_id, data FROM outbox_events WHERE resource_id = $1 AND event = $2',
    [id, event],
  )
  return rows.map((r) => ({ ...r, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }))
}

const nameOf = (firstName: string, lastName: string) => (lastName ? `${firstName} ${lastName}` : firstName)

describe('PATCH …/users/{id}: each field alone', () => {
  const cases: { field: string; value: () => unknown }[] = [
    { field: 'firstName', value: () => 'Augusta' },
    { field: 'lastName', value: () => 'King' },
    { field: 'email', value: () => email('changed') },
    { field: 'role', value: () => 'reseller-admin' },
    { field: 'company', value: () => 'Difference Engines' },
    { field: 'organizationId', value: () => orgA },
  ]

  it.each(cases)('changes $field and leaves every other field as it was', async ({ field, value }) => {
    const before = await createUser()
    const sent = value()
    const after = await patched(before.id, { [field]: sent })
    const { updatedAt: _, ...rest } = before
    const expected = { ...rest, [field]: sent }
    expected.name = nameOf(expected.firstName, expected.lastName)
    if (field === 'organizationId') {
      const organization = await t.request('GET', `/v3/resellers/${resellerId}/organizations/${orgA}`, {
        token: t.cspToken,
      })
      expected.organization = organization.body
    }
    expect(after).toEqual({ ...expected, updatedAt: expect.any(String) })
    // What a later read shows is what the PATCH answered.
    expect((await read(before.id)).body).toEqual(after)
  })

  it('changes allowCustomerPortalAccess alone', async () => {
    const before = await createUser({ allowCustomerPortalAccess: false })
    const after = await patched(before.id, { allowCustomerPortalAccess: true })
    expect({ ...after, updatedAt: before.updatedAt }).toEqual(before)
    expect((await row(before.id)).allow_customer_portal_access).toBe(true)
  })

  it('moves updatedAt forward and keeps createdAt', async () => {
    const before = await createUser()
    await sleep(5)
    const after = await patched(before.id, { firstName: 'Later' })
    expect(after.createdAt).toBe(before.createdAt)
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt))
    const stored = await row(before.id)
    expect(new Date(stored.updated_at).getTime()).toBeGreaterThan(new Date(stored.created_at).getTime())
  })

  it('changes several fields at once', async () => {
    const before = await createUser()
    const newEmail = email('several')
    const after = await patched(before.id, { firstName: 'Grace', lastName: 'Hopper', email: newEmail })
    expect(after).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      name: 'Grace Hopper',
      email: newEmail,
    })
    expect(after.company).toBe(before.company)
  })

  it('clears lastName, company and organizationId when sent null', async () => {
    const before = await createUser({ organizationId: orgB })
    const after = await patched(before.id, { lastName: null, company: null, organizationId: null })
    expect(after).toMatchObject({
      firstName: before.firstName,
      lastName: '',
      name: before.firstName,
      company: null,
      organizationId: null,
    })
    expect(after).not.toHaveProperty('organization')
  })

  it('clears organizationId when sent an empty string, as create treats it', async () => {
    const before = await createUser({ organizationId: orgB })
    const after = await patched(before.id, { organizationId: '' })
    expect(after.organizationId).toBeNull()
    expect(after).not.toHaveProperty('organization')
  })

  it('leaves firstName, email, role and allowCustomerPortalAccess as they are when sent null', async () => {
    const before = await createUser({ allowCustomerPortalAccess: true })
    const after = await patched(before.id, {
      firstName: null,
      email: null,
      role: null,
      allowCustomerPortalAccess: null,
    })
    expect(after).toEqual(before)
    expect((await row(before.id)).allow_customer_portal_access).toBe(true)
  })
})

describe('PATCH …/users/{id}: the rules of create', () => {
  let role256: string
  beforeAll(async () => {
    role256 = long(256, 'r')
    const response = await t.request('POST', '/v3/roles', {
      token: t.cspToken,
      body: { name: role256, claims: ['reseller:read'] },
    })
    expect(response.status, response.text).toBe(201)
  })

  it.each([
    { field: 'firstName', value: () => long(256) },
    { field: 'firstName', value: () => long(256, 'é') },
    { field: 'lastName', value: () => long(256, 'b') },
    { field: 'company', value: () => long(256, 'c') },
    { field: 'role', value: () => role256 },
    { field: 'lastName', value: () => '' },
    { field: 'company', value: () => '' },
  ])('accepts a $field of its largest or smallest length', async ({ field, value }) => {
    const user = await createUser()
    const after = await patched(user.id, { [field]: value() })
    expect(after[field as keyof UserDto]).toBe(value())
  })

  it.each([
    ['a firstName of 257 characters', { firstName: long(257) }],
    ['an empty firstName', { firstName: '' }],
    ['a lastName of 257 characters', { lastName: long(257) }],
    ['a role of 257 characters', { role: long(257) }],
    ['an empty role', { role: '' }],
    ['a company of 257 characters', { company: long(257) }],
    ['an organizationId of 257 characters', { organizationId: long(257) }],
    ['an email without @', { email: 'not-an-email' }],
    ['an email without a domain', { email: 'ada@' }],
    ['an email with spaces', { email: 'ada lovelace@example.com' }],
    ['an empty email', { email: '' }],
    ['an email of 257 characters', { email: `${long(245)}@example.com` }],
    ['a numeric firstName', { firstName: 42 }],
    ['allowCustomerPortalAccess as a string', { allowCustomerPortalAccess: 'true' }],
    ['a password (changed only by its own operation)', { password: 'new-password-123' }],
    ['an unknown field', { nickname: 'Ada' }],
    ['an id', { id: randomUUID() }],
    ['a body that is not an object', [{ firstName: 'Ada' }]],
  ])('refuses %s with 400 and changes nothing', async (_, body) => {
    const user = await createUser()
    await expectRefused(user.id, () => patch(user.id, body), 400)
  })

  it('refuses a role that is not a role of the tenant with 400 naming it', async () => {
    const user = await createUser()
    const response = await expectRefused(user.id, () => patch(user.id, { role: 'no-such-role' }), 400)
    expect(response.body.message).toContain('role')
  })

  it('refuses, with 409 DUPLICATE_FIELD_VALUE, the email of another user in any case', async () => {
    const other = await createUser({ email: email('Taken') })
    const user = await createUser()
    for (const taken of [other.email, other.email.toUpperCase(), other.email.toLowerCase()]) {
      await expectRefused(user.id, () => patch(user.id, { email: taken }), 409, 'DUPLICATE_FIELD_VALUE')
    }
  })

  it('refuses the email of another reseller’s user of the same tenant with 409', async () => {
    const otherReseller = (await t.createReseller()).id
    const other = await createUser({}, otherReseller)
    const user = await createUser()
    await expectRefused(user.id, () => patch(user.id, { email: other.email }), 409, 'DUPLICATE_FIELD_VALUE')
  })

  it('accepts the user’s own email in another case, and stores the new spelling', async () => {
    const user = await createUser({ email: email('own') })
    const after = await patched(user.id, { email: user.email.toUpperCase() })
    expect(after.email).toBe(user.email.toUpperCase())
  })

  it('accepts the email of a deleted user', async () => {
    const gone = await createUser()
    expect((await t.request('DELETE', userPath(gone.id), { token: t.cspToken })).status).toBe(204)
    const user = await createUser()
    expect((await patched(user.id, { email: gone.email })).email).toBe(gone.email)
  })

  it('refuses an organizationId of another reseller, an unknown one and a malformed one with 400', async () => {
    const otherReseller = (await t.createReseller()).id
    const theirs = (await t.createOrganization(otherReseller)).id
    const user = await createUser({ organizationId: orgA })
    for (const organizationId of [theirs, randomUUID(), 'not-a-uuid']) {
      const response = await expectRefused(user.id, () => patch(user.id, { organizationId }), 400)
      expect(response.body.message).toContain('organizationId')
    }
    expect((await read(user.id)).body.organizationId).toBe(orgA)
  })
})

describe('PATCH …/users/{id}: moving between organizations', () => {
  it('moves a user from one organization to another, and each organization counts its users', async () => {
    const from = (await t.createOrganization(resellerId)).id
    const to = (await t.createOrganization(resellerId)).id
    const user = await createUser({ organizationId: from })
    expect([await userCount('organizations', from), await userCount('organizations', to)]).toEqual([1, 0])
    const resellerBefore = await userCount('resellers', resellerId)
    const after = await patched(user.id, { organizationId: to })
    expect(after.organizationId).toBe(to)
    expect(after.organization?.id).toBe(to)
    expect([await userCount('organizations', from), await userCount('organizations', to)]).toEqual([0, 1])
    expect(await userCount('resellers', resellerId)).toBe(resellerBefore)
  })

  it('refuses with 422 a move into a full organization, and changes nothing, not even the other fields sent', async () => {
    const full = (await t.createOrganization(resellerId, { allowedUsers: 1 })).id
    const source = (await t.createOrganization(resellerId)).id
    await createUser({ organizationId: full })
    const mover = await createUser({ organizationId: source })
    const outsider = await createUser()
    for (const user of [mover, outsider]) {
      await expectRefused(
        user.id,
        () => patch(user.id, { organizationId: full, firstName: 'Changed' }),
        422,
        'USER_LIMIT_REACHED',
      )
      expect((await read(user.id)).body).toEqual(user)
    }
    expect(await userCount('organizations', full)).toBe(1)
    expect(await userCount('organizations', source)).toBe(1)
  })

  it('refuses every move into an organization whose allowedUsers is 0', async () => {
    const closed = (await t.createOrganization(resellerId, { allowedUsers: 0 })).id
    const user = await createUser()
    await expectRefused(user.id, () => patch(user.id, { organizationId: closed }), 422)
  })

  it('frees a slot when a user leaves an organization, so another can move in', async () => {
    const full = (await t.createOrganization(resellerId, { allowedUsers: 1 })).id
    const leaver = await createUser({ organizationId: full })
    const waiting = await createUser({ organizationId: orgB })
    const orgBBefore = await userCount('organizations', orgB)
    expect((await patch(waiting.id, { organizationId: full })).status).toBe(422)
    await patched(leaver.id, { organizationId: null })
    expect(await userCount('organizations', full)).toBe(0)
    const moved = await patched(waiting.id, { organizationId: full })
    expect(moved.organizationId).toBe(full)
    expect(await userCount('organizations', full)).toBe(1)
    expect(await userCount('organizations', orgB)).toBe(orgBBefore - 1)
  })

  it('keeps the count when the organization sent is the one the user is in', async () => {
    const full = (await t.createOrganization(resellerId, { allowedUsers: 1 })).id
    const user = await createUser({ organizationId: full })
    const after = await patched(user.id, { organizationId: full, firstName: 'Same Org' })
    expect(after.organizationId).toBe(full)
    expect(await userCount('organizations', full)).toBe(1)
  })

  it('moves users freely when the reseller is at its allowedUsers: a move takes no reseller slot', async () => {
    const reseller = (await t.createReseller({ allowedUsers: 1 })).id
    const org = (await t.createOrganization(reseller)).id
    const user = await createUser({}, reseller)
    expect((await patched(user.id, { organizationId: org }, reseller)).organizationId).toBe(org)
    expect((await patched(user.id, { organizationId: null }, reseller)).organizationId).toBeNull()
    expect(await userCount('resellers', reseller)).toBe(1)
  })
})

describe('PATCH …/users/{id}: audit and outbox', () => {
  it('writes one audit event reseller.user.updated listing exactly the changed fields, old and new', async () => {
    const user = await createUser({ company: 'Old Co' })
    await patched(user.id, {
      firstName: user.firstName, // unchanged: not listed
      lastName: 'Byron',
      company: null,
      organizationId: orgA,
      role: 'user', // unchanged
    })
    const logs = await eventLogs(user.id, 'reseller.user.updated')
    expect(logs).toHaveLength(1)
    const log = logs[0] as EventLog
    expect(log).toMatchObject({ action: 'reseller.user.updated', resourceId: user.id, resellerId })
    const changes = [...log.changes].sort((a, b) => a.propertyName.localeCompare(b.propertyName))
    expect(changes).toEqual([
      { propertyName: 'company', oldValue: 'Old Co', newValue: null },
      { propertyName: 'lastName', oldValue: 'Lovelace', newValue: 'Byron' },
      { propertyName: 'organizationId', oldValue: null, newValue: orgA },
    ])
  })

  it('lists an email change and an allowCustomerPortalAccess change with their values', async () => {
    const user = await createUser({ allowCustomerPortalAccess: false })
    const newEmail = email('audited')
    await patched(user.id, { email: newEmail, allowCustomerPortalAccess: true })
    const [log] = await eventLogs(user.id, 'reseller.user.updated')
    expect(
      [...(log as EventLog).changes].sort((a, b) => a.propertyName.localeCompare(b.propertyName)),
    ).toEqual([
      { propertyName: 'allowCustomerPortalAccess', oldValue: false, newValue: true },
      { propertyName: 'email', oldValue: user.email, newValue: newEmail },
    ])
  })

  it('writes one audit event per change, each with its own fields', async () => {
    const user = await createUser()
    await patched(user.id, { firstName: 'One' })
    await patched(user.id, { firstName: 'Two' })
    const logs = await eventLogs(user.id, 'reseller.user.updated')
    expect(logs).toHaveLength(2)
    expect(logs.map((l) => l.changes)).toEqual(
      expect.arrayContaining([
        [{ propertyName: 'firstName', oldValue: 'Ada', newValue: 'One' }],
        [{ propertyName: 'firstName', oldValue: 'One', newValue: 'Two' }],
      ]),
    )
  })

  it('writes one outbox event reseller.user.updated carrying the updated user and no secret', async () => {
    const user = await createUser({ password: 'outbox-password-1' })
    await patched(user.id, { firstName: 'Outboxed' })
    const rows = await outboxRows(user.id, 'reseller.user.updated')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.reseller_id).toBe(resellerId)
    expect(rows[0]?.data).toMatchObject({ id: user.id, firstName: 'Outboxed', email: user.email })
    expect(JSON.stringify(rows[0]?.data)).not.toMatch(/outbox-password-1|argon2|password_?hash/i)
  })

  it.each([
    ['an empty body', () => ({})],
    ['every field as it is', (u: UserDto) => ({ firstName: u.firstName, email: u.email, role: u.role })],
    ['nulls that leave fields as they are', () => ({ firstName: null, email: null, role: null })],
    ['the organization the user is in', (u: UserDto) => ({ organizationId: u.organizationId })],
  ])('answers 200 with the user unchanged, and writes no audit or outbox event, for %s', async (_, body) => {
    const user = await createUser({ organizationId: orgA })
    const before = await footprint(user.id)
    const response = await patch(user.id, body(user))
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual(user)
    expect(await footprint(user.id)).toEqual(before)
  })
})

describe('PATCH …/users/{id}: who may change what', () => {
  it('answers 404 for an unknown user, a malformed id, a deleted user and another reseller’s user', async () => {
    const gone = await createUser()
    expect((await t.request('DELETE', userPath(gone.id), { token: t.cspToken })).status).toBe(204)
    const otherReseller = (await t.createReseller()).id
    const theirs = await createUser({}, otherReseller)
    for (const id of [randomUUID(), 'not-a-uuid', gone.id, theirs.id]) {
      const response = await patch(id, { firstName: 'Nobody' })
      expect(response.status, id).toBe(404)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    }
    expect((await read(theirs.id, otherReseller)).body).toEqual(theirs)
  })

  it('answers 404 for a reseller that does not exist', async () => {
    const response = await patch(randomUUID(), { firstName: 'Nobody' }, { resellerId: randomUUID() })
    expect(response.status).toBe(404)
  })

  it('lets a reseller token change its own reseller’s user', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:update'] })
    const user = await createUser()
    const response = await patch(user.id, { firstName: 'Self' }, { token })
    expect(response.status, response.text).toBe(200)
    expect(response.body.firstName).toBe('Self')
  })

  it('answers 403 to a reseller token changing another reseller’s user, and changes nothing', async () => {
    const theirReseller = (await t.createReseller()).id
    const theirs = await createUser({}, theirReseller)
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    await expectRefused(
      theirs.id,
      () => patch(theirs.id, { firstName: 'Hijacked' }, { resellerId: theirReseller, token }),
      403,
    )
    expect((await read(theirs.id, theirReseller)).body).toEqual(theirs)
  })

  it('answers 403 to a token lacking reseller:user:update, and changes nothing', async () => {
    const token = await t.tokenFor({
      scopes: ['reseller:user:read', 'reseller:user:create', 'reseller:user:delete'],
    })
    const user = await createUser()
    await expectRefused(user.id, () => patch(user.id, { firstName: 'Nope' }, { token }), 403)
  })

  it('answers 401 without a token', async () => {
    const user = await createUser()
    const response = await t.request('PATCH', userPath(user.id), { body: { firstName: 'Anon' } })
    expect(response.status).toBe(401)
  })
})

describe('DELETE …/users/{id}', () => {
  const remove = (id: string, options: { resellerId?: string; token?: string } = {}) =>
    t.request<Answer>('DELETE', userPath(id, options.resellerId), { token: options.token ?? t.cspToken })

  it('answers 204 with no body, and the user is gone from the single read and the v3 list', async () => {
    const user = await createUser()
    const response = await remove(user.id)
    expect(response.status, response.text).toBe(204)
    expect(response.text).toBe('')
    expect((await read(user.id)).status).toBe(404)
    for (const query of ['limit=100', `id=${user.id}`, `email=${encodeURIComponent(user.email)}`]) {
      const list = await t.request<UserDto[]>('GET', `${usersPath()}?${query}`, { token: t.cspToken })
      expect(list.status, list.text).toBe(200)
      expect(list.body.map((u) => u.id)).not.toContain(user.id)
    }
  })

  it('takes the user out of the v1 list too', async () => {
    const user = await createUser({ email: email('v1gone') })
    const search = `/v1/users?search=${encodeURIComponent(user.email)}&pageSize=2000`
    const before = await t.v1('GET', search, { token: t.cspToken })
    if (before.status === 404) return // no v1 list route in this build
    expect(before.status, before.text).toBe(200)
    expect(before.body.items.map((u: { id: string }) => u.id)).toContain(user.id)
    expect((await remove(user.id)).status).toBe(204)
    const after = await t.v1('GET', search, { token: t.cspToken })
    expect(after.status, after.text).toBe(200)
    expect(after.body.items.map((u: { id: string }) => u.id)).not.toContain(user.id)
    expect(after.body.totalCount).toBe(0)
  })

  it('keeps the row, with deleted_at set, and its audit history', async () => {
    const user = await createUser()
    expect((await remove(user.id)).status).toBe(204)
    const stored = await row(user.id)
    expect(stored).toBeDefined()
    expect(stored.deleted_at).not.toBeNull()
    expect(stored.email).toBe(user.email)
    expect(
      await t.count('audit_events', "resource_id = $1 AND action = 'reseller.user.created'", [user.id]),
    ).toBe(1)
  })

  it('frees the email: a new user may take it, in any case', async () => {
    const user = await createUser({ email: email('Reused') })
    expect((await remove(user.id)).status).toBe(204)
    const again = await createUser({ email: user.email.toUpperCase() })
    expect(again.id).not.toBe(user.id)
    expect(await t.count('users', 'lower(email) = lower($1)', [user.email])).toBe(2)
  })

  it('gives back the slot of the reseller and of the organization', async () => {
    const reseller = (await t.createReseller({ allowedUsers: 1 })).id
    const org = (await t.createOrganization(reseller, { allowedUsers: 1 })).id
    const user = await createUser({ organizationId: org }, reseller)
    expect([await userCount('resellers', reseller), await userCount('organizations', org)]).toEqual([1, 1])
    const refused = await t.request('POST', usersPath(reseller), {
      token: t.cspToken,
      body: {
        firstName: 'Full',
        email: email(),
        role: 'user',
        allowCustomerPortalAccess: false,
        password: 'password-1',
      },
    })
    expect(refused.status).toBe(422)
    expect((await remove(user.id, { resellerId: reseller })).status).toBe(204)
    expect([await userCount('resellers', reseller), await userCount('organizations', org)]).toEqual([0, 0])
    const next = await createUser({ organizationId: org }, reseller)
    expect(next.organizationId).toBe(org)
    expect([await userCount('resellers', reseller), await userCount('organizations', org)]).toEqual([1, 1])
  })

  it('writes an audit event reseller.user.deleted and an outbox event, with no secret', async () => {
    const user = await createUser({ password: 'deleted-secret-1' })
    expect((await remove(user.id)).status).toBe(204)
    const logs = await eventLogs(user.id, 'reseller.user.deleted')
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ action: 'reseller.user.deleted', resourceId: user.id, resellerId })
    const rows = await outboxRows(user.id, 'reseller.user.deleted')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.data).toMatchObject({ id: user.id, email: user.email })
    const written = JSON.stringify({ logs, rows })
    expect(written).not.toMatch(/deleted-secret-1|argon2|password_?hash/i)
  })

  it('answers 404 to a second delete, and writes nothing more', async () => {
    const user = await createUser()
    expect((await remove(user.id)).status).toBe(204)
    await expectRefused(user.id, () => remove(user.id), 404)
  })

  it('answers 404 for an unknown user, a malformed id and another reseller’s user', async () => {
    const otherReseller = (await t.createReseller()).id
    const theirs = await createUser({}, otherReseller)
    for (const id of [randomUUID(), 'not-a-uuid', theirs.id]) {
      expect((await remove(id)).status, id).toBe(404)
    }
    expect((await read(theirs.id, otherReseller)).status).toBe(200)
  })

  it('answers 403 to a reseller token deleting another reseller’s user, and deletes nothing', async () => {
    const theirReseller = (await t.createReseller()).id
    const theirs = await createUser({}, theirReseller)
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    await expectRefused(theirs.id, () => remove(theirs.id, { resellerId: theirReseller, token }), 403)
    expect((await read(theirs.id, theirReseller)).status).toBe(200)
  })

  it('lets a reseller token delete its own reseller’s user', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:delete'] })
    const user = await createUser()
    expect((await remove(user.id, { token })).status).toBe(204)
  })

  it('answers 403 to a token lacking reseller:user:delete', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:user:read', 'reseller:user:update'] })
    const user = await createUser()
    await expectRefused(user.id, () => remove(user.id, { token }), 403)
  })
})

describe('POST …/users/{id}/password', () => {
  const setPassword = (id: string, body: unknown, options: { resellerId?: string; token?: string } = {}) =>
    t.request<Answer>('POST', `${userPath(id, options.resellerId)}/password`, {
      token: options.token ?? t.cspToken,
      body,
    })
  const hashOf = async (id: string) => (await row(id)).password_hash as string

  it('answers 204 and stores a new argon2id hash that verifies the new password, not the old one', async () => {
    const user = await createUser({ password: 'original-password' })
    const oldHash = await hashOf(user.id)
    const response = await setPassword(user.id, { password: 'brand-new-password' })
    expect(response.status, response.text).toBe(204)
    expect(response.text).toBe('')
    const newHash = await hashOf(user.id)
    expect(newHash).not.toBe(oldHash)
    expect(newHash.startsWith('$argon2id$')).toBe(true)
    expect(await verify(newHash, 'brand-new-password')).toBe(true)
    expect(await verify(newHash, 'original-password')).toBe(false)
  })

  it.each([
    ['8 characters', long(8, 'p')],
    ['256 characters', long(256, 'p')],
  ])('accepts a password of %s', async (_, password) => {
    const user = await createUser()
    expect((await setPassword(user.id, { password })).status).toBe(204)
    expect(await verify(await hashOf(user.id), password)).toBe(true)
  })

  it.each([
    ['a password of 7 characters', { password: long(7, 'p') }],
    ['a password of 257 characters', { password: long(257, 'p') }],
    ['an empty password', { password: '' }],
    ['a null password', { password: null }],
    ['a missing password', {}],
    ['a numeric password', { password: 12345678 }],
    ['an extra field', { password: 'long-enough-1', firstName: 'Ada' }],
  ])('refuses %s with 400 and keeps the old hash', async (_, body) => {
    const user = await createUser()
    await expectRefused(user.id, () => setPassword(user.id, body), 400)
  })

  it('writes an audit event reseller.user.password.changed with neither the password nor the hash', async () => {
    const user = await createUser()
    const password = 'audited-password-42'
    expect((await setPassword(user.id, { password })).status).toBe(204)
    const hash = await hashOf(user.id)
    const logs = await eventLogs(user.id, 'reseller.user.password.changed')
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ resourceId: user.id, resellerId })
    const { rows } = await t.db.query(
      "SELECT * FROM audit_events WHERE resource_id = $1 AND action = 'reseller.user.password.changed'",
      [user.id],
    )
    const written = JSON.stringify({ logs, rows })
    expect(written).not.toContain(password)
    expect(written).not.toContain(hash)
    expect(written).not.toMatch(/argon2/i)
    for (const change of logs[0]?.changes ?? []) {
      expect(change.oldValue ?? null).toBeNull()
      expect(change.newValue ?? null).toBeNull()
    }
  })

  it('answers 404 for an unknown user, a malformed id and a deleted user', async () => {
    const gone = await createUser()
    expect((await t.request('DELETE', userPath(gone.id), { token: t.cspToken })).status).toBe(204)
    const goneHash = await hashOf(gone.id)
    for (const id of [randomUUID(), 'not-a-uuid', gone.id]) {
      const response = await setPassword(id, { password: 'long-enough-1' })
      expect(response.status, id).toBe(404)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    }
    expect(await hashOf(gone.id)).toBe(goneHash)
  })

  it('answers 403 to a token lacking reseller:user:update, and keeps the old hash', async () => {
    const token = await t.tokenFor({
      scopes: ['reseller:user:read', 'reseller:user:create', 'reseller:user:delete'],
    })
    const user = await createUser()
    await expectRefused(user.id, () => setPassword(user.id, { password: 'long-enough-1' }, { token }), 403)
  })

  it('answers 403 to a reseller token on another reseller’s user, and keeps the old hash', async () => {
    const theirReseller = (await t.createReseller()).id
    const theirs = await createUser({}, theirReseller)
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    await expectRefused(
      theirs.id,
      () => setPassword(theirs.id, { password: 'long-enough-1' }, { resellerId: theirReseller, token }),
      403,
    )
  })
})
