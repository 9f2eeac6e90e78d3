// Text patterns on a user's name and email: starts-with and ends-with of any length (index ranges of the
// lowercased, or lowercased and reversed, value), and the contains-patterns and searches that no index can
// serve, which a list of more than MAX_SCANNED_USERS users refuses; in both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserDto } from '../../src/dialects/v3/schemas.ts'
import { MAX_SCANNED_USERS } from '../../src/domain/users/list.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { expectV1Error } from '../v1/v1-helpers.ts'

let t: TestApp
let resellerId: string
/** A reseller whose kept user count the tests set, to stand for one of more than MAX_SCANNED_USERS users. */
let bigId: string

const PEOPLE = [
  { firstName: 'Anna', lastName: 'Åström', email: 'anna@mail.example.org' },
  { firstName: 'Ångel', lastName: 'Müller', email: 'ANGEL@Example.ORG' },
  { firstName: 'Bo', lastName: 'Li', email: 'bo_li@x.test' },
  // The decoys: `_` and `%` must match themselves only.
  { firstName: 'Bob', lastName: 'Stone', email: 'bob@example.org' },
  { firstName: 'Li', lastName: 'Na', email: 'li%na@y.test' },
  { firstName: 'Lisa', lastName: 'Nash', email: 'lisana@y.test' },
]

const qs = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&')

const list = (rid: string, query: Record<string, string>) =>
  t.request<UserDto[] & { message?: string; code?: string }>(
    'GET',
    `/v3/resellers/${rid}/users?${qs(query)}`,
    {
      token: t.cspToken,
    },
  )

/** The emails a filter lists (sorted), after checking that the total header counts exactly those. */
async function emailsOf(query: Record<string, string>): Promise<string[]> {
  const response = await list(resellerId, { limit: '100', ...query })
  expect(response.status, response.text).toBe(200)
  const emails = (response.body as UserDto[]).map((u) => u.email).sort()
  expect(response.headers.get('pagination-count')).toBe(String(emails.length))
  return emails
}

const setKeptCount = (id: string, count: number) =>
  t.db.query('UPDATE resellers SET user_count = $2 WHERE id = $1', [id, count])

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  bigId = (await t.createReseller()).id
  for (const rid of [resellerId, bigId])
    for (const person of PEOPLE) {
      const response = await t.request('POST', `/v3/resellers/${rid}/users`, {
        token: t.cspToken,
        body: {
          ...person,
          email: rid === resellerId ? person.email : `big.${person.email}`,
          role: 'user',
          allowCustomerPortalAccess: false,
          password: 'correct horse battery',
        },
      })
      expect(response.status, response.text).toBe(201)
    }
})

afterAll(() => t?.close())

describe('name[sw], email[sw]: a prefix of any length, caseless, wildcards literal', () => {
  it.each([
    ['name[sw]', 'a', ['anna@mail.example.org']],
    ['name[sw]', 'Å', ['ANGEL@Example.ORG']],
    ['name[sw]', 'ångel m', ['ANGEL@Example.ORG']],
    ['name[sw]', 'LI', ['li%na@y.test', 'lisana@y.test']],
    ['email[sw]', 'ANGEL@', ['ANGEL@Example.ORG']],
    ['email[sw]', 'bo_', ['bo_li@x.test']],
    ['email[sw]', 'li%', ['li%na@y.test']],
    ['email[sw]', 'zz', []],
  ])('%s=%s', async (key, value, expected) => {
    expect(await emailsOf({ [key]: value })).toEqual([...expected].sort())
  })
})

describe('name[ew], email[ew]: a suffix of any length, caseless, wildcards literal', () => {
  it.each([
    ['email[ew]', '@EXAMPLE.ORG', ['ANGEL@Example.ORG', 'bob@example.org']],
    ['email[ew]', '.example.org', ['anna@mail.example.org']],
    ['email[ew]', 'example.org', ['ANGEL@Example.ORG', 'anna@mail.example.org', 'bob@example.org']],
    ['email[ew]', 'g', ['ANGEL@Example.ORG', 'anna@mail.example.org', 'bob@example.org']],
    ['email[ew]', '%na@y.test', ['li%na@y.test']],
    ['email[ew]', '_li@x.test', ['bo_li@x.test']],
    ['name[ew]', 'ÖM', ['anna@mail.example.org']],
    ['name[ew]', 'strö', []],
    ['name[ew]', ' li', ['bo_li@x.test']],
    ['name[ew]', 'na', ['li%na@y.test']],
  ])('%s=%s', async (key, value, expected) => {
    expect(await emailsOf({ [key]: value })).toEqual([...expected].sort())
  })
})

