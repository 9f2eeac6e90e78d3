// GET /v1/users/groups — the tenant's groups in CloudCockpit's paged envelope, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { expectNothingWritten, expectV1Error, UUID, userBody } from './v1-helpers.ts'

interface Page {
  items: { id: string; name: string }[]
  paginationParameters: { pageNumber: number; pageSize: number }
  totalPages: number
  totalCount: number
  hasPreviousPage: boolean
  hasNextPage: boolean
}

const BUILTINS = ['Administrator', 'Alert Manager', 'Viewer']
const OTHER_TENANT = 'groups-other.example.com'

let t: TestApp
let other: { tenantId: string; token: string }

beforeAll(async () => {
  t = await startTestApp()
  other = await t.createTenant(OTHER_TENANT)
})
afterAll(async () => {
  await t?.close()
})

const list = (query = '', token = t.cspToken) => t.v1<Page>('GET', `/v1/users/groups${query}`, { token })

describe('GET /v1/users/groups', () => {
  it("answers the tenant's three built-in groups in the paged envelope", async () => {
    const response = await list()
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
    expect(response.body).toMatchObject({
      paginationParameters: { pageNumber: 1, pageSize: 25 },
      totalPages: 1,
      totalCount: 3,
      hasPreviousPage: false,
      hasNextPage: false,
      continuationToken: '',
    })
    expect(response.body.items.map((g) => g.name).sort()).toEqual(BUILTINS)
    for (const group of response.body.items) {
      expect(Object.keys(group).sort()).toEqual(['id', 'name'])
      expect(group.id).toMatch(UUID)
    }
  })

  it('echoes the correlation id header on a list', async () => {
    const response = await list()
    expect(response.headers.get('x-correlation-id')).toMatch(UUID)
  })

  it.each([
    [1, false, true],
    [2, true, true],
    [3, true, false],
  ])(
    'with pageSize 1, page %i has hasPreviousPage %s and hasNextPage %s',
    async (pageNumber, previous, next) => {
      const response = await list(`?pageNumber=${pageNumber}&pageSize=1`)
      expect(response.status, response.text).toBe(200)
      expect(response.body).toMatchObject({
        paginationParameters: { pageNumber, pageSize: 1 },
        totalPages: 3,
        totalCount: 3,
        hasPreviousPage: previous,
        hasNextPage: next,
      })
      expect(response.body.items).toHaveLength(1)
    },
  )

  it('walks every group exactly once across pages of size 1', async () => {
    const names: string[] = []
    for (const pageNumber of [1, 2, 3]) {
      const response = await list(`?pageNumber=${pageNumber}&pageSize=1`)
      names.push(...response.body.items.map((g) => g.name))
    }
    expect(names.sort()).toEqual(BUILTINS)
  })

  it('answers an empty page past the last one', async () => {
    const response = await list('?pageNumber=4&pageSize=1')
    expect(response.status, response.text).toBe(200)
    expect(response.body).toMatchObject({ items: [], totalCount: 3, totalPages: 3, hasPreviousPage: true })
    expect(response.body.hasNextPage).toBe(false)
  })

  it.each([1, 2000])('accepts pageSize %i', async (pageSize) => {
    const response = await list(`?pageSize=${pageSize}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.paginationParameters.pageSize).toBe(pageSize)
  })

  it.each([
    ['pageSize=2001', 'pageSize'],
    ['pageSize=0', 'pageSize'],
    ['pageSize=-1', 'pageSize'],
    ['pageSize=abc', 'pageSize'],
    ['pageNumber=0', 'pageNumber'],
    ['pageNumber=1.5', 'pageNumber'],
  ])('refuses %s with 400 on %s', async (query, property) => {
    expectV1Error(await list(`?${query}`), 400, property)
  })

  it('is available to a reseller token', async () => {
    const reseller = await t.createReseller()
    const response = await list('', await t.tokenFor({ role: 'reseller', resellerId: reseller.id }))
    expect(response.status, response.text).toBe(200)
    expect(response.body.totalCount).toBe(3)
  })

  it('answers 401 with a CloudCockpit body without a token', async () => {
    expectV1Error(await t.v1('GET', '/v1/users/groups'), 401)
  })

  it("refuses the platform operator's token with 403", async () => {
    expectV1Error(await list('', await t.platformToken()), 403)
  })

  it('refuses a request without X-Tenant with 400 on X-Tenant', async () => {
    expectV1Error(await t.request('GET', '/v1/users/groups', { token: t.cspToken }), 400, 'X-Tenant')
  })

  it('refuses an X-Tenant naming another tenant with 403', async () => {
    const response = await t.v1('GET', '/v1/users/groups', {
      token: t.cspToken,
      headers: { 'x-tenant': OTHER_TENANT },
    })
    expectV1Error(response, 403)
  })
})

describe("GET /v1/users/groups: another tenant's groups", () => {
  it("never shows another tenant's groups", async () => {
    const ours = await list()
    const theirs = await t.v1<Page>('GET', '/v1/users/groups', {
      token: other.token,
      headers: { 'x-tenant': OTHER_TENANT },
    })
    expect(theirs.status, theirs.text).toBe(200)
    expect(theirs.body.items.map((g) => g.name).sort()).toEqual(BUILTINS)
    const ourIds = new Set(ours.body.items.map((g) => g.id))
    for (const group of theirs.body.items) expect(ourIds.has(group.id)).toBe(false)
  })

  it("refuses another tenant's group id as unknown when creating a user", async () => {
    const reseller = await t.createReseller()
    const theirs = await t.v1<Page>('GET', '/v1/users/groups', {
      token: other.token,
      headers: { 'x-tenant': OTHER_TENANT },
    })
    const foreign = theirs.body.items[0]?.id as string
    const response = await expectNothingWritten(t, () =>
      t.v1('POST', `/v1/reseller/${reseller.id}/users`, {
        token: t.cspToken,
        body: userBody({ groups: [{ id: foreign }] }),
      }),
    )
    expectV1Error(response, 400, 'groups[0].id')
  })
})
