// GET /v1/users?groups=…, paged to the end: a group's members are read from the memberships' own copy of each
// member's sort keys (migration 0005), so paging must see every live member exactly once, in the order the
// users themselves give, in both sorts and both directions, for every scope, and after every kind of change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { groupsByName } from './v1-helpers.ts'

interface Page {
  items: { id: string; firstName: string; lastName: string; email: string; groups: { id: string }[] }[]
  totalPages: number
  totalCount: number
  hasPreviousPage: boolean
  hasNextPage: boolean
}

/** More members than the offset from which a page is read from the nearer end (DEEP_OFFSET, 1000). */
const A_USERS = 1200
const B_USERS = 150

let t: TestApp
let groups: Record<string, string>
let viewer: string
let admin: string
let resellerA: string
let resellerB: string
let tokenB: string

beforeAll(async () => {
  t = await startTestApp()
  groups = await groupsByName(t)
  viewer = groups.Viewer as string
  admin = groups.Administrator as string
  resellerA = (await t.createReseller()).id
  resellerB = (await t.createReseller()).id
  tokenB = await t.tokenFor({ role: 'reseller', resellerId: resellerB })
  // Users in bulk, as the seed script loads them: few distinct names (many ties, broken by the id), some
  // without a last name, emails in mixed case. The memberships get their copies from the trigger.
  await t.db.query(
    `INSERT INTO users (id, tenant_id, reseller_id, first_name, last_name, email, role, created_at, updated_at)
     SELECT gen_random_uuid(), $1, CASE WHEN i <= $4::int THEN $2::uuid ELSE $3::uuid END,
       (ARRAY['Ann', 'bob', 'Cléo', 'Dan', 'Zoë', 'Ann Lee'])[1 + i % 6],
       CASE WHEN i % 5 = 0 THEN '' ELSE (ARRAY['Lee', 'Müller', 'smith', 'Archer'])[1 + i % 4] END,
       (ARRAY['ann', 'Bob', 'CLEO', 'dan.', 'zoe_'])[1 + i % 5] || i || '@Paging.example',
       'user', now(), now()
     FROM generate_series(1, $4::int + $5::int) i`,
    [t.tenantId, resellerA, resellerB, A_USERS, B_USERS],
  )
  await t.db.query(
    `INSERT INTO user_groups (tenant_id, user_id, group_id)
     SELECT u.tenant_id, u.id, g.id FROM users u JOIN groups g ON g.tenant_id = u.tenant_id
     WHERE u.tenant_id = $1 AND ((g.name = 'Viewer' AND abs(hashtext(u.email)) % 10 < 9)
       OR (g.name = 'Administrator' AND abs(hashtext(u.email)) % 10 = 0))`,
    [t.tenantId],
  )
  await t.db.query(
    `UPDATE resellers r SET user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = r.tenant_id
       AND u.reseller_id = r.id AND u.deleted_at IS NULL) WHERE r.tenant_id = $1`,
    [t.tenantId],
  )
  await t.db.query('ANALYZE user_groups')
})
afterAll(async () => {
  await t?.close()
})

type Sort = 'Name' | 'Email'
interface Scope {
  label: string
  /** The resellerId query parameter, if any. */
  resellerId?: () => string
  /** Whose users the scope holds (a reseller token's, or resellerId's). */
  onlyOf?: () => string
  token?: () => string
}
const WHOLE_TENANT: Scope = { label: 'a csp token, the whole tenant' }
const RESELLER_A: Scope = {
  label: 'a csp token with resellerId',
  resellerId: () => resellerA,
  onlyOf: () => resellerA,
}
const TOKEN_OF_B: Scope = { label: 'a reseller token', onlyOf: () => resellerB, token: () => tokenB }
const SCOPES = [WHOLE_TENANT, RESELLER_A, TOKEN_OF_B]
const ORDERS: [Sort, boolean][] = [
  ['Name', true],
  ['Name', false],
  ['Email', true],
  ['Email', false],
]

