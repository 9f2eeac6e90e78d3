// GET /v1/AuditLogs — the audit log in CloudCockpit's paged envelope, end to end.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { expectNothingWritten, expectV1Error, UUID, userBody } from './v1-helpers.ts'

interface Item {
  id: string
  date: string
  operation: string
  status: string
  resourceType: string
  resourceId: string
  resellerId: string | null
  actorType: string
  actorId: string
  correlationId: string
  ipAddress: string | null
  userAgent: string | null
  changes: { propertyName: string; oldValue: unknown; newValue: unknown }[]
}

interface Page {
  items: Item[]
  paginationParameters: { pageNumber: number; pageSize: number }
  totalPages: number
  totalCount: number
  hasPreviousPage: boolean
  hasNextPage: boolean
}

const OTHER_TENANT = 'audit-other.example.com'

let t: TestApp
let resellerA: string
let resellerB: string
let tokenA: string
let other: { tenantId: string; token: string }
/** The correlation id of a user creation in the other tenant. */
const otherCorrelationId = randomUUID()

beforeAll(async () => {
  t = await startTestApp()
  resellerA = (await t.createReseller()).id
  resellerB = (await t.createReseller()).id
  tokenA = await t.tokenFor({ role: 'reseller', resellerId: resellerA })
  // A few changes under each reseller.
  for (const rid of [resellerA, resellerA, resellerB]) await createUser(rid)

  other = await t.createTenant(OTHER_TENANT)
  const theirReseller = await t.createReseller({}, other.token)
  const created = await t.request('POST', `/v1/reseller/${theirReseller.id}/users`, {
    token: other.token,
    headers: { 'x-tenant': OTHER_TENANT, 'x-correlation-id': otherCorrelationId },
    body: userBody(),
  })
  expect(created.status, created.text).toBe(201)
})
afterAll(async () => {
  await t?.close()
})

const logs = (query = '', token: string | null = t.cspToken, headers: Record<string, string> = {}) =>
  t.v1<Page>('GET', `/v1/AuditLogs${query}`, { token, headers })

/** 200, and the page. */
async function page(query: string, token: string | null = t.cspToken): Promise<Page> {
  const response = await logs(query, token)
  expect(response.status, response.text).toBe(200)
  return response.body
}

async function createUser(
  resellerId = resellerA,
  correlationId?: string,
): Promise<{ id: string; email: string; correlationId: string }> {
  const body = userBody()
  const response = await t.v1<string>('POST', `/v1/reseller/${resellerId}/users`, {
    token: t.cspToken,
    body,
    headers: correlationId ? { 'x-correlation-id': correlationId } : {},
  })
  expect(response.status, response.text).toBe(201)
  return {
    id: response.body,
    email: body.email as string,
    correlationId: response.headers.get('x-correlation-id') as string,
  }
}

/** The audit event ids of the bootstrap tenant, newest first, optionally of one reseller. */
async function eventIds(resellerId?: string): Promise<string[]> {
  const { rows } = await t.db.query<{ id: string }>(
    `SELECT id FROM audit_events WHERE tenant_id = $1 AND ($2::uuid IS NULL OR reseller_id = $2::uuid)
     ORDER BY occurred_at DESC, id DESC`,
    [t.tenantId, resellerId ?? null],
  )
  return rows.map((row) => row.id)
}

const byCorrelation = (items: Item[], correlationId: string) =>
  items.filter((item) => item.correlationId === correlationId)

