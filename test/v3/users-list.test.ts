// GET /v3/resellers/{resellerId}/users: the filter language, search, sort, pages and the total header, end to end.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserDto } from '../../src/dialects/v3/schemas.ts'
import { type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp

/** The reseller whose users the filter tests look at, its two organizations and its live users in creation order. */
let resellerId: string
let orgOne: string
let orgTwo: string
let users: UserDto[]
let deleted: UserDto
/** A user of another reseller: it must never appear in the lists of `resellerId`. */
let stranger: UserDto
let strangerResellerId: string

/** Fixture users of `resellerId`: names and emails chosen to exercise each operator, `%` and `_` included. */
const PEOPLE: { firstName: string; lastName: string; email: string; role: string; org: 1 | 2 | null }[] = [
  { firstName: 'Alice', lastName: 'Archer', email: 'alice.archer@alpha.test', role: 'user', org: 1 },
  { firstName: 'Bob', lastName: 'Baker', email: 'Bob.Baker@Beta.test', role: 'reseller-admin', org: 1 },
  {
    firstName: 'Carol',
    lastName: 'Cooper',
    email: 'carol_cooper@gamma.test',
    role: 'organization-admin',
    org: 2,
  },
  { firstName: 'Dave', lastName: 'Dalton', email: 'dave@alpha.test', role: 'user', org: null },
  // `%` and `_` must match literally: the next user is the decoy a wildcard would also match.
  { firstName: '100%', lastName: 'Pure_Gold', email: 'pure@gold.test', role: 'user', org: null },
  { firstName: '1000', lastName: 'PureXGold', email: 'purexgold@gold.test', role: 'user', org: 2 },
  { firstName: 'Eve', lastName: '', email: 'eve@delta.test', role: 'reseller-admin', org: null },
]

const usersPath = (rid = resellerId) => `/v3/resellers/${rid}/users`

/** A query string from pairs, every key and value percent-encoded. */
const qs = (pairs: Record<string, string | number>) =>
  Object.entries(pairs)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&')

function list(
  query: Record<string, string | number> = {},
  options: { resellerId?: string; token?: string } = {},
): Promise<Response<UserDto[] & { message?: string; code?: string }>> {
  const search = qs(query)
  return t.request('GET', `${usersPath(options.resellerId)}${search ? `?${search}` : ''}`, {
    token: options.token ?? t.cspToken,
  })
}

/** Lists and expects 200; answers the items and the total header. */
async function listed(query: Record<string, string | number> = {}, options: { resellerId?: string } = {}) {
  const response = await list({ limit: 100, ...query }, options)
  expect(response.status, response.text).toBe(200)
  return {
    items: response.body as UserDto[],
    ids: (response.body as UserDto[]).map((u) => u.id),
    total: Number(response.headers.get('pagination-count')),
    response,
  }
}

async function createUser(rid: string, body: Record<string, unknown>): Promise<UserDto> {
  const response = await t.request<UserDto>('POST', usersPath(rid), {
    token: t.cspToken,
    body: { allowCustomerPortalAccess: false, password: 'password-1234', role: 'user', ...body },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

async function fetchUser(id: string, rid = resellerId): Promise<UserDto> {
  const response = await t.request<UserDto>('GET', `${usersPath(rid)}/${id}`, { token: t.cspToken })
  expect(response.status, response.text).toBe(200)
  return response.body
}

/** The order the service promises: creation time, then id (UUIDv7, so also creation order). */
const byCreation = (a: UserDto, b: UserDto) =>
  Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const idsOf = (list: UserDto[]) => list.map((u) => u.id)

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  orgOne = (await t.createOrganization(resellerId)).id
  orgTwo = (await t.createOrganization(resellerId)).id
  const created: UserDto[] = []
  for (const person of PEOPLE) {
    const { org, ...body } = person
    created.push(
      await createUser(resellerId, {
        ...body,
        organizationId: org === 1 ? orgOne : org === 2 ? orgTwo : null,
      }),
    )
  }
  deleted = await createUser(resellerId, {
    firstName: 'Alice',
    lastName: 'Archer',
    email: 'zed.deleted@alpha.test',
  })
  const removed = await t.request('DELETE', `${usersPath()}/${deleted.id}`, { token: t.cspToken })
  expect(removed.status, removed.text).toBe(204)
  // Dave's updatedAt moves on, so that updatedAt filters differ from createdAt filters.
  const davesRow = created[3] as UserDto
  const patched = await t.request('PATCH', `${usersPath()}/${davesRow.id}`, {
    token: t.cspToken,
    body: { company: 'Dalton & Sons' },
  })
  expect(patched.status, patched.text).toBe(200)
  strangerResellerId = (await t.createReseller()).id
  stranger = await createUser(strangerResellerId, {
    firstName: 'Alice',
    lastName: 'Archer',
    email: 'alice.stranger@alpha.test',
    role: 'user',
  })
  users = await Promise.all(created.map((u) => fetchUser(u.id)))
})
afterAll(async () => {
  await t?.close()
})

describe('GET /v3/resellers/{resellerId}/users: the body and the total', () => {
  it('answers a bare array of every live user in creation order, with the total in Pagination-Count and X-Total-Count', async () => {
    const { items, response } = await listed()
    expect(Array.isArray(response.body)).toBe(true)
    expect(items).toEqual([...users].sort(byCreation))
    expect(response.headers.get('pagination-count')).toBe(String(users.length))
    expect(response.headers.get('x-total-count')).toBe(String(users.length))
  })

  it('embeds each user’s organization as the single-user read does', async () => {
    const { items } = await listed()
    for (const user of users) expect(items.find((u) => u.id === user.id)).toEqual(user)
  })

  it('never lists a deleted user, not even when a filter names it', async () => {
    for (const query of [{}, { id: deleted.id }, { email: deleted.email }, { name: 'Alice Archer' }]) {
      const { ids, total } = await listed(query)
      expect(ids).not.toContain(deleted.id)
      expect(total).toBe(ids.length)
    }
  })

  it('never lists another reseller’s user, not even when a filter names it', async () => {
    for (const query of [{}, { id: stranger.id }, { email: stranger.email }, { search: 'stranger' }]) {
      const { ids, total } = await listed(query)
      expect(ids).not.toContain(stranger.id)
      expect(total).toBe(ids.length)
    }
  })

  it('answers an empty array and the full total for a page past the end', async () => {
    const response = await list({ page: 5, limit: 10 })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual([])
    expect(response.headers.get('pagination-count')).toBe(String(users.length))
  })

  it('answers 404 for a reseller that does not exist', async () => {
    const response = await list({}, { resellerId: randomUUID() })
    expect(response.status, response.text).toBe(404)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })
})

type Model = (u: UserDto) => boolean
/** A filter case: a label for its name, and the query with its model, built once the fixture exists. */
interface FilterCase {
  label: string
  build: () => { query: Record<string, string>; model: Model }
}

const lower = (s: string) => s.toLowerCase()
const has = (haystack: string, needle: string) => lower(haystack).includes(lower(needle))
const listOf = (value: string) => value.split(',').map((v) => v.trim())
const person = (index: number) => () => users[index] as UserDto
const alice = person(0)
const bob = person(1)
const carol = person(2)
const dave = person(3)

const fixed = (query: Record<string, string>, model: Model): FilterCase => ({
  label: qs(query),
  build: () => ({ query, model }),
})

function textCases(
  field: 'name' | 'role',
  values: { eq: string; sw: string; ew: string; cn: string; in: string },
): FilterCase[] {
  const of = (u: UserDto) => u[field]
  return [
    fixed({ [field]: values.eq }, (u) => of(u) === values.eq),
    fixed({ [`${field}[eq]`]: values.eq }, (u) => of(u) === values.eq),
    fixed({ [`${field}[ne]`]: values.eq }, (u) => of(u) !== values.eq),
    fixed({ [`${field}[sw]`]: values.sw }, (u) => lower(of(u)).startsWith(lower(values.sw))),
    fixed({ [`${field}[ew]`]: values.ew }, (u) => lower(of(u)).endsWith(lower(values.ew))),
    fixed({ [`${field}[cn]`]: values.cn }, (u) => has(of(u), values.cn)),
    fixed({ [`${field}[nc]`]: values.cn }, (u) => !has(of(u), values.cn)),
    fixed({ [`${field}[in]`]: values.in }, (u) => listOf(values.in).includes(of(u))),
    fixed({ [`${field}[nin]`]: values.in }, (u) => !listOf(values.in).includes(of(u))),
  ]
}

function dateCases(field: 'createdAt' | 'updatedAt', who: string, pivot: () => UserDto): FilterCase[] {
  const ms = (u: UserDto) => Date.parse(u[field])
  const ops: [string | null, (a: number, b: number) => boolean][] = [
    [null, (a, b) => a === b],
    ['eq', (a, b) => a === b],
    ['ne', (a, b) => a !== b],
    ['gt', (a, b) => a > b],
    ['gte', (a, b) => a >= b],
    ['lt', (a, b) => a < b],
    ['lte', (a, b) => a <= b],
  ]
  return ops.map(([op, compare]) => {
    const key = op ? `${field}[${op}]` : field
    return {
      label: `${key}=<${who}.${field}>`,
      build: () => {
        const at = pivot()[field]
        return { query: { [key]: at }, model: (u: UserDto) => compare(ms(u), Date.parse(at)) }
      },
    }
  })
}

/** The filter language, one case per field and operator, each with a model of the users it matches. */
const FILTER_CASES: FilterCase[] = [
  ...textCases('name', {
    eq: 'Alice Archer',
    sw: 'bo',
    ew: 'COOPER',
    cn: 'ar',
    in: 'Alice Archer, Bob Baker,Nobody Here',
  }),
  ...textCases('role', { eq: 'user', sw: 'reseller', ew: '-admin', cn: 'admin', in: 'user,reseller-admin' }),
  // email: every comparison ignores case, eq and in included.
  fixed({ email: 'BOB.baker@beta.TEST' }, (u) => u.email === 'Bob.Baker@Beta.test'),
  fixed({ 'email[eq]': 'Alice.Archer@ALPHA.test' }, (u) => u.email === 'alice.archer@alpha.test'),
  fixed({ 'email[ne]': 'ALICE.archer@alpha.test' }, (u) => u.email !== 'alice.archer@alpha.test'),
  fixed({ 'email[sw]': 'BOB' }, (u) => lower(u.email).startsWith('bob')),
  fixed({ 'email[ew]': '@ALPHA.test' }, (u) => lower(u.email).endsWith('@alpha.test')),
  fixed({ 'email[cn]': 'gold' }, (u) => has(u.email, 'gold')),
  fixed({ 'email[nc]': 'alpha' }, (u) => !has(u.email, 'alpha')),
  fixed({ 'email[in]': 'ALICE.ARCHER@alpha.test,bob.baker@beta.test' }, (u) =>
    ['alice.archer@alpha.test', 'bob.baker@beta.test'].includes(lower(u.email)),
  ),
  fixed(
    { 'email[nin]': 'dave@alpha.test, EVE@delta.test' },
    (u) => !['dave@alpha.test', 'eve@delta.test'].includes(lower(u.email)),
  ),
  // ids
  ...(['', '[eq]'] as const).map((op) => ({
    label: `id${op}=<Bob>`,
    build: () => ({ query: { [`id${op}`]: bob().id }, model: (u: UserDto) => u.id === bob().id }),
  })),
  {
    label: 'id[ne]=<Bob>',
    build: () => ({ query: { 'id[ne]': bob().id }, model: (u) => u.id !== bob().id }),
  },
  {
    label: 'id[in]=<Alice>,<Carol>',
    build: () => ({
      query: { 'id[in]': `${alice().id},${carol().id}` },
      model: (u) => u.id === alice().id || u.id === carol().id,
    }),
  },
  {
    label: 'id[nin]=<Alice>, <Carol>',
    build: () => ({
      query: { 'id[nin]': `${alice().id}, ${carol().id}` },
      model: (u) => u.id !== alice().id && u.id !== carol().id,
    }),
  },
  {
    label: 'id[eq]=<another reseller’s user>',
    build: () => ({ query: { 'id[eq]': stranger.id }, model: () => false }),
  },
  fixed({ 'id[eq]': 'not-a-uuid' }, () => false),
  ...(['', '[eq]'] as const).map((op) => ({
    label: `organizationId${op}=<orgOne>`,
    build: () => ({
      query: { [`organizationId${op}`]: orgOne },
      model: (u: UserDto) => u.organizationId === orgOne,
    }),
  })),
  // A user in no organization is not in orgOne: ne and nin keep it.
  {
    label: 'organizationId[ne]=<orgOne>',
    build: () => ({ query: { 'organizationId[ne]': orgOne }, model: (u) => u.organizationId !== orgOne }),
  },
  {
    label: 'organizationId[in]=<orgOne>,<orgTwo>',
    build: () => ({
      query: { 'organizationId[in]': `${orgOne},${orgTwo}` },
      model: (u) => u.organizationId === orgOne || u.organizationId === orgTwo,
    }),
  },
  {
    label: 'organizationId[nin]=<orgTwo>',
    build: () => ({ query: { 'organizationId[nin]': orgTwo }, model: (u) => u.organizationId !== orgTwo }),
  },
  // dates: on a user in the middle, and on the one updated after every creation
  ...dateCases('createdAt', 'Carol', carol),
  ...dateCases('updatedAt', 'Carol', carol),
  ...dateCases('updatedAt', 'Dave', dave),
  // `%` and `_` in a value are literal characters, not wildcards (1000 PureXGold is the decoy).
  fixed({ 'name[cn]': '0% P' }, (u) => u.name === '100% Pure_Gold'),
  fixed({ 'name[cn]': 'Pure_Gold' }, (u) => u.name === '100% Pure_Gold'),
  fixed({ 'name[sw]': '100%' }, (u) => u.name === '100% Pure_Gold'),
  fixed({ 'name[ew]': '_gold' }, (u) => u.name === '100% Pure_Gold'),
  fixed({ 'email[cn]': '_' }, (u) => u.email.includes('_')),
  fixed({ 'name[nc]': '%' }, (u) => !u.name.includes('%')),
  // several filters narrow together
  fixed(
    { role: 'user', 'email[ew]': 'alpha.test' },
    (u) => u.role === 'user' && u.email.endsWith('alpha.test'),
  ),
]

describe('GET …/users: the filter language', () => {
  it('has fixture data on which each filter keeps some users and drops others', () => {
    const trivial = FILTER_CASES.filter(({ build }) => {
      const { model } = build()
      return users.every(model) || !users.some(model)
    }).map(({ label }) => label)
    // The ones that cannot be otherwise: nothing is later than the last change; no id is another reseller's.
    expect(trivial.sort()).toEqual(
      [
        'id[eq]=<another reseller’s user>',
        qs({ 'id[eq]': 'not-a-uuid' }),
        'updatedAt[gt]=<Dave.updatedAt>',
        'updatedAt[lte]=<Dave.updatedAt>',
      ].sort(),
    )
  })

  it.each(FILTER_CASES)(
    'filters with $label exactly as the model says, and counts the matches',
    async ({ build }) => {
      const { query, model } = build()
      const { items, total } = await listed(query)
      const expected = users.filter(model).sort(byCreation)
      expect(idsOf(items)).toEqual(idsOf(expected))
      expect(total).toBe(expected.length)
    },
  )

  it('accepts a date with an offset and compares the instant', async () => {
    const pivot = carol()
    const instant = new Date(pivot.createdAt)
    const shifted = new Date(instant.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00')
    const { ids } = await listed({ createdAt: shifted })
    expect(ids).toEqual([pivot.id])
  })

  const refused: [string, Record<string, string>, string][] = [
    ['an unknown field', { nickname: 'x' }, 'nickname'],
    ['an unknown field with an operator', { 'nickname[eq]': 'x' }, 'nickname'],
    ['a field that is not filterable', { 'company[eq]': 'x' }, 'company'],
    ['an operator the field does not have (email[gt])', { 'email[gt]': 'x' }, 'email[gt]'],
    ['a date operator on a text field (name[lte])', { 'name[lte]': 'x' }, 'name[lte]'],
    ['a text operator on an id field (id[sw])', { 'id[sw]': 'x' }, 'id[sw]'],
    ['a text operator on a date field (createdAt[cn])', { 'createdAt[cn]': '2024' }, 'createdAt[cn]'],
    ['an unknown operator', { 'role[like]': 'user' }, 'role[like]'],
    ['a malformed date', { 'createdAt[gt]': 'yesterday' }, 'createdAt'],
    ['a malformed date without an operator', { updatedAt: '2024-13-45T99:00:00Z' }, 'updatedAt'],
  ]

  it.each(refused)('refuses %s with 400 naming it', async (_, query, named) => {
    const response = await list(query)
    expect(response.status, response.text).toBe(400)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    expect(response.body.message).toContain(named)
  })
})

describe('GET …/users: search', () => {
  it.each([
    ['part of a name', 'archer', (u: UserDto) => has(u.name, 'archer')],
    ['a whole name across first and last name', 'Bob Baker', (u: UserDto) => u.name === 'Bob Baker'],
    ['part of an email, in any case', 'GOLD.TEST', (u: UserDto) => has(u.email, 'gold.test')],
    ['something in names and emails', 'al', (u: UserDto) => has(u.name, 'al') || has(u.email, 'al')],
    ['a literal %', '%', (u: UserDto) => u.name.includes('%') || u.email.includes('%')],
    ['nothing at all', 'no-such-person', () => false],
  ])('matches %s (%s)', async (_, search, model) => {
    const { ids, total } = await listed({ search })
    const expected = users.filter(model).sort(byCreation)
    expect(ids).toEqual(idsOf(expected))
    expect(total).toBe(expected.length)
  })

  it('combines with filters', async () => {
    const { ids, total } = await listed({ search: 'alpha', role: 'user' })
    const expected = users.filter((u) => has(u.email, 'alpha') && u.role === 'user').sort(byCreation)
    expect(ids).toEqual(idsOf(expected))
    expect(total).toBe(expected.length)
  })
})

describe('GET …/users: page and limit', () => {
  it.each([
    ['limit 0', { limit: 0 }],
    ['limit 101', { limit: 101 }],
    ['limit -1', { limit: -1 }],
    ['a limit that is not a number', { limit: 'ten' }],
    ['page 0', { page: 0 }],
    ['page -1', { page: -1 }],
  ])('refuses %s with 400', async (_, query) => {
    const response = await list(query)
    expect(response.status, response.text).toBe(400)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })

  it('accepts limit 1 and answers one user, with the total of all', async () => {
    const response = await list({ limit: 1 })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toHaveLength(1)
    expect(response.headers.get('pagination-count')).toBe(String(users.length))
  })

  it('accepts limit 100', async () => {
    const response = await list({ limit: 100 })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toHaveLength(users.length)
  })

  it('defaults to page 1 and a limit of 10', async () => {
    const response = await list()
    expect(response.status, response.text).toBe(200)
    expect(idsOf(response.body)).toEqual(idsOf([...users].sort(byCreation).slice(0, 10)))
  })

  it('walks the pages in order', async () => {
    const pages: string[] = []
    for (let page = 1; page <= 4; page++) {
      const response = await list({ page, limit: 2 })
      expect(response.status, response.text).toBe(200)
      expect(response.headers.get('pagination-count')).toBe(String(users.length))
      pages.push(...idsOf(response.body))
    }
    expect(pages).toEqual(idsOf([...users].sort(byCreation)))
  })
})

describe('GET …/users: sort', () => {
  /** A reseller of its own: 25 users sharing 3 names and 3 roles, plain ASCII so every collation agrees. */
  let sortReseller: string
  let crowd: UserDto[]
  const NAMES = [
    ['Kim', 'Lee'],
    ['Max', 'Roe'],
    ['Sam', 'Fox'],
  ] as const
  const ROLES = ['user', 'reseller-admin', 'organization-admin'] as const

  beforeAll(async () => {
    sortReseller = (await t.createReseller()).id
    crowd = []
    for (let i = 0; i < 25; i++) {
      const [firstName, lastName] = NAMES[(i * 7) % 3] as readonly [string, string]
      crowd.push(
        await createUser(sortReseller, {
          firstName,
          lastName,
          // Email order differs from creation order.
          email: `${String.fromCharCode(122 - i)}${unique('s')}@sort.test`,
          role: ROLES[i % 3],
        }),
      )
    }
  })

  type Key = { field: keyof UserDto; isDescending: boolean }
  const keysOf = (sort: string): Key[] =>
    sort.split(/[|,]/).map((part) => ({
      field: part.replace(/^[-+]/, '') as keyof UserDto,
      isDescending: part.startsWith('-'),
    }))
  const sortValue = (u: UserDto, field: keyof UserDto) =>
    field === 'email' ? u.email.toLowerCase() : field.endsWith('At') ? Date.parse(String(u[field])) : u[field]
  /** The model: each key in turn, then the id in the direction of the last key. */
  const sortedBy = (list: UserDto[], sort: string) => {
    const keys = keysOf(sort)
    const last = keys[keys.length - 1] as Key
    return [...list].sort((a, b) => {
      for (const key of [...keys, { field: 'id' as const, isDescending: last.isDescending }]) {
        const x = sortValue(a, key.field) as string | number
        const y = sortValue(b, key.field) as string | number
        if (x !== y) return (x < y ? -1 : 1) * (key.isDescending ? -1 : 1)
      }
      return 0
    })
  }

  it.each(['name', '-name', 'email', '-email', 'createdAt', '-createdAt', 'updatedAt', 'role', 'id', '-id'])(
    'sorts by %s',
    async (sort) => {
      const { ids } = await listed({ sort }, { resellerId: sortReseller })
      expect(ids).toEqual(idsOf(sortedBy(crowd, sort)))
    },
  )

  it.each(['role|-name', 'role,name', '-role|email', 'name|-createdAt', '+name|+role'])(
    'sorts by several fields: %s',
    async (sort) => {
      const { ids } = await listed({ sort }, { resellerId: sortReseller })
      expect(ids).toEqual(idsOf(sortedBy(crowd, sort)))
    },
  )

  it('sorts the fixture users by name, every collation agreeing on their order', async () => {
    const plain = users.filter((u) => /^[A-Z][a-z]+( [A-Z][a-z]+)?$/.test(u.name))
    const { ids } = await listed({ sort: 'name', 'name[nc]': '0' })
    expect(ids).toEqual(idsOf(sortedBy(plain, 'name')))
  })

  it.each(['name', 'role', '-role', 'role|name', '-name|role'])(
    'pages through 25 users by %s, 7 at a time, giving every user exactly once',
    async (sort) => {
      const seen: string[] = []
      for (let page = 1; page <= 4; page++) {
        const response = await list({ sort, page, limit: 7 }, { resellerId: sortReseller })
        expect(response.status, response.text).toBe(200)
        expect(response.body).toHaveLength(page < 4 ? 7 : 4)
        expect(response.headers.get('pagination-count')).toBe('25')
        seen.push(...idsOf(response.body))
      }
      expect(new Set(seen).size).toBe(25)
      expect([...seen].sort()).toEqual(idsOf(crowd).sort())
      expect(seen).toEqual(idsOf(sortedBy(crowd, sort)))
    },
  )

  it.each([
    ['an unknown field', 'nickname', 'nickname'],
    ['an unknown field after a known one', 'name|-nickname', 'nickname'],
    ['a field that is not listed', 'company', 'company'],
  ])('refuses sorting by %s with 400 naming it', async (_, sort, named) => {
    const response = await list({ sort })
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toContain(named)
  })

  it('refuses a malformed sort with 400', async () => {
    const response = await list({ sort: 'name||role' })
    expect(response.status, response.text).toBe(400)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })

  it('counts the matches, not the page, with and without filters', async () => {
    const all = await list({ limit: 3 }, { resellerId: sortReseller })
    expect(all.headers.get('pagination-count')).toBe('25')
    expect(all.headers.get('x-total-count')).toBe('25')
    for (const role of ROLES) {
      const response = await list({ role, limit: 1 }, { resellerId: sortReseller })
      const expected = String(crowd.filter((u) => u.role === role).length)
      expect(response.headers.get('pagination-count')).toBe(expected)
      expect(response.headers.get('x-total-count')).toBe(expected)
    }
    const named = await list({ name: 'Kim Lee', limit: 1 }, { resellerId: sortReseller })
    expect(named.headers.get('pagination-count')).toBe(
      String(crowd.filter((u) => u.name === 'Kim Lee').length),
    )
  })

  it('counts one fewer after a delete, with and without filters', async () => {
    const reseller = (await t.createReseller()).id
    const a = await createUser(reseller, { firstName: 'Ann', email: `${unique('a')}@count.test` })
    await createUser(reseller, { firstName: 'Ann', email: `${unique('b')}@count.test` })
    const before = await list({}, { resellerId: reseller })
    expect(before.headers.get('pagination-count')).toBe('2')
    const removed = await t.request('DELETE', `${usersPath(reseller)}/${a.id}`, { token: t.cspToken })
    expect(removed.status).toBe(204)
    for (const query of [{}, { name: 'Ann' }]) {
      const response = await list(query, { resellerId: reseller })
      expect(response.headers.get('pagination-count')).toBe('1')
      expect(response.body).toHaveLength(1)
      expect(idsOf(response.body)).not.toContain(a.id)
    }
  })
})

describe('GET …/users: who may list', () => {
  it('lets a reseller token list its own reseller’s users, and only those', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:read'] })
    const response = await list({ limit: 100 }, { token })
    expect(response.status, response.text).toBe(200)
    expect(idsOf(response.body)).toEqual(idsOf([...users].sort(byCreation)))
  })

  it('answers 403 to a reseller token listing another reseller’s users', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:read'] })
    for (const rid of [strangerResellerId, randomUUID()]) {
      const response = await list({}, { resellerId: rid, token })
      expect(response.status, response.text).toBe(403)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
      expect(response.text).not.toContain(stranger.email)
    }
  })

  it('answers 403 to a token lacking reseller:user:read', async () => {
    const token = await t.tokenFor({
      scopes: ['reseller:read', 'reseller:user:create', 'reseller:user:update'],
    })
    const response = await list({}, { token })
    expect(response.status, response.text).toBe(403)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })

  it('answers 401 without a token', async () => {
    const response = await t.request('GET', usersPath())
    expect(response.status).toBe(401)
  })

  it('shows nothing of another tenant', async () => {
    const other = await t.createTenant(`${unique('tenant')}.example.com`)
    const response = await list({}, { token: other.token })
    expect([403, 404]).toContain(response.status)
    expect(response.text).not.toContain(users[0]?.email)
  })
})