/** Every page of the list, in order: the ids, after checking each page's envelope against the first. */
async function pageThrough(
  groupIds: string[],
  sort: Sort,
  ascending: boolean,
  pageSize: number,
  scope: Scope = WHOLE_TENANT,
): Promise<string[]> {
  const ids: string[] = []
  let totalCount = -1
  for (let pageNumber = 1; ; pageNumber++) {
    const query = [
      ...groupIds.map((id) => `groups=${id}`),
      `sortPropertyName=${sort}`,
      `ascending=${ascending}`,
      `pageSize=${pageSize}`,
      `pageNumber=${pageNumber}`,
      ...(scope.resellerId ? [`resellerId=${scope.resellerId()}`] : []),
    ].join('&')
    const response = await t.v1<Page>('GET', `/v1/users?${query}`, {
      token: scope.token?.() ?? t.cspToken,
    })
    expect(response.status, response.text).toBe(200)
    const page = response.body
    if (totalCount === -1) totalCount = page.totalCount
    expect(page.totalCount, `page ${pageNumber}`).toBe(totalCount)
    expect(page.totalPages).toBe(Math.ceil(totalCount / pageSize))
    expect(page.hasPreviousPage).toBe(pageNumber > 1)
    ids.push(...page.items.map((item) => item.id))
    if (!page.hasNextPage) {
      expect(page.items.length, `last page ${pageNumber}`).toBe(totalCount - (pageNumber - 1) * pageSize)
      break
    }
    expect(page.items, `page ${pageNumber}`).toHaveLength(pageSize)
  }
  expect(ids).toHaveLength(totalCount)
  return ids
}

/** The same list from the users table itself: the live members, ordered as the v1 sort orders users. */
async function expected(
  groupIds: string[],
  sort: Sort,
  ascending: boolean,
  scope: Scope = WHOLE_TENANT,
): Promise<string[]> {
  const direction = ascending ? 'ASC' : 'DESC'
  const key = sort === 'Name' ? 'u.name' : 'lower(u.email)'
  const params: unknown[] = [t.tenantId, groupIds]
  if (scope.onlyOf) params.push(scope.onlyOf())
  const { rows } = await t.db.query<{ id: string }>(
    `SELECT u.id FROM users u
     WHERE u.tenant_id = $1 AND u.deleted_at IS NULL ${scope.onlyOf ? 'AND u.reseller_id = $3' : ''}
       AND EXISTS (SELECT 1 FROM user_groups ug WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id
         AND ug.group_id = ANY($2::uuid[]))
     ORDER BY ${key} ${direction}, u.id ${direction}`,
    params,
  )
  return rows.map((row) => row.id)
}

/** Memberships whose copy of their user (0005) differs from the user. */
async function staleCopies(): Promise<number> {
  return t.count(
    'user_groups ug JOIN users u ON u.tenant_id = ug.tenant_id AND u.id = ug.user_id',
    `ug.reseller_id <> u.reseller_id OR ug.user_name <> u.name OR ug.user_lower_email <> lower(u.email)
       OR ug.is_user_deleted <> (u.deleted_at IS NOT NULL)`,
  )
}