describe('GET /v1/AuditLogs: the envelope and the items', () => {
  it('answers the paged envelope with the default page', async () => {
    const response = await logs()
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(Object.keys(response.body).sort()).toEqual([
      'continuationToken',
      'hasNextPage',
      'hasPreviousPage',
      'items',
      'paginationParameters',
      'totalCount',
      'totalPages',
    ])
    const total = (await eventIds()).length
    expect(total).toBeGreaterThan(0)
    expect(response.body).toMatchObject({
      paginationParameters: { pageNumber: 1, pageSize: 25 },
      totalCount: total,
      totalPages: Math.ceil(total / 25),
      hasPreviousPage: false,
      hasNextPage: total > 25,
    })
    expect(response.body.items).toHaveLength(Math.min(total, 25))
  })

  it('describes a v1 create: operation, status, resource, reseller, actor, correlation id and changes', async () => {
    const correlationId = randomUUID()
    const user = await createUser(resellerA, correlationId)
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM api_clients WHERE client_id = $1', [
      'bootstrap-csp',
    ])
    const items = byCorrelation((await page('?PageSize=2000')).items, correlationId)
    expect(items).toHaveLength(1)
    const [item] = items as [Item]
    expect(Object.keys(item).sort()).toEqual([
      'actorId',
      'actorType',
      'changes',
      'correlationId',
      'date',
      'id',
      'ipAddress',
      'operation',
      'resellerId',
      'resourceId',
      'resourceType',
      'status',
      'userAgent',
    ])
    expect(item).toMatchObject({
      operation: 'reseller.user.created',
      status: 'Succeeded',
      resourceType: 'reseller.user',
      resourceId: user.id,
      resellerId: resellerA,
      actorType: 'client',
      actorId: rows[0]?.id,
      correlationId,
    })
    expect(item.id).toMatch(UUID)
    expect(new Date(item.date).toISOString()).toBe(item.date)
    expect(Date.now() - Date.parse(item.date)).toBeLessThan(60_000)
    for (const change of item.changes)
      expect(Object.keys(change).sort()).toEqual(['newValue', 'oldValue', 'propertyName'])
    const changes = Object.fromEntries(item.changes.map((c) => [c.propertyName, c]))
    expect(changes.firstName).toEqual({ propertyName: 'firstName', oldValue: null, newValue: 'Ada' })
    expect(changes.email).toEqual({ propertyName: 'email', oldValue: null, newValue: user.email })
    expect(JSON.stringify(item.changes)).not.toMatch(/password|hash/i)
  })

  it("shows an update's changes with each changed field's old and new value, and nothing else", async () => {
    const user = await createUser()
    const correlationId = randomUUID()
    const response = await t.v1('PATCH', `/v1/users/${user.email}`, {
      token: t.cspToken,
      headers: { 'x-correlation-id': correlationId },
      body: userBody({ email: user.email, firstName: 'Ada', lastName: 'Byron' }),
    })
    expect(response.status, response.text).toBe(204)
    const [item] = byCorrelation((await page('?Operations=reseller.user.updated')).items, correlationId)
    expect(item).toMatchObject({ operation: 'reseller.user.updated', resourceId: user.id })
    expect(item?.changes).toEqual([{ propertyName: 'lastName', oldValue: 'Lovelace', newValue: 'Byron' }])
  })

  it.each([
    ['a v1 create', 'POST'],
    ['a v1 update', 'PATCH'],
    ['a v1 delete', 'DELETE'],
  ])('puts the X-Correlation-Id sent on %s on its audit item', async (_, method) => {
    const correlationId = randomUUID()
    let id: string
    if (method === 'POST') {
      id = (await createUser(resellerB, correlationId)).id
    } else {
      const user = await createUser(resellerB)
      id = user.id
      const response = await t.v1(method, `/v1/users/${user.email}`, {
        token: t.cspToken,
        headers: { 'x-correlation-id': correlationId },
        body: method === 'PATCH' ? userBody({ email: user.email, firstName: 'Changed' }) : undefined,
      })
      expect(response.status, response.text).toBe(204)
    }
    const items = byCorrelation((await page('?PageSize=2000')).items, correlationId)
    expect(items.map((item) => [item.resourceId, item.operation])).toEqual([
      [
        id,
        { POST: 'reseller.user.created', PATCH: 'reseller.user.updated', DELETE: 'reseller.user.deleted' }[
          method
        ],
      ],
    ])
  })

  it('lists a change made through v3 as well', async () => {
    const reseller = await t.createReseller({ name: 'Before' })
    const response = await t.request('PATCH', `/v3/resellers/${reseller.id}`, {
      token: t.cspToken,
      body: { name: 'After' },
    })
    expect(response.status, response.text).toBe(200)
    const correlationId = response.headers.get('x-correlation-id') as string
    const [item] = byCorrelation((await page('?PageSize=2000')).items, correlationId)
    expect(item).toMatchObject({
      operation: 'reseller.updated',
      resourceId: reseller.id,
      status: 'Succeeded',
    })
    expect(item?.changes).toContainEqual({ propertyName: 'name', oldValue: 'Before', newValue: 'After' })
  })

  it('writes no event for a refused change', async () => {
    const user = await createUser()
    const correlationId = randomUUID()
    const refused = await expectNothingWritten(t, () =>
      t.v1('POST', `/v1/reseller/${resellerA}/users`, {
        token: t.cspToken,
        headers: { 'x-correlation-id': correlationId },
        body: userBody({ email: user.email }),
      }),
    )
    expectV1Error(refused, 409)
    expect(byCorrelation((await page('?PageSize=2000')).items, correlationId)).toEqual([])
  })
})

