// Concurrent creates: allowedUsers and email uniqueness must hold when requests race each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const body = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Racer',
  lastName: 'Car',
  email: `${unique('racer')}@example.com`,
  role: 'user',
  allowCustomerPortalAccess: false,
  password: 'racing-password',
  ...overrides,
})

/** Fires every body at once and tallies the statuses. */
async function race(resellerId: string, bodies: Record<string, unknown>[]) {
  const responses = await Promise.all(
    bodies.map((b) => t.request('POST', `/v3/resellers/${resellerId}/users`, { token: t.cspToken, body: b })),
  )
  const statuses: Record<number, number> = {}
  for (const response of responses) statuses[response.status] = (statuses[response.status] ?? 0) + 1
  return { responses, statuses }
}

async function userCount(table: 'resellers' | 'organizations', id: string): Promise<number> {
  const { rows } = await t.db.query<{ user_count: number }>(`SELECT user_count FROM ${table} WHERE id = $1`, [
    id,
  ])
  return rows[0]?.user_count ?? -1
}

describe('concurrent creates', () => {
  it('lets exactly allowedUsers of 12 concurrent creates win the reseller’s last slots; the rest get 422', async () => {
    const allowed = 3
    const reseller = await t.createReseller({ allowedUsers: allowed })
    const { responses, statuses } = await race(
      reseller.id,
      Array.from({ length: 12 }, () => body()),
    )
    expect(statuses).toEqual({ 201: allowed, 422: 12 - allowed })
    for (const r of responses.filter((r) => r.status === 422))
      expect((r.body as { code: string }).code).toBe('USER_LIMIT_REACHED')
    expect(await t.count('users', 'reseller_id = $1', [reseller.id])).toBe(allowed)
    expect(await userCount('resellers', reseller.id)).toBe(allowed)
    expect(
      await t.count('audit_events', "reseller_id = $1 AND action = 'reseller.user.created'", [reseller.id]),
    ).toBe(allowed)
    expect(
      await t.count('outbox_events', "reseller_id = $1 AND event = 'reseller.user.created'", [reseller.id]),
    ).toBe(allowed)
  })

  it('lets exactly allowedUsers of 12 concurrent creates win the organization’s last slots; the rest get 422', async () => {
    const allowed = 3
    const reseller = await t.createReseller({ allowedUsers: -1 })
    const org = await t.createOrganization(reseller.id, { allowedUsers: allowed })
    const { statuses } = await race(
      reseller.id,
      Array.from({ length: 12 }, () => body({ organizationId: org.id })),
    )
    expect(statuses).toEqual({ 201: allowed, 422: 12 - allowed })
    expect(await t.count('users', 'organization_id = $1', [org.id])).toBe(allowed)
    expect(await t.count('users', 'reseller_id = $1', [reseller.id])).toBe(allowed)
    expect(await userCount('organizations', org.id)).toBe(allowed)
    // The losers took a reseller slot before the organization refused them; it was given back.
    expect(await userCount('resellers', reseller.id)).toBe(allowed)
  })

  it('lets exactly one of 10 concurrent creates of the same email win; the others get 409', async () => {
    const reseller = await t.createReseller({ allowedUsers: -1 })
    const email = `${unique('same')}@example.com`
    const { responses, statuses } = await race(
      reseller.id,
      Array.from({ length: 10 }, () => body({ email })),
    )
    expect(statuses).toEqual({ 201: 1, 409: 9 })
    for (const r of responses.filter((r) => r.status === 409))
      expect((r.body as { code: string }).code).toBe('DUPLICATE_FIELD_VALUE')
    expect(await t.count('users', 'lower(email) = lower($1)', [email])).toBe(1)
    expect(await userCount('resellers', reseller.id)).toBe(1)
    expect(
      await t.count('outbox_events', "reseller_id = $1 AND event = 'reseller.user.created'", [reseller.id]),
    ).toBe(1)
  })

  it('lets exactly one of 10 concurrent creates of one email in different cases, across two resellers, win', async () => {
    const a = await t.createReseller()
    const b = await t.createReseller()
    const local = unique('mixed')
    const emails = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? `${local}@example.com` : `${local.toUpperCase()}@Example.COM`,
    )
    const responses = await Promise.all(
      emails.map((email, i) =>
        t.request('POST', `/v3/resellers/${i % 2 === 0 ? a.id : b.id}/users`, {
          token: t.cspToken,
          body: body({ email }),
        }),
      ),
    )
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, ...Array(9).fill(409)])
    expect(await t.count('users', 'lower(email) = lower($1)', [`${local}@example.com`])).toBe(1)
    expect((await userCount('resellers', a.id)) + (await userCount('resellers', b.id))).toBe(1)
  })
})
