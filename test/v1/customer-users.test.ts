// CloudCockpit's customer users: POST and GET /v1/customer/{customerId}/users, a customer being an organization.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, startTestApp, type TestApp } from '../support/app.ts'
import { expectNothingWritten, expectV1Error, groupsByName, UUID_V7, userBody } from './v1-helpers.ts'

let t: TestApp
let resellerA: string
let resellerB: string
let customerA: string
let customerB: string
let tokenA: string
let groups: Record<string, string>

beforeAll(async () => {
  t = await startTestApp()
  resellerA = (await t.createReseller()).id
  resellerB = (await t.createReseller()).id
  customerA = (await t.createOrganization(resellerA)).id
  customerB = (await t.createOrganization(resellerB)).id
  tokenA = await t.tokenFor({ role: 'reseller', resellerId: resellerA })
  groups = await groupsByName(t)
})
afterAll(async () => {
  await t?.close()
})

type Options = { token?: string | null; headers?: Record<string, string>; query?: string }
const create = (
  customerId: string,
  body: unknown,
  { token = t.cspToken, headers = {}, query = '' }: Options = {},
) => t.v1<Json>('POST', `/v1/customer/${customerId}/users${query}`, { token, body, headers })
const list = (customerId: string, { token = t.cspToken, query = '' }: Options = {}) =>
  t.v1<Json>('GET', `/v1/customer/${customerId}/users${query}`, { token })