/** A live user of the tenant by id, with the v1 body that keeps it as it is. */
async function userOf(id: string) {
  const { rows } = await t.db.query<{
    first_name: string
    last_name: string
    email: string
    reseller_id: string
    groups: string[]
  }>(
    `SELECT u.first_name, u.last_name, u.email, u.reseller_id,
       ARRAY(SELECT ug.group_id::text FROM user_groups ug WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id)
         AS groups
     FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
    [t.tenantId, id],
  )
  const user = rows[0]
  if (!user) throw new Error(`no user ${id}`)
  return user
}

/** PATCH /v1/users/{email}: the create body, with the given fields changed. */
async function patch(id: string, changes: { firstName?: string; email?: string; groups?: string[] }) {
  const user = await userOf(id)
  const response = await t.v1('PATCH', `/v1/users/${encodeURIComponent(user.email)}`, {
    token: t.cspToken,
    body: {
      firstName: changes.firstName ?? user.first_name,
      lastName: user.last_name,
      email: changes.email ?? user.email,
      role: {},
      groups: (changes.groups ?? user.groups).map((groupId) => ({ id: groupId })),
    },
  })
  expect(response.status, response.text).toBe(204)
}

describe('GET /v1/users?groups=…: paging through a group', () => {
  it('starts from memberships whose copies match their users', async () => {
    expect(
      await t.count('user_groups', 'tenant_id = $1 AND group_id = $2', [t.tenantId, viewer]),
    ).toBeGreaterThan(1000)
    expect(await staleCopies()).toBe(0)
  })

  for (const scope of SCOPES)
    it.each(ORDERS)(
      `gives ${scope.label} every member once, in order, sorted by %s (ascending=%s)`,
      async (sort, ascending) => {
        const want = await expected([viewer], sort, ascending, scope)
        expect(want.length).toBeGreaterThan(scope.onlyOf?.() === resellerB ? 50 : 1000)
        expect(await pageThrough([viewer], sort, ascending, 97, scope)).toEqual(want)
      },
    )

  it.each(ORDERS)(
    'reads pages past the 1000th member from the nearer end, sorted by %s (ascending=%s)',
    async (sort, ascending) => {
      expect(await pageThrough([viewer], sort, ascending, 400)).toEqual(
        await expected([viewer], sort, ascending),
      )
    },
  )

  it('breaks ties of one name by the id, so that no page repeats or skips one of them', async () => {
    const want = await expected([viewer], 'Name', true)
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM users WHERE tenant_id = $1 GROUP BY name) x`,
      [t.tenantId],
    )
    expect(rows[0]?.n).toBeGreaterThan(50)
    const ids = await pageThrough([viewer], 'Name', true, 7)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(want)
  })

  it('lists the members of several groups once each, in order, in every scope', async () => {
    for (const scope of SCOPES) {
      for (const [sort, ascending] of ORDERS) {
        const want = await expected([viewer, admin], sort, ascending, scope)
        const ids = await pageThrough([viewer, admin], sort, ascending, 300, scope)
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids, `${scope.label}, ${sort} ${ascending}`).toEqual(want)
      }
    }
  })

  it("shows a reseller token only its own reseller's members, and a csp token one reseller's with resellerId", async () => {
    const ofB = new Set(
      (
        await t.db.query<{ id: string }>('SELECT id FROM users WHERE tenant_id = $1 AND reseller_id = $2', [
          t.tenantId,
          resellerB,
        ])
      ).rows.map((row) => row.id),
    )
    const seenByB = await pageThrough([viewer], 'Email', false, 40, TOKEN_OF_B)
    expect(seenByB.length).toBeGreaterThan(0)
    expect(seenByB.every((id) => ofB.has(id))).toBe(true)
    const seenForA = await pageThrough([viewer], 'Name', true, 500, RESELLER_A)
    expect(seenForA.some((id) => ofB.has(id))).toBe(false)
  })
})

