// CloudCockpit's paging, the same on every paged v1 list: pageNumber ≥ 1 (default 1), pageSize 1–2000 (default 25).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, startTestApp, type TestApp } from '../support/app.ts'
import { expectNothingWritten, expectV1Error } from './v1-helpers.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp()
  const reseller = await t.createReseller()
  for (let i = 0; i < 27; i++)
    await t.v1('POST', `/v1/reseller/${reseller.id}/users`, {
      token: t.cspToken,
      body: { firstName: 'P', lastName: `${i}`, email: `paging${i}@example.com`, role: {}, groups: [] },
    })
})
afterAll(async () => {
  await t?.close()
})

// The audit log's names are CloudCockpit's PascalCase; every v1 query name binds in any case.
const ROUTES = [
  ['/v1/users', 'pageNumber', 'pageSize'],
  ['/v1/users/groups', 'pageNumber', 'pageSize'],
  ['/v1/AuditLogs', 'PageNumber', 'PageSize'],
] as const

const get = (path: string, query: string) => t.v1<Json>('GET', `${path}?${query}`, { token: t.cspToken })

describe.each(ROUTES)('GET %s paging', (path, pageNumber, pageSize) => {
  it('defaults to page 1 of 25', async () => {
    const response = await get(path, '')
    expect(response.status, response.text).toBe(200)
    expect(response.body.paginationParameters).toEqual({ pageNumber: 1, pageSize: 25 })
    expect(response.body.items.length).toBe(Math.min(25, response.body.totalCount))
    expect(response.body.continuationToken).toBe('')
  })

  it.each([1, 2000])(`accepts ${pageSize}=%i`, async (size) => {
    const response = await get(path, `${pageSize}=${size}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.paginationParameters).toEqual({ pageNumber: 1, pageSize: size })
    expect(response.body.items.length).toBe(Math.min(size, response.body.totalCount))
    expect(response.body.totalPages).toBe(Math.ceil(response.body.totalCount / size))
  })

  it.each(['0', '2001', '-1', '1.5', 'ten', ''])(
    `refuses ${pageSize}=%s with 400 naming it`,
    async (size) => {
      const response = await expectNothingWritten(t, () => get(path, `${pageSize}=${size}`))
      expectV1Error(response, 400, pageSize)
    },
  )

  it.each(['0', '-1', 'one', '10000001'])(`refuses ${pageNumber}=%s with 400 naming it`, async (number) => {
    expectV1Error(await get(path, `${pageNumber}=${number}`), 400, pageNumber)
  })

  it.each([1000, 10_000_000])(`answers ${pageNumber}=%i, past the end, with no items`, async (number) => {
    const response = await get(path, `${pageNumber}=${number}&${pageSize}=2000`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.items).toEqual([])
    expect(response.body.hasPreviousPage).toBe(true)
    expect(response.body.hasNextPage).toBe(false)
  })
})
