// GET /v1/users — CloudCockpit's paged user list, end to end: paging, sort, search, groups, reach, tenancy.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { expectNothingWritten, expectV1Error, groupsByName, UUID } from './v1-helpers.ts'

interface Item {
  id: string
  firstName: string
  lastName: string
  email: string
  role: { name: string }
  groups: { id: string; name: string }[]
}

interface Page {
  items: Item[]
  paginationParameters: { pageNumber: number; pageSize: number }
  totalPages: number
  totalCount: number
  hasPreviousPage: boolean
  hasNextPage: boolean
}

const OTHER_TENANT = 'users-list-other.example.com'
const DOMAIN = 'list.example.com'

/**
 * Reseller A's users. Every first name and every email starts with its own letter, so Name and Email
 * order are the same under any collation, and differ from each other.
 */
const A_USERS = [
  { firstName: 'Alice', lastName: 'Walker', local: 'kilo', groups: ['Administrator'] },
  { firstName: 'Bruno', lastName: 'Stone', local: 'juliet', groups: ['Viewer'], role: 'reseller-admin' },
  { firstName: 'Carla', lastName: 'Reyes', local: 'Hotel', groups: ['Administrator', 'Viewer'] },
  { firstName: 'Dmitri', lastName: 'Quinn', local: 'india', groups: ['Alert Manager'] },
  { firstName: 'Elena', lastName: 'Park', local: 'golf', groups: [] },
  { firstName: 'Farid', lastName: 'Ortiz', local: 'foxtrot', groups: [] },
  { firstName: 'Greta', lastName: 'Novak', local: 'echo', groups: [] },
] as const
const NAME_ORDER = ['Alice', 'Bruno', 'Carla', 'Dmitri', 'Elena', 'Farid', 'Greta']
const EMAIL_ORDER = ['Greta', 'Farid', 'Elena', 'Carla', 'Dmitri', 'Bruno', 'Alice']

/** Reseller B's users. */
const B_USERS = [
  { firstName: 'Hana', lastName: 'Lee', local: 'delta', groups: ['Administrator'] },
  { firstName: 'Ivan', lastName: 'Kuznetsov', local: 'charlie', groups: [] },
] as const

/** Reseller C: more users than the default page, all with the same name (ties broken by id). */
const C_USER_COUNT = 27

let t: TestApp
let groups: Record<string, string>
let resellerA: string
let resellerB: string
let resellerC: string
let other: { tenantId: string; token: string }
let otherReseller: string
/** First name → id, of A's and B's users. */
const ids: Record<string, string> = {}
let deletedId: string

beforeAll(async () => {
  t = await startTestApp()
  groups = await groupsByName(t)
  resellerA = (await t.createReseller()).id
  resellerB = (await t.createReseller()).id
  resellerC = (await t.createReseller()).id

  const create = async (
    resellerId: string,
    user: { firstName: string; lastName: string; local: string; groups: readonly string[]; role?: string },
  ) => {
    const response = await t.v1<string>('POST', `/v1/reseller/${resellerId}/users`, {
      token: t.cspToken,
      body: {
        firstName: user.firstName,
        lastName: user.lastName,
        email: `${user.local}@${DOMAIN}`,
        role: user.role ? { name: user.role } : {},
        groups: user.groups.map((name) => ({ id: groups[name] })),
      },
    })
    expect(response.status, response.text).toBe(201)
    return response.body
  }
  for (const user of A_USERS) ids[user.firstName] = await create(resellerA, user)
  for (const user of B_USERS) ids[user.firstName] = await create(resellerB, user)
  for (let i = 0; i < C_USER_COUNT; i++)
    await create(resellerC, { firstName: 'Pat', lastName: 'Doe', local: `pat${i}`, groups: [] })

  // A deleted user of A, in a group, whose name and email would match the searches below.
  deletedId = await create(resellerA, {
    firstName: 'Aaron',
    lastName: 'Gone',
    local: 'alpha',
    groups: ['Administrator'],
  })
  const deleted = await t.v1('DELETE', `/v1/users/alpha@${DOMAIN}`, { token: t.cspToken })
  expect(deleted.status, deleted.text).toBe(204)

  // Another tenant, with a user whose name and email look like A's users.
  other = await t.createTenant(OTHER_TENANT)
  otherReseller = (await t.createReseller({}, other.token)).id
  const otherGroups = await t.request('GET', '/v1/users/groups', {
    token: other.token,
    headers: { 'x-tenant': OTHER_TENANT },
  })
  const created = await t.request('POST', `/v1/reseller/${otherReseller}/users`, {
    token: other.token,
    headers: { 'x-tenant': OTHER_TENANT },
    body: {
      firstName: 'Alice',
      lastName: 'Walker',
      email: `kilo@other.${DOMAIN}`,
      role: {},
      groups: [{ id: otherGroups.body.items.find((g: { name: string }) => g.name === 'Administrator').id }],
    },
  })
  expect(created.status, created.text).toBe(201)
})
afterAll(async () => {
  await t?.close()
})

