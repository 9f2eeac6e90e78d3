// One domain core behind two dialects: what v1 creates, v3 reads, and the rules hold across both.
import { randomUUID } from 'node:crypto'
import type { Static } from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventLogDto, UserDto } from '../../src/dialects/v3/schemas.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { expectV1Error, groupsByName, uniqueEmail, userBody } from './v1-helpers.ts'

type EventLog = Static<typeof EventLogDto>

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

const createV1 = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.v1<string>('POST', `/v1/reseller/${resellerId}/users`, { token: t.cspToken, body, headers })

const createV3 = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request<UserDto>('POST', `/v3/resellers/${resellerId}/users`, {
    token: t.cspToken,
    headers,
    body: {
      firstName: 'Alan',
      lastName: 'Turing',
      email: uniqueEmail('v3'),
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'correct horse battery staple',
      ...body,
    },
  })

describe('cross-dialect identity', () => {
  it('reads a user created through v1 through v3 with the same names and email', async () => {
    const email = uniqueEmail('v1')
    const created = await createV1(
      userBody({ firstName: 'Katherine', lastName: 'Johnson', email, groups: [{ id: groups.Viewer }] }),
    )
    expect(created.status, created.text).toBe(201)
    const id = created.body

    const read = await t.request<UserDto>('GET', `/v3/resellers/${resellerId}/users/${id}`, {
      token: t.cspToken,
    })
    expect(read.status, read.text).toBe(200)
    expect(read.body).toMatchObject({
      id,
      firstName: 'Katherine',
      lastName: 'Johnson',
      name: 'Katherine Johnson',
      email,
      role: 'user',
      organizationId: null,
      lastLoginAt: null,
    })
    expect(read.body).not.toHaveProperty('organization')
    expect(read.body).not.toHaveProperty('password')
    expect(read.body).not.toHaveProperty('passwordHash')
  })

  it('reads the role a v1 client chose through v3', async () => {
    const created = await createV1(userBody({ role: { name: 'reseller-admin' } }))
    expect(created.status, created.text).toBe(201)
    const read = await t.request<UserDto>('GET', `/v3/resellers/${resellerId}/users/${created.body}`, {
      token: t.cspToken,
    })
    expect(read.body.role).toBe('reseller-admin')
  })

  it('reads a user created through v1 with a client-chosen id through v3 under that id', async () => {
    const id = randomUUID()
    expect((await createV1(userBody({ id }))).status).toBe(201)
    const read = await t.request<UserDto>('GET', `/v3/resellers/${resellerId}/users/${id}`, {
      token: t.cspToken,
    })
    expect(read.status, read.text).toBe(200)
    expect(read.body.id).toBe(id)
  })

  it.each([
    ['the same case', (email: string) => email],
    ['upper case', (email: string) => email.toUpperCase()],
  ])('refuses in v1 an email taken through v3 (written in %s) with 409', async (_, variant) => {
    const email = uniqueEmail('taken-v3')
    const v3 = await createV3({ email })
    expect(v3.status, v3.text).toBe(201)
    const before = await t.count('users')
    expectV1Error(await createV1(userBody({ email: variant(email) })), 409, 'email')
    expect(await t.count('users')).toBe(before)
  })

  it.each([
    ['the same case', (email: string) => email],
    ['upper case', (email: string) => email.toUpperCase()],
  ])('refuses in v3 an email taken through v1 (written in %s) with 409', async (_, variant) => {
    const email = uniqueEmail('taken-v1')
    expect((await createV1(userBody({ email }))).status).toBe(201)
    const before = await t.count('users')
    const v3 = await createV3({ email: variant(email) })
    expect(v3.status, v3.text).toBe(409)
    expect(v3.body).toEqual({ message: expect.any(String), code: 'DUPLICATE_FIELD_VALUE' })
    expect(await t.count('users')).toBe(before)
  })

  it('counts users of both dialects against the same allowedUsers', async () => {
    const limited = await t.createReseller({ allowedUsers: 2 })
    const v1 = await t.v1('POST', `/v1/reseller/${limited.id}/users`, { token: t.cspToken, body: userBody() })
    expect(v1.status, v1.text).toBe(201)
    const v3 = await t.request('POST', `/v3/resellers/${limited.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'Alan',
        email: uniqueEmail('v3-limit'),
        role: 'user',
        allowCustomerPortalAccess: false,
        password: 'correct horse battery staple',
      },
    })
    expect(v3.status, v3.text).toBe(201)
    const refused = await t.v1('POST', `/v1/reseller/${limited.id}/users`, {
      token: t.cspToken,
      body: userBody(),
    })
    expectV1Error(refused, 409)
  })

  it('lists the audit events of both dialects in GET /v3/event-logs, each with its correlation id', async () => {
    const v1Correlation = randomUUID()
    const v3Correlation = randomUUID()
    const v1 = await createV1(userBody(), { 'x-correlation-id': v1Correlation })
    expect(v1.status, v1.text).toBe(201)
    const v3 = await createV3({}, { 'x-correlation-id': v3Correlation })
    expect(v3.status, v3.text).toBe(201)

    for (const [userId, correlationId] of [
      [v1.body, v1Correlation],
      [v3.body.id as string, v3Correlation],
    ] as const) {
      const logs = await t.request<EventLog[]>('GET', `/v3/event-logs?resourceId=${userId}`, {
        token: t.cspToken,
      })
      expect(logs.status, logs.text).toBe(200)
      expect(logs.body).toHaveLength(1)
      expect(logs.body[0]).toMatchObject({
        action: 'reseller.user.created',
        resourceId: userId,
        resellerId,
        correlationId,
      })
      const byCorrelation = await t.request<EventLog[]>(
        'GET',
        `/v3/event-logs?correlationId=${correlationId}`,
        {
          token: t.cspToken,
        },
      )
      expect(byCorrelation.body.map((e) => e.resourceId)).toEqual([userId])
    }

    const all = await t.request<EventLog[]>('GET', '/v3/event-logs?action=reseller.user.created&limit=100', {
      token: t.cspToken,
    })
    const ids = all.body.map((e) => e.resourceId)
    expect(ids).toContain(v1.body)
    expect(ids).toContain(v3.body.id)
  })

  it('never writes a password hash into the audit changes of a v1 or v3 create', async () => {
    const v3 = await createV3({})
    expect(v3.status, v3.text).toBe(201)
    const logs = await t.request<EventLog[]>('GET', `/v3/event-logs?resourceId=${v3.body.id}`, {
      token: t.cspToken,
    })
    const fields = (logs.body[0]?.changes ?? []).map((c) => c.propertyName)
    expect(fields).toContain('email')
    expect(fields.some((f) => /password/i.test(f))).toBe(false)
    expect(JSON.stringify(logs.body)).not.toContain('argon2')
  })
})