describe('POST /v1/customer/{customerId}/users', () => {
  it("creates the user in the customer's reseller and organization, and answers 201 with its id as a JSON string", async () => {
    const body = userBody({ groups: [{ id: groups.Viewer }] })
    const response = await create(customerA, body)
    expect(response.status, response.text).toBe(201)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.body).toMatch(UUID_V7)
    expect(response.text).toBe(JSON.stringify(response.body))
    const id = response.body as string

    const v3 = await t.request('GET', `/v3/resellers/${resellerA}/users/${id}`, { token: t.cspToken })
    expect(v3.status, v3.text).toBe(200)
    expect(v3.body).toMatchObject({ id, organizationId: customerA, email: body.email })
    expect(v3.body.organization.id).toBe(customerA)
  })

  it('answers like the reseller route: the same status and body shape for the same body', async () => {
    const viaReseller = await t.v1('POST', `/v1/reseller/${resellerA}/users`, {
      token: t.cspToken,
      body: userBody(),
    })
    const viaCustomer = await create(customerA, userBody())
    expect(viaCustomer.status).toBe(viaReseller.status)
    expect(typeof viaCustomer.body).toBe(typeof viaReseller.body)
  })

  it('audits reseller.user.created (in /v1/AuditLogs and /v3/event-logs) and queues its webhook event', async () => {
    const correlationId = randomUUID()
    const response = await create(customerA, userBody(), { headers: { 'x-correlation-id': correlationId } })
    expect(response.status, response.text).toBe(201)
    const id = response.body as string

    const v1Logs = await t.v1<Json>('GET', '/v1/AuditLogs?PageSize=2000&Operations=reseller.user.created', {
      token: t.cspToken,
    })
    expect(v1Logs.status, v1Logs.text).toBe(200)
    const v1Events = v1Logs.body.items.filter((e: Json) => e.correlationId === correlationId)
    expect(v1Events).toHaveLength(1)
    expect(v1Events[0]).toMatchObject({
      operation: 'reseller.user.created',
      resourceId: id,
      resellerId: resellerA,
    })

    const v3Logs = await t.request('GET', `/v3/event-logs?correlationId=${correlationId}`, {
      token: t.cspToken,
    })
    expect(v3Logs.status, v3Logs.text).toBe(200)
    expect(v3Logs.body.map((e: Json) => e.action)).toEqual(['reseller.user.created'])

    const { rows } = await t.db.query<{ data: Json }>(
      `SELECT data FROM outbox_events WHERE resource_id = $1 AND event = 'reseller.user.created'`,
      [id],
    )
    expect(rows).toHaveLength(1)
    const data = typeof rows[0]?.data === 'string' ? JSON.parse(rows[0].data) : rows[0]?.data
    expect(data.organizationId).toBe(customerA)
  })

  it("accepts resellerId naming the customer's reseller, from a csp and from that reseller's token", async () => {
    for (const token of [t.cspToken, tokenA]) {
      const response = await create(customerA, userBody(), { token, query: `?resellerId=${resellerA}` })
      expect(response.status, response.text).toBe(201)
    }
  })

  it('replays a retried POST with the same Idempotency-Key, creating one user', async () => {
    const body = userBody()
    const headers = { 'idempotency-key': randomUUID() }
    const first = await create(customerA, body, { headers })
    const again = await create(customerA, body, { headers })
    expect(first.status, first.text).toBe(201)
    expect(again.status).toBe(201)
    expect(again.text).toBe(first.text)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await t.count('users', 'lower(email) = lower($1)', [body.email])).toBe(1)
  })

  it.each([
    ['an unknown customer', () => randomUUID(), ''],
    ["another reseller's resellerId", () => customerA, () => `?resellerId=${resellerB}`],
    ['an unknown resellerId', () => customerA, () => `?resellerId=${randomUUID()}`],
  ])('refuses %s with 404 in the v1 error model and writes nothing', async (_, customer, query) => {
    const q = typeof query === 'function' ? query() : query
    const response = await expectNothingWritten(t, () => create(customer(), userBody(), { query: q }))
    expectV1Error(response, 404)
  })

  it("answers a reseller token 404 for another reseller's customer, as for an unknown one", async () => {
    const theirs = await expectNothingWritten(t, () => create(customerB, userBody(), { token: tokenA }))
    const unknown = await create(randomUUID(), userBody(), { token: tokenA })
    expectV1Error(theirs, 404)
    expectV1Error(unknown, 404)
    expect(theirs.body.description).toBe(unknown.body.description)
  })

  it("answers a reseller token 404, not 403, for its own customer named with another reseller's id", async () => {
    const response = await expectNothingWritten(t, () =>
      create(customerA, userBody(), { token: tokenA, query: `?resellerId=${resellerB}` }),
    )
    expectV1Error(response, 404)
  })

  it('answers 404 for a deleted customer and for a customer of another tenant', async () => {
    const doomed = (await t.createOrganization(resellerA)).id
    const deleted = await t.request('DELETE', `/v3/resellers/${resellerA}/organizations/${doomed}`, {
      token: t.cspToken,
    })
    expect(deleted.status, deleted.text).toBe(204)
    expectV1Error(await expectNothingWritten(t, () => create(doomed, userBody())), 404)

    const other = await t.createTenant('customers-other.example.com')
    const theirReseller = await t.createReseller({}, other.token)
    const theirCustomer = (await t.createOrganization(theirReseller.id, {}, other.token)).id
    expectV1Error(await expectNothingWritten(t, () => create(theirCustomer, userBody())), 404)
  })

  it('refuses a token without reseller:user:create with 403 and writes nothing', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:user:read'] })
    const response = await expectNothingWritten(t, () => create(customerA, userBody(), { token }))
    expect(response.status).toBe(403)
  })

  it.each([
    ['no firstName', { firstName: undefined }, 'firstName'],
    ['a lastName of 256 characters', { lastName: 'x'.repeat(256) }, 'lastName'],
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['no groups', { groups: undefined }, 'groups'],
    ['an unknown group', { groups: [{ id: randomUUID() }] }, 'groups[0].id'],
    ['a role with extra properties', { role: { name: 'user', extra: 1 } }, undefined],
  ])('refuses %s with 400 in the v1 error model and writes nothing', async (_, overrides, property) => {
    const response = await expectNothingWritten(t, () => create(customerA, userBody(overrides)))
    expectV1Error(response, 400, property)
  })

  it.each([
    ['customerId', () => `/v1/customer/not-a-uuid/users`, 'customerId'],
    ['resellerId', () => `/v1/customer/${customerA}/users?resellerId=nope`, 'resellerId'],
  ])('refuses a %s that is not a UUID with 400', async (_, path, property) => {
    const response = await t.v1('POST', path(), { token: t.cspToken, body: userBody() })
    expectV1Error(response, 400, property)
  })

  it("refuses a user beyond the customer's allowedUsers with the reseller route's 409, and writes nothing", async () => {
    const full = (await t.createOrganization(resellerA, { allowedUsers: 1 })).id
    expect((await create(full, userBody())).status).toBe(201)
    const response = await expectNothingWritten(t, () => create(full, userBody()))
    const body = expectV1Error(response, 409)
    expect(body.description).toMatch(/organization/)
  })

  it("refuses a user beyond the reseller's allowedUsers exactly as the reseller route does", async () => {
    const limited = (await t.createReseller({ allowedUsers: 1 })).id
    const customer = (await t.createOrganization(limited)).id
    expect((await create(customer, userBody())).status).toBe(201)
    const viaCustomer = await expectNothingWritten(t, () => create(customer, userBody()))
    const viaReseller = await t.v1('POST', `/v1/reseller/${limited}/users`, {
      token: t.cspToken,
      body: userBody(),
    })
    expectV1Error(viaCustomer, 409)
    expectV1Error(viaReseller, 409)
    expect(viaCustomer.body.description).toBe((viaReseller.body as Json).description)
  })
})