describe(`contains-patterns without three letters or digits in a row`, () => {
  it('are matched user by user on a list of up to MAX_SCANNED_USERS users', async () => {
    expect(await emailsOf({ 'name[cn]': 'li' })).toEqual(['bo_li@x.test', 'li%na@y.test', 'lisana@y.test'])
    expect(await emailsOf({ 'email[nc]': '%' })).toHaveLength(PEOPLE.length - 1)
    expect(await emailsOf({ search: 'Li' })).toEqual(['bo_li@x.test', 'li%na@y.test', 'lisana@y.test'])
    await setKeptCount(bigId, MAX_SCANNED_USERS)
    const response = await list(bigId, { 'name[cn]': 'li', search: 'na' })
    expect(response.status, response.text).toBe(200)
    expect((response.body as UserDto[]).map((u) => u.email).sort()).toEqual([
      'big.li%na@y.test',
      'big.lisana@y.test',
    ])
  })

  it.each([
    [{ 'name[cn]': 'li' }, 'name[cn]'],
    [{ 'email[nc]': '%' }, 'email[nc]'],
    [{ 'email[cn]': 'a.b' }, 'email[cn]'],
    [{ search: 'Li' }, 'search'],
    [{ search: 'Li Na' }, 'search'],
  ])('are refused, naming the parameter, on a list of MAX_SCANNED_USERS + 1: %j', async (query, name) => {
    await setKeptCount(bigId, MAX_SCANNED_USERS + 1)
    const response = await list(bigId, query)
    expect(response.status, response.text).toBe(400)
    expect(response.body).toEqual({
      code: 'INVALID_FIELD_VALUE',
      message: `${name} must hold at least three letters or digits in a row on a list of more than 100,000 users.`,
    })
  })

  it('on such a list, a pattern with three letters or digits in a row, and sw/ew of any length, still answer', async () => {
    await setKeptCount(bigId, MAX_SCANNED_USERS + 1)
    for (const query of [
      { 'name[cn]': 'lis' },
      { search: 'Nas' },
      { 'email[nc]': '100' },
      { 'name[sw]': 'l' },
    ]) {
      const response = await list(bigId, query)
      expect(response.status, `${JSON.stringify(query)}: ${response.text}`).toBe(200)
    }
    const response = await list(bigId, { 'email[ew]': 'g' })
    expect((response.body as UserDto[]).map((u) => u.email).sort()).toEqual([
      'big.ANGEL@Example.ORG',
      'big.anna@mail.example.org',
      'big.bob@example.org',
    ])
  })

  it('v1: a csp token over the whole tenant is refused in the CloudCockpit format; one small reseller answers', async () => {
    await setKeptCount(bigId, MAX_SCANNED_USERS + 1)
    expectV1Error(await t.v1('GET', '/v1/users?search=li', { token: t.cspToken }), 400, 'search')
    const small = await t.v1<{ items: { email: string }[]; totalCount: number }>(
      'GET',
      `/v1/users?search=li&resellerId=${resellerId}`,
      { token: t.cspToken },
    )
    expect(small.status, small.text).toBe(200)
    expect(small.body.items.map((u) => u.email).sort()).toEqual([
      'bo_li@x.test',
      'li%na@y.test',
      'lisana@y.test',
    ])
    const token = await t.tokenFor({ role: 'reseller', resellerId })
    const own = await t.v1<{ totalCount: number }>('GET', '/v1/users?search=li', { token })
    expect(own.status, own.text).toBe(200)
    expect(own.body.totalCount).toBe(3)
    expectV1Error(
      await t.v1('GET', '/v1/users?search=li', {
        token: await t.tokenFor({ role: 'reseller', resellerId: bigId }),
      }),
      400,
      'search',
    )
    await setKeptCount(bigId, PEOPLE.length)
    const tenant = await t.v1<{ totalCount: number }>('GET', '/v1/users?search=li', { token: t.cspToken })
    expect(tenant.status, tenant.text).toBe(200)
    expect(tenant.body.totalCount).toBe(6)
  })
})
