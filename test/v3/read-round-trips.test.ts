// How many statements a read sends to the database, counted per request (reseller_api_db_queries_total, with
// METRICS_QUERY_COUNTS on):
// a user's get is one statement, its reach included, for a token of its own reseller and for a csp; the
// reach it enforces refuses the other reseller's user either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, startTestApp, type TestApp } from '../support/app.ts'
import { groupsByName, userBody } from '../v1/v1-helpers.ts'

let t: TestApp
let resellerId: string
let otherResellerId: string
let userId: string
let otherUserId: string
let resellerToken: string

beforeAll(async () => {
  t = await startTestApp({ METRICS_QUERY_COUNTS: 'true' })
  resellerId = (await t.createReseller()).id
  otherResellerId = (await t.createReseller()).id
  const organizationId = (await t.createOrganization(resellerId)).id
  const groups = await groupsByName(t)
  // A user with everything a get joins: created in v1 (which takes groups), placed in an organization in v3.
  const created = await t.v1('POST', `/v1/reseller/${resellerId}/users`, {
    token: t.cspToken,
    body: userBody({ role: { name: 'organization-admin' }, groups: [{ id: groups.Viewer }] }),
  })
  expect(created.status, created.text).toBe(201)
  userId = created.body
  const placed = await t.request('PATCH', `/v3/resellers/${resellerId}/users/${userId}`, {
    token: t.cspToken,
    body: { organizationId },
  })
  expect(placed.status, placed.text).toBe(200)
  const other = await t.v1('POST', `/v1/reseller/${otherResellerId}/users`, {
    token: t.cspToken,
    body: userBody(),
  })
  expect(other.status, other.text).toBe(201)
  otherUserId = other.body
  resellerToken = await t.tokenFor({ role: 'reseller', resellerId })
})
afterAll(async () => {
  await t?.close()
})

/** The statements one request to this route sent: the counter's growth over it. */
async function statementsOf(route: string, call: () => Promise<unknown>): Promise<number> {
  const read = async () => {
    const metric = (await t.app.metrics.getSingleMetric('reseller_api_db_queries_total')?.get()) as Json
    return (metric.values as Json[])
      .filter((v) => v.labels.route === route && v.labels.method === 'GET')
      .reduce((sum, v) => sum + v.value, 0)
  }
  const before = await read()
  await call()
  return (await read()) - before
}

const USER_ROUTE = '/v3/resellers/:resellerId/users/:id'

describe('GET /v3/resellers/{resellerId}/users/{id}', () => {
  for (const who of ['csp', 'reseller'] as const) {
    it(`is one statement for a ${who} token, its organization and role included`, async () => {
      const token = who === 'csp' ? t.cspToken : resellerToken
      const path = `/v3/resellers/${resellerId}/users/${userId}`
      // The first request of a token also checks that its client is still active (then cached briefly).
      expect((await t.request('GET', path, { token })).status).toBe(200)
      let response: Json
      const statements = await statementsOf(USER_ROUTE, async () => {
        response = await t.request('GET', path, { token })
      })
      expect(response.status).toBe(200)
      expect(response.body.organization?.id).toBeTruthy()
      expect(response.body.role).toBe('organization-admin')
      expect(statements).toBe(1)
    })
  }

  it('answers 404 for another reseller’s user named under this reseller, in that one statement', async () => {
    const path = `/v3/resellers/${resellerId}/users/${otherUserId}`
    let status = 0
    const statements = await statementsOf(USER_ROUTE, async () => {
      status = (await t.request('GET', path, { token: t.cspToken })).status
    })
    expect(status).toBe(404)
    expect(statements).toBe(1)
  })

  it('refuses a reseller token another reseller’s user, sending no statement at all', async () => {
    const path = `/v3/resellers/${otherResellerId}/users/${otherUserId}`
    let status = 0
    const statements = await statementsOf(USER_ROUTE, async () => {
      status = (await t.request('GET', path, { token: resellerToken })).status
    })
    expect(status).toBe(403)
    expect(statements).toBe(0)
  })

  it('still serves the user to its own reseller and to the csp after those refusals', async () => {
    for (const token of [t.cspToken, resellerToken]) {
      const response = await t.request('GET', `/v3/resellers/${resellerId}/users/${userId}`, { token })
      expect(response.status).toBe(200)
      expect(response.body.id).toBe(userId)
    }
  })
})

describe('a page of users', () => {
  // The reseller's existence (a 404 for an unknown one), the page and its total: one statement.
  const cases: [string, () => string, 'v3' | 'v1'][] = [
    ['/v3/resellers/:resellerId/users', () => `/v3/resellers/${resellerId}/users`, 'v3'],
    [
      '/v3/resellers/:resellerId/users',
      () => `/v3/resellers/${resellerId}/users?role=organization-admin`,
      'v3',
    ],
    ['/v1/users', () => '/v1/users', 'v1'],
    ['/v1/users', () => `/v1/users?resellerId=${resellerId}`, 'v1'],
  ]
  for (const [route, path, dialect] of cases)
    it(`${path().replace(/[0-9a-f-]{36}/, '{resellerId}')} (${dialect}) is one statement, its total included`, async () => {
      const call = dialect === 'v1' ? t.v1 : t.request
      let response: Json
      const statements = await statementsOf(route, async () => {
        response = await call('GET', path(), { token: t.cspToken })
      })
      expect(response.status, response.text).toBe(200)
      const total =
        dialect === 'v1' ? response.body.totalCount : Number(response.headers.get('pagination-count'))
      expect(total).toBeGreaterThanOrEqual(1)
      expect(statements).toBe(1)
    })

  it('answers 404 for an unknown reseller in that one statement, and an empty page past the end with its total', async () => {
    let status = 0
    const unknown = '00000000-0000-4000-8000-000000000000'
    const statements = await statementsOf('/v3/resellers/:resellerId/users', async () => {
      status = (await t.request('GET', `/v3/resellers/${unknown}/users`, { token: t.cspToken })).status
    })
    expect(status).toBe(404)
    expect(statements).toBe(1)
    const past = await t.request('GET', `/v3/resellers/${resellerId}/users?page=50&limit=10`, {
      token: t.cspToken,
    })
    expect(past.status).toBe(200)
    expect(past.body).toEqual([])
    expect(Number(past.headers.get('pagination-count'))).toBe(1)
  })
})