describe('GET /v1/customer/{customerId}/users', () => {
  let customer: string
  const names = [
    ['Zoe', 'Adams'],
    ['Adam', 'Zimmer'],
    ['Adam', 'Young'],
    ['Bea', 'Black'],
  ]
  beforeAll(async () => {
    customer = (await t.createOrganization(resellerA)).id
    for (const [firstName, lastName] of names) {
      const response = await create(
        customer,
        userBody({ firstName, lastName, groups: [{ id: groups.Viewer }] }),
      )
      expect(response.status, response.text).toBe(201)
    }
    // Users of the same reseller outside the customer stay out.
    await create(customerA, userBody({ firstName: 'Aaron', lastName: 'Outside' }))
    await t.v1('POST', `/v1/reseller/${resellerA}/users`, { token: t.cspToken, body: userBody() })
  })

  it('answers a bare array of the customer’s users, sorted by name, with their groups', async () => {
    const response = await list(customer)
    expect(response.status, response.text).toBe(200)
    expect(Array.isArray(response.body)).toBe(true)
    expect(response.body.map((u: Json) => `${u.firstName} ${u.lastName}`)).toEqual([
      'Adam Young',
      'Adam Zimmer',
      'Bea Black',
      'Zoe Adams',
    ])
    for (const user of response.body) {
      expect(Object.keys(user).sort()).toEqual(['email', 'firstName', 'groups', 'id', 'lastName', 'role'])
      expect(user.role).toEqual({ name: 'user' })
      expect(user.groups).toEqual([{ id: groups.Viewer, name: 'Viewer' }])
    }
  })

  it("lists the customer for its reseller's token and with its resellerId", async () => {
    for (const [token, query] of [
      [tokenA, ''],
      [tokenA, `?resellerId=${resellerA}`],
      [t.cspToken, `?resellerId=${resellerA}`],
    ] as const) {
      const response = await list(customer, { token, query })
      expect(response.status, response.text).toBe(200)
      expect(response.body).toHaveLength(names.length)
    }
  })

  it('answers an empty array for a customer without users', async () => {
    const empty = (await t.createOrganization(resellerA)).id
    const response = await list(empty)
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual([])
  })

  it.each([
    ['an unknown customer', () => randomUUID(), () => t.cspToken, () => ''],
    ["another reseller's customer for a reseller token", () => customerB, () => tokenA, () => ''],
    ['a resellerId not the customer’s', () => customer, () => t.cspToken, () => `?resellerId=${resellerB}`],
  ])('answers %s with 404 in the v1 error model', async (_, id, token, query) => {
    expectV1Error(await list(id(), { token: token(), query: query() }), 404)
  })

  it('leaves out a deleted user', async () => {
    const gone = userBody({ firstName: 'Gone' })
    expect((await create(customer, gone)).status).toBe(201)
    const deleted = await t.v1('DELETE', `/v1/users/${gone.email}`, { token: t.cspToken })
    expect(deleted.status, deleted.text).toBe(204)
    const response = await list(customer)
    expect(response.body.map((u: Json) => u.email)).not.toContain(gone.email)
    expect(response.body).toHaveLength(names.length)
  })

  it('answers at most the first 2000 users by name of a customer with more (allowedUsers may be unlimited)', async () => {
    const big = (await t.createOrganization(resellerA, { allowedUsers: -1 })).id
    // 2,001 users written straight to the table: 2,001 creates over HTTP would take most of a minute.
    await t.db.query(
      `INSERT INTO users (id, tenant_id, reseller_id, organization_id, first_name, last_name, email, role,
         created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2, $3, 'Many', lpad(n::text, 4, '0'), 'many' || n || '@big.example.com',
         'user', now(), now()
       FROM generate_series(1, 2001) AS n`,
      [t.tenantId, resellerA, big],
    )
    const response = await list(big)
    expect(response.status, response.text).toBe(200)
    expect(response.body).toHaveLength(2000)
    expect(response.body[0].lastName).toBe('0001')
    expect(response.body[1999].lastName).toBe('2000')
  })

  it('refuses a token without reseller:user:read with 403', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:user:create'] })
    expect((await list(customer, { token })).status).toBe(403)
  })

  it('refuses a customerId that is not a UUID with 400', async () => {
    expectV1Error(await list('nope'), 400, 'customerId')
  })
})