describe('GET /v1/users?groups=…: paging after changes to the members', () => {
  let renamed: string
  let emailChanged: string
  let deleted: string
  let added: string
  let removed: string
  let created: string
  let renamedInV3: string
  let emailChangedInV3: string

  beforeAll(async () => {
    // The v1 body needs a last name: the users changed through it have one.
    const withLastName = new Set(
      (
        await t.db.query<{ id: string }>("SELECT id FROM users WHERE tenant_id = $1 AND last_name <> ''", [
          t.tenantId,
        ])
      ).rows.map((row) => row.id),
    )
    const members = (await expected([viewer], 'Name', true)).filter((id) => withLastName.has(id))
    const nonMembers = (
      await t.db.query<{ id: string }>(
        `SELECT u.id FROM users u WHERE u.tenant_id = $1 AND u.reseller_id = $2 AND u.last_name <> ''
           AND NOT EXISTS (SELECT 1 FROM user_groups ug WHERE ug.user_id = u.id AND ug.group_id = $3)
         ORDER BY u.id LIMIT 1`,
        [t.tenantId, resellerA, viewer],
      )
    ).rows.map((row) => row.id)
    const pick = (index: number) => members[index] as string
    // Through v1 (which replaces the groups as well): a member from the start of the name order goes to its
    // end, one from the middle changes its email (its case too), one is deleted, one leaves the group, a
    // non-member joins it, a new user joins it. Through v3 (which leaves the groups alone), a member from
    // the end of the name order goes to its start, and one from the middle of the email order to its end.
    renamed = pick(0)
    emailChanged = pick(Math.floor(members.length / 2))
    deleted = pick(10)
    removed = pick(members.length - 3)
    added = nonMembers[0] as string
    renamedInV3 = pick(members.length - 10)
    emailChangedInV3 = pick(Math.floor(members.length / 3))
    await patch(renamed, { firstName: 'zzz Renamed' })
    await patch(emailChanged, { email: 'AAA.First@Paging.example' })
    const doomed = await userOf(deleted)
    const gone = await t.v1('DELETE', `/v1/users/${encodeURIComponent(doomed.email)}`, { token: t.cspToken })
    expect(gone.status, gone.text).toBe(204)
    await patch(removed, { groups: [admin] })
    await patch(added, { groups: [admin, viewer] })
    const response = await t.v1<string>('POST', `/v1/reseller/${resellerB}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'Aaa',
        lastName: 'New',
        email: 'aaa.new@paging.example',
        role: {},
        groups: [{ id: viewer }],
      },
    })
    expect(response.status, response.text).toBe(201)
    created = response.body
    const v3 = async (id: string, body: Record<string, unknown>) => {
      const path = `/v3/resellers/${(await userOf(id)).reseller_id}/users/${id}`
      const response = await t.request('PATCH', path, { token: t.cspToken, body })
      expect(response.status, response.text).toBe(200)
    }
    await v3(renamedInV3, { firstName: 'Aaa Renamed', lastName: null })
    await v3(emailChangedInV3, { email: 'zzz.last@paging.example' })
  })

  it('keeps every membership’s copy equal to its user', async () => {
    expect(await staleCopies()).toBe(0)
  })

  for (const scope of SCOPES)
    it.each(ORDERS)(
      `gives ${scope.label} every live member once, in the new order, sorted by %s (ascending=%s)`,
      async (sort, ascending) => {
        const want = await expected([viewer], sort, ascending, scope)
        const ids = await pageThrough([viewer], sort, ascending, 97, scope)
        expect(ids).toEqual(want)
        expect(ids).not.toContain(deleted)
        expect(ids).not.toContain(removed)
        if (!scope.onlyOf || scope.onlyOf() === resellerA) expect(ids).toContain(added)
        if (!scope.onlyOf || scope.onlyOf() === resellerB) expect(ids).toContain(created)
      },
    )

  it('puts a renamed member and one whose email changed where their new keys sort', async () => {
    const byName = await pageThrough([viewer], 'Name', true, 250)
    // 'Aaa New', 'Aaa Renamed' first, 'zzz Renamed …' last, in any collation.
    expect(byName.slice(0, 2)).toEqual([created, renamedInV3])
    expect(byName[byName.length - 1]).toBe(renamed)
    const byEmail = await pageThrough([viewer], 'Email', true, 250)
    expect(byEmail.slice(0, 2)).toEqual([emailChanged, created])
    expect(byEmail[byEmail.length - 1]).toBe(emailChangedInV3)
    const byEmailDescending = await pageThrough([viewer], 'Email', false, 250)
    expect(byEmailDescending[0]).toBe(emailChangedInV3)
    expect(byEmailDescending.slice(-2)).toEqual([created, emailChanged])
  })

  it('counts the group without its deleted and removed members', async () => {
    const response = await t.v1<Page>('GET', `/v1/users?groups=${viewer}&pageSize=1`, { token: t.cspToken })
    expect(response.body.totalCount).toBe((await expected([viewer], 'Name', true)).length)
    const forB = await t.v1<Page>('GET', `/v1/users?groups=${viewer}&pageSize=1`, { token: tokenB })
    expect(forB.body.totalCount).toBe((await expected([viewer], 'Name', true, TOKEN_OF_B)).length)
  })
})