describe('GET /v1/AuditLogs: order and paging', () => {
  it('lists the newest event first', async () => {
    const user = await createUser()
    const path = `/v1/users/${user.email}`
    const patched = await t.v1('PATCH', path, {
      token: t.cspToken,
      body: userBody({ email: user.email, firstName: 'Second' }),
    })
    expect(patched.status, patched.text).toBe(204)
    expect((await t.v1('DELETE', path, { token: t.cspToken })).status).toBe(204)
    const { items } = await page('?PageSize=3')
    expect(items.map((item) => [item.operation, item.resourceId])).toEqual([
      ['reseller.user.deleted', user.id],
      ['reseller.user.updated', user.id],
      ['reseller.user.created', user.id],
    ])
  })

  it('orders every event by date, newest first, the same way the database does', async () => {
    const { items } = await page('?PageSize=2000')
    const dates = items.map((item) => Date.parse(item.date))
    expect(dates).toEqual([...dates].sort((a, b) => b - a))
    expect(items.map((item) => item.id)).toEqual(await eventIds())
  })

  it.each([
    [1, false, true],
    [2, true, true],
  ])('with PageSize 2, page %i has hasPreviousPage %s and hasNextPage %s', async (pageNumber, prev, next) => {
    const total = (await eventIds()).length
    const body = await page(`?PageSize=2&PageNumber=${pageNumber}`)
    expect(body).toMatchObject({
      paginationParameters: { pageNumber, pageSize: 2 },
      totalCount: total,
      totalPages: Math.ceil(total / 2),
      hasPreviousPage: prev,
      hasNextPage: next,
    })
    expect(body.items).toHaveLength(2)
  })

  it('answers the last page with hasNextPage false, and a page past it empty', async () => {
    const total = (await eventIds()).length
    const last = Math.ceil(total / 2)
    const body = await page(`?PageSize=2&PageNumber=${last}`)
    expect(body).toMatchObject({ hasPreviousPage: true, hasNextPage: false })
    expect(body.items).toHaveLength(total - (last - 1) * 2)
    const past = await page(`?PageSize=2&PageNumber=${last + 1}`)
    expect(past.items).toEqual([])
    expect(past.totalCount).toBe(total)
  })

  it('gives every event exactly once when paging through with PageSize 3', async () => {
    const seen: string[] = []
    for (let pageNumber = 1; ; pageNumber++) {
      const body = await page(`?PageSize=3&PageNumber=${pageNumber}`)
      seen.push(...body.items.map((item) => item.id))
      if (!body.hasNextPage) break
    }
    expect(seen).toEqual(await eventIds())
  })

  it.each([1, 2000])('accepts PageSize %i', async (pageSize) => {
    const body = await page(`?PageSize=${pageSize}`)
    expect(body.paginationParameters).toEqual({ pageNumber: 1, pageSize })
    expect(body.items.length).toBe(Math.min(pageSize, body.totalCount))
  })

  it.each([
    ['PageSize=0', 'PageSize'],
    ['PageSize=2001', 'PageSize'],
    ['PageSize=many', 'PageSize'],
    ['PageNumber=0', 'PageNumber'],
    ['PageNumber=-1', 'PageNumber'],
  ])('refuses %s with 400 on %s', async (query, property) => {
    expectV1Error(await logs(`?${query}`), 400, property)
  })

  it.each([
    ['pageSize and pageNumber', '?pageSize=1&pageNumber=2', { pageNumber: 2, pageSize: 1 }],
    ['PAGESIZE', '?PAGESIZE=3', { pageNumber: 1, pageSize: 3 }],
  ])('binds %s like PageSize and PageNumber', async (_, query, expected) => {
    const body = await page(query)
    expect(body.paginationParameters).toEqual(expected)
    expect(body.items).toHaveLength(expected.pageSize)
  })
})

