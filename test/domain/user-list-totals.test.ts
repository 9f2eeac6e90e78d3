// listUsers reads fewer rows than a plain list would (totals by complement or from the members of groups,
// deep pages from the far end, small groups from their members): each shape must answer exactly what the
// plain query answers, count(*) of the matching rows and ORDER BY … LIMIT … OFFSET, whatever the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Actor, systemActor } from '../../src/domain/actor.ts'
import { newId } from '../../src/domain/ids.ts'
import { deleteUser } from '../../src/domain/users/delete.ts'
import { listUsers, USER_FIELDS } from '../../src/domain/users/list.ts'
import type { Filter, ListQuery, SortKey } from '../../src/query/language.ts'
import { orderBy } from '../../src/query/order.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const USERS = 2600
let t: TestApp
let big: string
let small: string
let orgs: string[]
let groups: Record<string, string>
let midpoint: string
let actor: Actor

beforeAll(async () => {
  t = await startTestApp()
  actor = { ...systemActor(t.tenantId, newId()), type: 'client', id: 'totals-test' }
  big = (await t.createReseller()).id
  small = (await t.createReseller()).id
  orgs = []
  for (let i = 0; i < 3; i++) orgs.push((await t.createOrganization(big)).id)
  groups = Object.fromEntries(
    (
      await t.db.query<{ id: string; name: string }>('SELECT id, name FROM groups WHERE tenant_id = $1', [
        t.tenantId,
      ])
    ).rows.map((g) => [g.name, g.id]),
  )
  // Users in bulk (as the seed script does), one creation time each, 1 in 10 of the other reseller.
  await t.db.query(
    `INSERT INTO users (id, tenant_id, reseller_id, organization_id, first_name, last_name, email, role,
       created_at, updated_at)
     SELECT gen_random_uuid(), $1, CASE WHEN i % 10 = 0 THEN $3::uuid ELSE $2::uuid END,
       CASE WHEN i % 10 <> 0 AND i % 4 <> 0 THEN ($4::uuid[])[1 + i % 3] END,
       (ARRAY['Ann', 'Bob', 'Cléo', 'Dan', 'Eve', 'Zoë'])[1 + i % 6],
       CASE WHEN i % 7 = 0 THEN '' ELSE (ARRAY['Archer', 'Baker', 'Müller', 'Smith', 'Zed'])[1 + i % 5] END,
       (ARRAY['ann', 'bob', 'cleo', 'Dan', 'eve'])[1 + i % 5] || i || (ARRAY['@gmail.com', '@Acme.test'])[1 + i % 2],
       (ARRAY['user', 'user', 'user', 'reseller-admin', 'organization-admin'])[1 + i % 5],
       timestamptz '2026-01-01' + i * interval '1 hour' + (i % 3) * interval '1 microsecond',
       timestamptz '2026-01-01' + ((i * 7919) % $5) * interval '1 hour'
     FROM generate_series(1, $5) i`,
    [t.tenantId, big, small, orgs, USERS],
  )
  // Memberships: Viewer for 3 in 5 (over the 1000 a deep page needs), Team-like small groups for a few.
  await t.db.query(
    `INSERT INTO user_groups (tenant_id, user_id, group_id)
     SELECT u.tenant_id, u.id, g.id FROM users u JOIN groups g ON g.tenant_id = u.tenant_id
     WHERE u.tenant_id = $1 AND (
       (g.name = 'Viewer' AND abs(hashtext(u.email)) % 5 < 3)
       OR (g.name = 'Administrator' AND abs(hashtext(u.email)) % 40 = 0)
       OR (g.name = 'Alert Manager' AND abs(hashtext(u.email)) % 9 = 0))`,
    [t.tenantId],
  )
  await t.db.query(
    `UPDATE resellers r SET user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = r.tenant_id
       AND u.reseller_id = r.id AND u.deleted_at IS NULL) WHERE r.tenant_id = $1`,
    [t.tenantId],
  )
  await t.db.query(
    `UPDATE organizations o SET user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = o.tenant_id
       AND u.organization_id = o.id AND u.deleted_at IS NULL) WHERE o.tenant_id = $1`,
    [t.tenantId],
  )
  // Deleted users keep their memberships; the counts move with the service's own deletes.
  const { rows: doomed } = await t.db.query<{ id: string; reseller_id: string }>(
    `SELECT id, reseller_id FROM users WHERE tenant_id = $1 ORDER BY abs(hashtext(email)) % 40, email LIMIT 40`,
    [t.tenantId],
  )
  for (const user of doomed) await t.db.transaction((tx) => deleteUser(tx, actor, user.reseller_id, user.id))
  // What autovacuum would have done after a load.
  await t.db.query('ANALYZE users')
  await t.db.query('ANALYZE user_groups')
  const { rows } = await t.db.query<{ mid: string }>(
    `SELECT to_char((min(created_at) + (max(created_at) - min(created_at)) / 2) AT TIME ZONE 'UTC',
       'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS mid FROM users WHERE reseller_id = $1 AND deleted_at IS NULL`,
    [big],
  )
  midpoint = (rows[0] as { mid: string }).mid
})
afterAll(async () => {
  await t?.close()
})