const list = (query = '', token: string | null = t.cspToken, headers: Record<string, string> = {}) =>
  t.v1<Page>('GET', `/v1/users${query}`, { token, headers })

/** 200, and the first names of the page's items in order. */
async function namesOf(query: string, token: string | null = t.cspToken): Promise<string[]> {
  const response = await list(query, token)
  expect(response.status, response.text).toBe(200)
  return response.body.items.map((item) => item.firstName)
}

/** The ids of every live user of the bootstrap tenant, from the database. */
async function liveUserIds(): Promise<string[]> {
  const { rows } = await t.db.query<{ id: string }>(
    'SELECT id FROM users WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id',
    [t.tenantId],
  )
  return rows.map((row) => row.id)
}

describe('GET /v1/users: the paged envelope', () => {
  it("answers one reseller's users in CloudCockpit's envelope with the default page", async () => {
    const response = await list(`?resellerId=${resellerA}`)
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('x-correlation-id')).toMatch(UUID)
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
      totalCount: A_USERS.length,
      hasPreviousPage: false,
      hasNextPage: false,
      continuationToken: '',
    })
    expect(response.body.items.map((item) => item.firstName)).toEqual(NAME_ORDER)
  })

  it('gives each item exactly id, firstName, lastName, email, role {name} and groups [{id, name}]', async () => {
    const response = await list(`?resellerId=${resellerA}`)
    for (const item of response.body.items) {
      expect(Object.keys(item).sort()).toEqual(['email', 'firstName', 'groups', 'id', 'lastName', 'role'])
      expect(Object.keys(item.role)).toEqual(['name'])
      for (const group of item.groups) expect(Object.keys(group).sort()).toEqual(['id', 'name'])
    }
    const byName = Object.fromEntries(response.body.items.map((item) => [item.firstName, item]))
    expect(byName.Alice).toEqual({
      id: ids.Alice,
      firstName: 'Alice',
      lastName: 'Walker',
      email: `kilo@${DOMAIN}`,
      role: { name: 'user' },
      groups: [{ id: groups.Administrator, name: 'Administrator' }],
    })
    expect(byName.Bruno?.role).toEqual({ name: 'reseller-admin' })
    expect(byName.Carla?.email).toBe(`Hotel@${DOMAIN}`)
    expect(byName.Carla?.groups.map((g) => g.name).sort()).toEqual(['Administrator', 'Viewer'])
    expect(byName.Elena?.groups).toEqual([])
  })

  it.each([
    [1, ['Alice', 'Bruno', 'Carla'], false, true],
    [2, ['Dmitri', 'Elena', 'Farid'], true, true],
    [3, ['Greta'], true, false],
    [4, [], true, false],
  ] as const)(
    'with pageSize 3, page %i holds %j with hasPreviousPage %s and hasNextPage %s',
    async (pageNumber, names, previous, next) => {
      const response = await list(`?resellerId=${resellerA}&pageSize=3&pageNumber=${pageNumber}`)
      expect(response.status, response.text).toBe(200)
      expect(response.body).toMatchObject({
        paginationParameters: { pageNumber, pageSize: 3 },
        totalPages: 3,
        totalCount: A_USERS.length,
        hasPreviousPage: previous,
        hasNextPage: next,
      })
      expect(response.body.items.map((item) => item.firstName)).toEqual(names)
    },
  )

  it('counts a page size that divides the total exactly without an empty last page', async () => {
    const response = await list(`?resellerId=${resellerB}&pageSize=2`)
    expect(response.body).toMatchObject({ totalPages: 1, totalCount: 2, hasNextPage: false })
  })

  it('answers an empty list with totalPages 0 and no next or previous page', async () => {
    const empty = await t.createReseller()
    const response = await list(`?resellerId=${empty.id}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual({
      items: [],
      paginationParameters: { pageNumber: 1, pageSize: 25 },
      totalPages: 0,
      totalCount: 0,
      hasPreviousPage: false,
      hasNextPage: false,
      continuationToken: '',
    })
  })

  it('answers 25 users by default when a reseller has more', async () => {
    const response = await list(`?resellerId=${resellerC}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.items).toHaveLength(25)
    expect(response.body).toMatchObject({
      paginationParameters: { pageNumber: 1, pageSize: 25 },
      totalPages: 2,
      totalCount: C_USER_COUNT,
      hasPreviousPage: false,
      hasNextPage: true,
    })
    const second = await list(`?resellerId=${resellerC}&pageNumber=2`)
    expect(second.body.items).toHaveLength(C_USER_COUNT - 25)
  })

  it.each([
    [1, 1],
    [2000, 1],
  ])('accepts pageSize %i', async (pageSize, totalPagesOfB) => {
    const response = await list(`?resellerId=${resellerB}&pageSize=${pageSize}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.paginationParameters).toEqual({ pageNumber: 1, pageSize })
    expect(response.body.items).toHaveLength(Math.min(pageSize, 2))
    expect(response.body.totalPages).toBe(pageSize === 1 ? 2 : totalPagesOfB)
  })

  it.each([
    ['pageSize=0', 'pageSize'],
    ['pageSize=2001', 'pageSize'],
    ['pageSize=-1', 'pageSize'],
    ['pageSize=ten', 'pageSize'],
    ['pageSize=2.5', 'pageSize'],
    ['pageNumber=0', 'pageNumber'],
    ['pageNumber=-3', 'pageNumber'],
    ['pageNumber=first', 'pageNumber'],
  ])('refuses %s with 400 on %s', async (query, property) => {
    const response = await expectNothingWritten(t, () => list(`?${query}`))
    expectV1Error(response, 400, property)
  })
})

describe('GET /v1/users: sort', () => {
  it.each([
    ['no sortPropertyName (Name, ascending)', '', NAME_ORDER],
    ['sortPropertyName=Name', 'sortPropertyName=Name', NAME_ORDER],
    ['sortPropertyName=Name&ascending=true', 'sortPropertyName=Name&ascending=true', NAME_ORDER],
    [
      'sortPropertyName=Name&ascending=false',
      'sortPropertyName=Name&ascending=false',
      [...NAME_ORDER].reverse(),
    ],
    ['ascending=false alone (Name, descending)', 'ascending=false', [...NAME_ORDER].reverse()],
    ['sortPropertyName=Email', 'sortPropertyName=Email', EMAIL_ORDER],
    [
      'sortPropertyName=Email&ascending=false',
      'sortPropertyName=Email&ascending=false',
      [...EMAIL_ORDER].reverse(),
    ],
    ['sortPropertyName=email (any case)', 'sortPropertyName=email', EMAIL_ORDER],
    ['sortPropertyName=NAME (any case)', 'sortPropertyName=NAME&ascending=false', [...NAME_ORDER].reverse()],
  ])('orders by %s', async (_, query, expected) => {
    expect(await namesOf(`?resellerId=${resellerA}${query ? `&${query}` : ''}`)).toEqual(expected)
  })

  it('sorts emails case-insensitively', async () => {
    // "Hotel@" sits between "golf@" and "india@", not before every lower-case address.
    const names = await namesOf(`?resellerId=${resellerA}&sortPropertyName=Email`)
    expect(names.indexOf('Carla')).toBe(names.indexOf('Elena') + 1)
  })

  it('keeps sorting across pages: page 2 of the descending email sort continues page 1', async () => {
    const first = await namesOf(`?resellerId=${resellerA}&sortPropertyName=Email&ascending=false&pageSize=4`)
    const second = await namesOf(
      `?resellerId=${resellerA}&sortPropertyName=Email&ascending=false&pageSize=4&pageNumber=2`,
    )
    expect([...first, ...second]).toEqual([...EMAIL_ORDER].reverse())
  })

  it.each(['CreatedAt', 'FirstName', 'Names', 'name;drop table users', ''])(
    'refuses sortPropertyName=%j with 400 on sortPropertyName',
    async (value) => {
      const response = await list(`?sortPropertyName=${encodeURIComponent(value)}`)
      expectV1Error(response, 400, 'sortPropertyName')
    },
  )

  it('refuses an ascending that is not a boolean with 400 on ascending', async () => {
    expectV1Error(await list('?ascending=maybe'), 400, 'ascending')
  })
})

describe('GET /v1/users: search', () => {
  it.each([
    ['a first name', 'greta', ['Greta']],
    ['a last name, in another case', 'NOVAK', ['Greta']],
    ['first and last name together', 'alice walker', ['Alice']],
    ['part of a name', 'ri', ['Dmitri', 'Farid']],
    ['an email', `hotel@${DOMAIN}`, ['Carla']],
    ['part of an email', 'foxt', ['Farid']],
    ["the reseller's common email domain", DOMAIN, NAME_ORDER],
    ['a % taken literally', '%', []],
    ['an _ taken literally', 'a_i', []],
    ['text no user has', 'zzz-nobody', []],
  ])("finds reseller A's users by %s", async (_, search, expected) => {
    const response = await list(`?resellerId=${resellerA}&search=${encodeURIComponent(search)}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.items.map((item) => item.firstName)).toEqual(expected)
    expect(response.body.totalCount).toBe(expected.length)
  })

  it("searches every reseller's users for a csp token without resellerId", async () => {
    expect(await namesOf(`?search=delta@${DOMAIN}`)).toEqual(['Hana'])
    expect(await namesOf('?search=e&pageSize=2000&sortPropertyName=Name')).toEqual(
      expect.arrayContaining(['Alice', 'Hana', 'Pat']),
    )
  })

  it('combines search with paging: totalCount and totalPages count the matches', async () => {
    const response = await list(`?resellerId=${resellerC}&search=pat1&pageSize=5`)
    // pat1, pat10 … pat19
    expect(response.body).toMatchObject({ totalCount: 11, totalPages: 3, hasNextPage: true })
    expect(response.body.items).toHaveLength(5)
  })

  it('refuses a search longer than 256 characters with 400 on search', async () => {
    expectV1Error(await list(`?search=${'x'.repeat(257)}`), 400, 'search')
  })
})