describe('GET /v1/AuditLogs: Operations', () => {
  const operationsOf = (body: Page) => [...new Set(body.items.map((item) => item.operation))].sort()

  it.each([
    ['one operation', '?Operations=reseller.user.created', ['reseller.user.created']],
    [
      'two operations, repeated',
      '?Operations=reseller.user.created&Operations=reseller.created',
      ['reseller.created', 'reseller.user.created'],
    ],
    [
      'two operations, comma-separated',
      '?Operations=reseller.user.created,reseller.created',
      ['reseller.created', 'reseller.user.created'],
    ],
    [
      'comma-separated with spaces',
      `?Operations=${encodeURIComponent('reseller.user.created, reseller.created')}`,
      ['reseller.created', 'reseller.user.created'],
    ],
    [
      'two operations, |-separated (CloudCockpit)',
      `?Operations=${encodeURIComponent('reseller.user.created|reseller.created')}`,
      ['reseller.created', 'reseller.user.created'],
    ],
    [
      '|-separated with spaces and an empty part',
      `?Operations=${encodeURIComponent('reseller.user.created | |reseller.created|')}`,
      ['reseller.created', 'reseller.user.created'],
    ],
    ['the name in another case', '?operations=reseller.created', ['reseller.created']],
  ])('keeps only %s', async (_, query, expected) => {
    const body = await page(`${query}&PageSize=2000`)
    expect(operationsOf(body)).toEqual(expected)
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action = ANY($2::text[])',
      [t.tenantId, expected],
    )
    expect(body.totalCount).toBe(rows[0]?.n)
    expect(body.items).toHaveLength(body.totalCount)
  })

  it('answers an empty page for an operation that never happened', async () => {
    const body = await page('?Operations=reseller.user.exploded')
    expect(body).toMatchObject({ items: [], totalCount: 0, totalPages: 0, hasNextPage: false })
  })
})

describe('GET /v1/AuditLogs: the date window', () => {
  let first: Item
  let second: Item

  beforeAll(async () => {
    const a = await createUser(resellerB, randomUUID())
    await sleep(20)
    const b = await createUser(resellerB, randomUUID())
    const items = (await page('?PageSize=2000&Operations=reseller.user.created')).items
    first = byCorrelation(items, a.correlationId)[0] as Item
    second = byCorrelation(items, b.correlationId)[0] as Item
    expect(Date.parse(second.date)).toBeGreaterThan(Date.parse(first.date) + 1)
  })

  const idsOf = async (query: string) =>
    (await page(`${query}&PageSize=2000&Operations=reseller.user.created`)).items.map((item) => item.id)

  it('includes events from StartDate on, and excludes those before it', async () => {
    const ids = await idsOf(`?StartDate=${encodeURIComponent(second.date)}`)
    expect(ids).toContain(second.id)
    expect(ids).not.toContain(first.id)
  })

  it('includes events up to EndDate, and excludes those after it', async () => {
    const ids = await idsOf(`?EndDate=${encodeURIComponent(first.date)}`)
    expect(ids).toContain(first.id)
    expect(ids).not.toContain(second.id)
  })

  it('keeps only events inside both bounds', async () => {
    const ids = await idsOf(
      `?StartDate=${encodeURIComponent(first.date)}&EndDate=${encodeURIComponent(first.date)}`,
    )
    expect(ids).toEqual([first.id])
  })

  it('accepts dates with an offset and binds startdate/ENDDATE in any case', async () => {
    const start = new Date(Date.parse(first.date) - 3_600_000).toISOString().replace('Z', '+00:00')
    const ids = await idsOf(
      `?startdate=${encodeURIComponent(start)}&ENDDATE=${encodeURIComponent(first.date)}`,
    )
    expect(ids).toContain(first.id)
    expect(ids).not.toContain(second.id)
  })

  it('by default includes recent events (the last month up to now)', async () => {
    const ids = await idsOf('?')
    expect(ids).toContain(first.id)
    expect(ids).toContain(second.id)
  })

  it('includes recent events with an EndDate and no StartDate, and excludes them all with an EndDate in the past', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString()
    expect(await idsOf(`?EndDate=${tomorrow}`)).toContain(second.id)
    const past = await page('?EndDate=2000-01-01T00:00:00Z')
    expect(past).toMatchObject({ items: [], totalCount: 0, totalPages: 0 })
  })

  it('answers an empty page for a StartDate in the future, and for a StartDate after the EndDate', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString()
    expect((await page(`?StartDate=${future}`)).totalCount).toBe(0)
    const reversed = await page(`?StartDate=${second.date}&EndDate=${first.date}`)
    expect(reversed.totalCount).toBe(0)
  })

  it.each([
    ['StartDate', 'yesterday'],
    ['StartDate', '2024-13-01T00:00:00Z'],
    ['EndDate', 'not-a-date'],
    ['EndDate', '2024-01-01T25:00:00Z'],
  ])('refuses a malformed %s (%s) with 400 on it', async (name, value) => {
    expectV1Error(await logs(`?${name}=${encodeURIComponent(value)}`), 400, name)
  })
})