/** The plain query: count(*) of the matching rows, and the page by ORDER BY … LIMIT … OFFSET. */
async function plain(
  resellerId: string | null,
  where: string,
  params: unknown[],
  sort: SortKey[],
  offset: number,
  limit: number,
) {
  const scope = `u.tenant_id = $1 AND u.deleted_at IS NULL${resellerId ? ' AND u.reseller_id = $2' : ''}`
  const all = [t.tenantId, ...(resellerId ? [resellerId] : []), ...params]
  const shift = (sql: string) => sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + (resellerId ? 2 : 1)}`)
  const order = orderBy(USER_FIELDS, sort, [{ field: 'createdAt', isDescending: false }], 'u.id')
  const count = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users u WHERE ${scope} AND (${shift(where)})`,
    all,
  )
  const page = await t.db.query<{ id: string }>(
    `SELECT u.id FROM users u WHERE ${scope} AND (${shift(where)}) ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
    all,
  )
  return { total: count.rows[0]?.n ?? 0, ids: page.rows.map((r) => r.id) }
}

/**
 * The list as listUsers answers it, the same whichever way a page of few matches is read: sorted from the
 * matches' ids (these fixtures' narrowed lists all have few) or by walking the sort's index (fewMatches 0).
 */
async function listed(scope: { resellerId: string | null; groupIds?: string[] }, query: Partial<ListQuery>) {
  const full: ListQuery = { filters: [], sort: [], search: null, offset: 0, limit: 10, ...query }
  const [byIds, byWalk] = await Promise.all([
    listUsers(t.db, actor, scope, full),
    listUsers(t.db, actor, scope, full, 0),
  ])
  const answer = (list: typeof byIds) => ({ total: list.total, ids: list.items.map((u) => u.id) })
  expect(answer(byWalk)).toEqual(answer(byIds))
  return answer(byIds)
}

/** Pages at the start, around the middle, at the end, past the end. */
const pagesOf = (total: number) =>
  [0, 1000, Math.floor(total / 2), total - 13, total - 5, total, total + 50].filter((offset) => offset >= 0)

describe('totals by complement and by range side are the plain count(*)', () => {
  const cases: { label: string; filters: () => Filter[]; where: () => [string, unknown[]] }[] = [
    {
      label: 'organizationId[ne] (users in no organization included)',
      filters: () => [{ field: 'organizationId', op: 'ne', value: orgs[0] as string }],
      where: () => ['u.organization_id IS DISTINCT FROM $1::uuid', [orgs[0]]],
    },
    {
      label: 'organizationId[nin]',
      filters: () => [{ field: 'organizationId', op: 'nin', value: `${orgs[0]},${orgs[1]}` }],
      where: () => ['u.organization_id IS NULL OR u.organization_id <> ALL($1::uuid[])', [orgs.slice(0, 2)]],
    },
    {
      label: 'role=user, most users (the other roles are counted)',
      filters: () => [{ field: 'role', op: 'eq', value: 'user' }],
      where: () => ["u.role = 'user'", []],
    },
    {
      label: 'role=organization-admin, few users',
      filters: () => [{ field: 'role', op: 'eq', value: 'organization-admin' }],
      where: () => ["u.role = 'organization-admin'", []],
    },
    {
      label: 'role=a role nobody has, and one that does not exist',
      filters: () => [{ field: 'role', op: 'in', value: 'billing-nobody, no-such-role' }],
      where: () => ['false', []],
    },
    {
      label: 'role[in]',
      filters: () => [{ field: 'role', op: 'in', value: 'user,reseller-admin' }],
      where: () => ["u.role IN ('user', 'reseller-admin')", []],
    },
    {
      label: 'role[ne]',
      filters: () => [{ field: 'role', op: 'ne', value: 'user' }],
      where: () => ["u.role <> 'user'", []],
    },
    {
      label: 'role[nin]',
      filters: () => [{ field: 'role', op: 'nin', value: 'user,reseller-admin' }],
      where: () => ["u.role NOT IN ('user', 'reseller-admin')", []],
    },
    {
      label: 'role[sw], role[ew], role[cn] through the roles',
      filters: () => [{ field: 'role', op: 'cn', value: 'ADMIN' }],
      where: () => ["u.role ILIKE '%admin%'", []],
    },
    {
      label: 'role[nc] through the roles',
      filters: () => [{ field: 'role', op: 'nc', value: 'Reseller' }],
      where: () => ["u.role NOT ILIKE '%reseller%'", []],
    },
    {
      label: 'role[sw]',
      filters: () => [{ field: 'role', op: 'sw', value: 'us' }],
      where: () => ["u.role ILIKE 'us%'", []],
    },
    {
      label: 'role[ew] (a literal _)',
      filters: () => [{ field: 'role', op: 'ew', value: '_admin' }],
      where: () => ["u.role ILIKE '%\\_admin'", []],
    },
    {
      label: 'name[nc]',
      filters: () => [{ field: 'name', op: 'nc', value: 'müller' }],
      where: () => ["u.name NOT ILIKE '%müller%'", []],
    },
    {
      label: 'email[nc]',
      filters: () => [{ field: 'email', op: 'nc', value: 'GMAIL' }],
      where: () => ["u.email NOT ILIKE '%gmail%'", []],
    },
    {
      label: 'email[ne] (caseless)',
      filters: () => [{ field: 'email', op: 'ne', value: 'BOB1@acme.TEST' }],
      where: () => ["lower(u.email) <> 'bob1@acme.test'", []],
    },
    {
      label: 'createdAt[ne]',
      filters: () => [{ field: 'createdAt', op: 'ne', value: '2026-01-02T03:00:00.000Z' }],
      where: () => [
        "u.created_at < '2026-01-02T03:00:00Z' OR u.created_at >= '2026-01-02T03:00:00.001Z'",
        [],
      ],
    },
    {
      label: 'createdAt[gt] before the midpoint (the complement is counted)',
      filters: () => [{ field: 'createdAt', op: 'gt', value: '2026-01-20T00:00:00.000Z' }],
      where: () => ["u.created_at >= '2026-01-20T00:00:00.001Z'", []],
    },
    {
      label: 'createdAt[lte] before the midpoint (the range is counted)',
      filters: () => [{ field: 'createdAt', op: 'lte', value: '2026-01-20T00:00:00.000Z' }],
      where: () => ["u.created_at < '2026-01-20T00:00:00.001Z'", []],
    },
    {
      label: 'createdAt[gte] at the midpoint',
      filters: () => [{ field: 'createdAt', op: 'gte', value: midpoint }],
      where: () => ['u.created_at >= $1::timestamptz', [midpoint]],
    },
    {
      label: 'updatedAt[lt] after the midpoint',
      filters: () => [{ field: 'updatedAt', op: 'lt', value: '2026-04-01T00:00:00.000Z' }],
      where: () => ["u.updated_at < '2026-04-01T00:00:00Z'", []],
    },
    {
      label: 'two filters (a plain count)',
      filters: () => [
        { field: 'role', op: 'ne', value: 'user' },
        { field: 'name', op: 'nc', value: 'smith' },
      ],
      where: () => ["u.role <> 'user' AND u.name NOT ILIKE '%smith%'", []],
    },
  ]
  for (const c of cases) {
    it(c.label, async () => {
      const [where, params] = c.where()
      for (const resellerId of [big, small]) {
        const sort: SortKey[] = [{ field: 'name', isDescending: true }]
        const first = await plain(resellerId, where, params, sort, 0, 10)
        expect(await listed({ resellerId }, { filters: c.filters(), sort })).toEqual(first)
        for (const offset of pagesOf(first.total)) {
          const expected = await plain(resellerId, where, params, sort, offset, 10)
          expect(
            await listed({ resellerId }, { filters: c.filters(), sort, offset }),
            `offset ${offset}`,
          ).toEqual(expected)
        }
      }
    })
  }
})

describe('deep pages are read from the nearer end, in the same order', () => {
  const sorts: SortKey[][] = [
    [],
    [{ field: 'createdAt', isDescending: true }],
    [{ field: 'email', isDescending: false }],
    [{ field: 'email', isDescending: true }],
    [{ field: 'name', isDescending: false }],
    [{ field: 'role', isDescending: true }],
    [
      { field: 'role', isDescending: false },
      { field: 'updatedAt', isDescending: true },
    ],
    [
      { field: 'role', isDescending: false },
      { field: 'name', isDescending: true },
    ],
  ]
  for (const sort of sorts) {
    it(`sort ${sort.map((k) => `${k.isDescending ? '-' : ''}${k.field}`).join(',') || '(default)'}`, async () => {
      const { total } = await plain(big, 'true', [], sort, 0, 1)
      for (const offset of pagesOf(total)) {
        for (const limit of [1, 10, 100]) {
          const expected = await plain(big, 'true', [], sort, offset, limit)
          expect(await listed({ resellerId: big }, { sort, offset, limit }), `${offset}+${limit}`).toEqual(
            expected,
          )
        }
      }
    })
  }

  it('a search, past the end and deep', async () => {
    const sort: SortKey[] = [{ field: 'email', isDescending: true }]
    const where = "u.name ILIKE '%a%' OR u.email ILIKE '%a%'"
    const { total } = await plain(big, where, [], sort, 0, 1)
    expect(total).toBeGreaterThan(1000)
    for (const offset of pagesOf(total)) {
      const expected = await plain(big, where, [], sort, offset, 25)
      expect(await listed({ resellerId: big }, { search: 'A', sort, offset, limit: 25 })).toEqual(expected)
    }
  })
})

describe('a whole tenant in groups (v1)', () => {
  const membersOf = (names: string[]) =>
    `EXISTS (SELECT 1 FROM user_groups ug WHERE ug.tenant_id = u.tenant_id AND ug.user_id = u.id
       AND ug.group_id = ANY($1::uuid[]))`.replace('$1', `'{${names.map((n) => groups[n]).join(',')}}'`)

  for (const names of [
    ['Viewer'],
    ['Administrator'],
    ['Alert Manager', 'Administrator'],
    ['Viewer', 'Viewer'],
  ]) {
    it(`${names.join(' + ')}: total by memberships, deleted members left out, every page`, async () => {
      const groupIds = names.map((n) => groups[n] as string)
      const sort: SortKey[] = [{ field: 'name', isDescending: false }]
      const { total } = await plain(null, membersOf(names), [], sort, 0, 1)
      const deletedMembers = await t.count(
        'users u',
        `u.tenant_id = $1 AND u.deleted_at IS NOT NULL AND ${membersOf(names)}`,
        [t.tenantId],
      )
      expect(deletedMembers).toBeGreaterThan(0)
      for (const offset of pagesOf(total)) {
        const expected = await plain(null, membersOf(names), [], sort, offset, 25)
        expect(
          await listed({ resellerId: null, groupIds }, { sort, offset, limit: 25 }),
          `${offset}`,
        ).toEqual(expected)
      }
    })
  }

  it('a reseller’s users in a group: the plain count', async () => {
    const sort: SortKey[] = [{ field: 'email', isDescending: true }]
    const scope = { resellerId: big, groupIds: [groups.Viewer as string] }
    for (const offset of [0, 1000, 1400]) {
      const expected = await plain(big, membersOf(['Viewer']), [], sort, offset, 25)
      expect(await listed(scope, { sort, offset, limit: 25 })).toEqual(expected)
    }
  })
})