describe('GET /v1/users: groups filter', () => {
  it.each([
    ['one group', () => `groups=${groups.Administrator}`, ['Alice', 'Carla']],
    ['another group', () => `groups=${groups['Alert Manager']}`, ['Dmitri']],
    [
      'two groups, repeated',
      () => `groups=${groups.Administrator}&groups=${groups.Viewer}`,
      ['Alice', 'Bruno', 'Carla'],
    ],
    [
      'two groups, comma-separated',
      () => `groups=${groups.Administrator},${groups.Viewer}`,
      ['Alice', 'Bruno', 'Carla'],
    ],
    ['a group id in upper case', () => `groups=${groups.Viewer?.toUpperCase()}`, ['Bruno', 'Carla']],
    ['a group no user is in', () => `groups=${randomUUID()}`, []],
  ])('lists the users in %s, each once', async (_, query, expected) => {
    const response = await list(`?resellerId=${resellerA}&${query()}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.items.map((item) => item.firstName)).toEqual(expected)
    expect(response.body.totalCount).toBe(expected.length)
  })

  it("filters every reseller's users by group for a csp token without resellerId", async () => {
    expect(await namesOf(`?groups=${groups.Administrator}`)).toEqual(['Alice', 'Carla', 'Hana'])
  })

  it('combines the groups filter with search', async () => {
    expect(await namesOf(`?groups=${groups.Administrator}&search=reyes`)).toEqual(['Carla'])
  })

  it.each([
    ['a group id that is not a UUID', () => 'groups=administrator'],
    ['a non-UUID id after a valid one, comma-separated', () => `groups=${groups.Viewer},nope`],
    ['a non-UUID id after a valid one, repeated', () => `groups=${groups.Viewer}&groups=nope`],
  ])('refuses %s with 400 on groups', async (_, query) => {
    const response = await expectNothingWritten(t, () => list(`?${query()}`))
    const error = expectV1Error(response, 400)
    expect(error.errors.map((e) => e.propertyName)).toEqual(['groups'])
  })
})

describe('GET /v1/users: whose users a token sees', () => {
  it('lists every live user of the tenant for a csp token, across resellers', async () => {
    const response = await list('?pageSize=2000')
    expect(response.status, response.text).toBe(200)
    const live = await liveUserIds()
    expect(response.body.totalCount).toBe(live.length)
    expect(response.body.items.map((item) => item.id).sort()).toEqual(live)
    expect(live.length).toBe(A_USERS.length + B_USERS.length + C_USER_COUNT)
  })

  it("narrows a csp token's list to one reseller with resellerId", async () => {
    expect(await namesOf(`?resellerId=${resellerB}`)).toEqual(['Hana', 'Ivan'])
  })

  it('answers 404 for a resellerId that names no reseller of the tenant', async () => {
    expectV1Error(await list(`?resellerId=${randomUUID()}`), 404)
    expectV1Error(await list(`?resellerId=${otherReseller}`), 404)
  })

  it('refuses a resellerId that is not a UUID with 400 on resellerId', async () => {
    expectV1Error(await list('?resellerId=reseller-a'), 400, 'resellerId')
  })

  it('shows a reseller token only its own users', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId: resellerB })
    const response = await list('?pageSize=2000', token)
    expect(response.status, response.text).toBe(200)
    expect(response.body.items.map((item) => item.firstName)).toEqual(['Hana', 'Ivan'])
    expect(response.body.totalCount).toBe(2)
    expect(await namesOf(`?resellerId=${resellerB}`, token)).toEqual(['Hana', 'Ivan'])
    expect(await namesOf('?search=alice', token)).toEqual([])
    expect(await namesOf(`?groups=${groups.Administrator}`, token)).toEqual(['Hana'])
  })

  it.each([
    ['an existing reseller', () => resellerA],
    ['a reseller that does not exist', () => randomUUID()],
  ])("refuses a reseller token naming %s's resellerId with 403", async (_, rid) => {
    const token = await t.tokenFor({ role: 'reseller', resellerId: resellerB })
    expectV1Error(await list(`?resellerId=${rid()}`, token), 403)
  })

  it('never lists a deleted user, by any filter', async () => {
    const queries = [
      '?pageSize=2000',
      `?resellerId=${resellerA}`,
      '?search=alpha',
      '?search=aaron',
      `?groups=${groups.Administrator}`,
      `?resellerId=${resellerA}&sortPropertyName=Email&pageSize=2000`,
    ]
    for (const query of queries) {
      const response = await list(query)
      expect(response.status, response.text).toBe(200)
      expect(response.body.items.map((item) => item.id)).not.toContain(deletedId)
    }
    expect((await list(`?resellerId=${resellerA}`)).body.totalCount).toBe(A_USERS.length)
    expect((await list('?search=aaron')).body.totalCount).toBe(0)
  })

  it("never lists another tenant's users, and theirs never lists ours", async () => {
    const ours = await list('?search=kilo&pageSize=2000')
    expect(ours.body.items.map((item) => item.id)).toEqual([ids.Alice])
    const all = await list('?pageSize=2000')
    expect(all.body.items.map((item) => item.email)).not.toContain(`kilo@other.${DOMAIN}`)
    const theirs = await list('?pageSize=2000', other.token, { 'x-tenant': OTHER_TENANT })
    expect(theirs.status, theirs.text).toBe(200)
    expect(theirs.body.items.map((item) => item.email)).toEqual([`kilo@other.${DOMAIN}`])
    expect(theirs.body.totalCount).toBe(1)
  })
})

describe('GET /v1/users: query names in any case', () => {
  it.each([
    ['PageSize', () => `?resellerId=${resellerA}&PageSize=2`, ['Alice', 'Bruno']],
    [
      'PAGESIZE and PageNumber',
      () => `?resellerId=${resellerA}&PAGESIZE=2&PageNumber=2`,
      ['Carla', 'Dmitri'],
    ],
    [
      'SORTPROPERTYNAME and Ascending',
      () => `?resellerId=${resellerA}&SORTPROPERTYNAME=Email&Ascending=false`,
      [...EMAIL_ORDER].reverse(),
    ],
    ['ResellerId and Search', () => `?ResellerId=${resellerA}&Search=novak`, ['Greta']],
    [
      'RESELLERID and Groups',
      () => `?RESELLERID=${resellerA}&Groups=${groups.Administrator}`,
      ['Alice', 'Carla'],
    ],
  ])('binds %s like their camel-case names', async (_, query, expected) => {
    expect(await namesOf(query())).toEqual(expected)
  })

  it('reports the page size it used under its camel-case name', async () => {
    const response = await list(`?resellerId=${resellerA}&PageSize=2`)
    expect(response.body.paginationParameters).toEqual({ pageNumber: 1, pageSize: 2 })
    expect(response.body.totalPages).toBe(4)
  })

  it('validates a query name sent in another case under its own name', async () => {
    expectV1Error(await list('?PageSize=0'), 400, 'pageSize')
  })
})

describe('GET /v1/users: paging through everything', () => {
  it.each([
    ['Name', 'true'],
    ['Name', 'false'],
    ['Email', 'true'],
    ['Email', 'false'],
  ])(
    'with pageSize 3, sorted by %s (ascending=%s), gives every user exactly once',
    async (sort, ascending) => {
      const seen: string[] = []
      let totalPages = 0
      for (let pageNumber = 1; ; pageNumber++) {
        const response = await list(
          `?pageSize=3&pageNumber=${pageNumber}&sortPropertyName=${sort}&ascending=${ascending}`,
        )
        expect(response.status, response.text).toBe(200)
        expect(response.body.hasPreviousPage).toBe(pageNumber > 1)
        totalPages = response.body.totalPages
        seen.push(...response.body.items.map((item) => item.id))
        if (!response.body.hasNextPage) {
          expect(pageNumber).toBe(totalPages)
          break
        }
        expect(response.body.items).toHaveLength(3)
      }
      const live = await liveUserIds()
      expect(new Set(seen).size).toBe(seen.length)
      expect([...seen].sort()).toEqual(live)
      expect(totalPages).toBe(Math.ceil(live.length / 3))
    },
  )
})

describe('GET /v1/users: headers and roles', () => {
  it('refuses a request without X-Tenant with 400 on X-Tenant', async () => {
    const response = await t.request('GET', '/v1/users', { token: t.cspToken })
    expectV1Error(response, 400, 'X-Tenant')
  })

  it('refuses an X-Tenant naming another tenant with 403', async () => {
    expectV1Error(await list('', t.cspToken, { 'x-tenant': OTHER_TENANT }), 403, 'X-Tenant')
  })

  it('answers 401 with a CloudCockpit body when no token is sent', async () => {
    const response = await list('', null)
    expectV1Error(response, 401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers 401 for a token that is not valid', async () => {
    expectV1Error(await list('', 'not.a.jwt'), 401)
  })

  it("refuses the platform operator's token with 403", async () => {
    expectV1Error(await list('', await t.platformToken()), 403)
  })

  it('echoes a sent X-Correlation-Id', async () => {
    const correlationId = randomUUID()
    const response = await list('', t.cspToken, { 'x-correlation-id': correlationId })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
  })

  it('writes nothing when listing', async () => {
    const response = await expectNothingWritten(t, () => list('?pageSize=2000'))
    expect(response.status).toBe(200)
  })
})