describe('GET /v1/AuditLogs: Status', () => {
  it.each(['Failed', 'failed'])(
    'answers an empty page for Status=%s while no failure is recorded (refused requests write no event)',
    async (status) => {
      const body = await page(`?Status=${status}`)
      expect(body).toEqual({
        items: [],
        paginationParameters: { pageNumber: 1, pageSize: 25 },
        totalPages: 0,
        totalCount: 0,
        hasPreviousPage: false,
        hasNextPage: false,
        continuationToken: '',
      })
    },
  )

  it.each(['Processing', 'processing'])(
    'answers an empty page for Status=%s (an event is written once its change is done)',
    async (status) => {
      const body = await page(`?Status=${status}&PageSize=2000`)
      expect(body).toMatchObject({ items: [], totalCount: 0, totalPages: 0, hasNextPage: false })
    },
  )

  it.each(['Succeded', 'succeded', 'Succeeded', 'succeeded'])(
    'answers every event for Status=%s',
    async (status) => {
      const body = await page(`?Status=${status}&PageSize=2000`)
      expect(body.items.map((item) => item.id)).toEqual(await eventIds())
      for (const item of body.items) expect(item.status).toBe('Succeeded')
    },
  )

  it.each(['Pending', 'Succeed', 'Failed|Succeded', ''])(
    'refuses Status=%s with 400 on Status',
    async (status) => {
      expectV1Error(await logs(`?Status=${encodeURIComponent(status)}`), 400, 'Status')
    },
  )
})

describe('GET /v1/AuditLogs: Reseller and Customer (name substrings)', () => {
  const tag = randomUUID().slice(0, 8)
  let named: string
  let customer: string
  let customerUser: string
  beforeAll(async () => {
    named = (await t.createReseller({ name: `Acme ${tag} Reseller` })).id
    customer = (await t.createOrganization(named, { name: `Globex ${tag} Customer` })).id
    const created = await t.v1('POST', `/v1/customer/${customer}/users`, {
      token: t.cspToken,
      body: userBody(),
    })
    expect(created.status, created.text).toBe(201)
    customerUser = created.body as string
    // Another user of the same reseller, in no customer.
    await createUser(named)
  })
  const resourcesOf = (body: Page) => body.items.map((item) => `${item.operation} ${item.resourceId}`).sort()

  it('keeps the events of the resellers whose name holds Reseller, caseless', async () => {
    const body = await page(`?PageSize=2000&Reseller=${encodeURIComponent(`acme ${tag.toUpperCase()}`)}`)
    expect(body.totalCount).toBe(body.items.length)
    expect(body.items.length).toBe(4)
    for (const item of body.items) expect(item.resellerId).toBe(named)
    expect(body.items.map((item) => item.operation).sort()).toEqual([
      'reseller.created',
      'reseller.organization.created',
      'reseller.user.created',
      'reseller.user.created',
    ])
  })

  it('keeps the events of the customers whose name holds Customer and of their users', async () => {
    const body = await page(`?PageSize=2000&customer=${encodeURIComponent(`${tag} cust`)}`)
    expect(body.totalCount).toBe(body.items.length)
    expect(resourcesOf(body)).toEqual(
      [`reseller.organization.created ${customer}`, `reseller.user.created ${customerUser}`].sort(),
    )
  })

  it('combines Reseller and Customer, and answers an empty page for a name nobody has', async () => {
    const both = await page(`?PageSize=2000&Reseller=${tag}&Customer=${tag}`)
    expect(both.items).toHaveLength(2)
    expect((await page(`?Reseller=${randomUUID()}`)).totalCount).toBe(0)
    expect((await page(`?Customer=${randomUUID()}`)).totalCount).toBe(0)
  })

  it('takes % and _ literally', async () => {
    expect((await page('?PageSize=2000&Reseller=%25')).totalCount).toBe(0)
    expect((await page('?PageSize=2000&Customer=_')).totalCount).toBe(0)
  })

  it("never shows a reseller token another reseller's events by name", async () => {
    const body = await page(`?PageSize=2000&Reseller=${tag}`, tokenA)
    expect(body.totalCount).toBe(0)
  })

  it('refuses a Reseller of 256 characters with 400 on Reseller', async () => {
    expectV1Error(await logs(`?Reseller=${'x'.repeat(256)}`), 400, 'Reseller')
  })
})

describe('GET /v1/AuditLogs: whose events a token sees', () => {
  it("shows a reseller token only its reseller's events", async () => {
    const body = await page('?PageSize=2000', tokenA)
    expect(body.items.length).toBeGreaterThan(0)
    for (const item of body.items) expect(item.resellerId).toBe(resellerA)
    expect(body.items.map((item) => item.id)).toEqual(await eventIds(resellerA))
    expect(body.totalCount).toBe((await eventIds(resellerA)).length)
  })

  it('gives a reseller token its own events with its own resellerId', async () => {
    const body = await page(`?PageSize=2000&resellerId=${resellerA}`, tokenA)
    expect(body.items.map((item) => item.id)).toEqual(await eventIds(resellerA))
  })

  it.each([
    ['an existing reseller', () => resellerB],
    ['a reseller that does not exist', () => randomUUID()],
  ])("refuses a reseller token naming %s's resellerId with 403", async (_, rid) => {
    expectV1Error(await logs(`?resellerId=${rid()}`, tokenA), 403)
  })

  it("narrows a csp token's log to one reseller with resellerId", async () => {
    const body = await page(`?PageSize=2000&resellerId=${resellerB}`)
    expect(body.items.length).toBeGreaterThan(0)
    for (const item of body.items) expect(item.resellerId).toBe(resellerB)
    expect(body.items.map((item) => item.id)).toEqual(await eventIds(resellerB))
  })

  it('combines resellerId with Operations', async () => {
    const body = await page(`?PageSize=2000&resellerId=${resellerB}&Operations=reseller.user.created`)
    expect(body.items.length).toBeGreaterThan(0)
    for (const item of body.items)
      expect(item).toMatchObject({ resellerId: resellerB, operation: 'reseller.user.created' })
  })

  it('refuses a resellerId that is not a UUID with 400 on resellerId', async () => {
    expectV1Error(await logs('?resellerId=nope'), 400, 'resellerId')
  })

  it("never lists another tenant's events, and theirs never lists ours", async () => {
    const ours = await page('?PageSize=2000')
    expect(byCorrelation(ours.items, otherCorrelationId)).toEqual([])
    expect(ours.items.map((item) => item.id)).toEqual(await eventIds())
    const theirs = await logs('?PageSize=2000', other.token, { 'x-tenant': OTHER_TENANT })
    expect(theirs.status, theirs.text).toBe(200)
    expect(byCorrelation(theirs.body.items, otherCorrelationId)).toHaveLength(1)
    const ourIds = new Set(ours.items.map((item) => item.id))
    for (const item of theirs.body.items) expect(ourIds.has(item.id)).toBe(false)
  })
})

describe('GET /v1/AuditLogs: headers and roles', () => {
  it('refuses a request without X-Tenant with 400 on X-Tenant', async () => {
    expectV1Error(await t.request('GET', '/v1/AuditLogs', { token: t.cspToken }), 400, 'X-Tenant')
  })

  it('answers 401 with a CloudCockpit body when no token is sent', async () => {
    const response = await logs('', null)
    expectV1Error(response, 401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it("refuses the platform operator's token with 403", async () => {
    expectV1Error(await logs('', await t.platformToken()), 403)
  })

  it("refuses another tenant's X-Tenant with 403", async () => {
    expectV1Error(await logs('', t.cspToken, { 'x-tenant': OTHER_TENANT }), 403, 'X-Tenant')
  })

  it('writes nothing when read, and echoes a sent X-Correlation-Id', async () => {
    const correlationId = randomUUID()
    const response = await expectNothingWritten(t, () =>
      logs('', t.cspToken, { 'x-correlation-id': correlationId }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
  })
})

describe('GET /v1/AuditLogs: dates and parameters as a .NET client sends them', () => {
  const day = (offsetDays: number) =>
    new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)
  const total = async (query: string) => {
    const response = await t.v1('GET', `/v1/AuditLogs?${query}`, { token: t.cspToken })
    expect(response.status, response.text).toBe(200)
    return response.body.totalCount as number
  }

  it('reads a bare date and a date-time without a zone as UTC', async () => {
    const recent = await total('')
    expect(recent).toBeGreaterThan(0)
    expect(await total(`StartDate=${day(-1)}&EndDate=${day(1)}`)).toBe(recent)
    expect(await total(`StartDate=${day(-1)}T00:00:00&EndDate=${day(1)}T00:00:00`)).toBe(recent)
    expect(await total(`StartDate=${day(1)}&EndDate=${day(2)}`)).toBe(0)
  })

  it('reads every zone form .NET writes: Z, +hh:mm, +hhmm, +hh, a space for the T, seven fraction digits', async () => {
    const newest = await t.v1('GET', '/v1/AuditLogs?PageSize=1', { token: t.cspToken })
    expect(newest.status, newest.text).toBe(200)
    const at: string = newest.body.items[0].date
    // The same instant on a clock an hour ahead of UTC, to the millisecond.
    const local = new Date(Date.parse(at) + 3_600_000).toISOString().slice(0, 23)
    const forms = [
      at,
      `${local}+01:00`,
      `${local}+0100`,
      `${local}+01`,
      `${local.replace('T', ' ')}+01`,
      `${local}0000+01:00`,
    ]
    const counts: number[] = []
    for (const form of forms) {
      const value = encodeURIComponent(form)
      counts.push(await total(`StartDate=${value}&EndDate=${value}`))
    }
    expect(counts[0]).toBeGreaterThan(0)
    expect(counts).toEqual(forms.map(() => counts[0]))
  })

  it('starts the default window one month before now, whatever EndDate (CloudCockpit: "default one month ago")', async () => {
    // With EndDate 45 days ahead, today's events are inside; with EndDate 40 days back, the window is empty.
    expect(await total(`EndDate=${day(45)}`)).toBe(await total(''))
    expect(await total(`EndDate=${day(45)}`)).toBeGreaterThan(0)
    expect(await total(`EndDate=${day(-40)}`)).toBe(0)
    expect(await total(`StartDate=${day(-40)}&EndDate=${day(45)}`)).toBeGreaterThan(0)
  })

  it('ignores query parameters it does not bind, as ASP.NET does', async () => {
    expect(await total('someClientFlag=1')).toBe(await total(''))
    const users = await t.v1('GET', '/v1/users?includeDeleted=false&pageSize=5', { token: t.cspToken })
    expect(users.status, users.text).toBe(200)
    expect(users.body.paginationParameters.pageSize).toBe(5)
  })

  it('still refuses a date that is not one, naming the parameter', async () => {
    const response = await t.v1('GET', '/v1/AuditLogs?StartDate=yesterday', { token: t.cspToken })
    expect(response.status).toBe(400)
    expect(response.body.errors[0].propertyName).toBe('StartDate')
  })
})
