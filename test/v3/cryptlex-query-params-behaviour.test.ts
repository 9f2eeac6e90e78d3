// The query parameters Cryptlex documents that we added, over real HTTP: each matches, misses, and refuses a bad
// value with a 400 {message, code} (never a 5xx).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../src/domain/ids.ts'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let reseller: Json
let other: Json
let alice: Json
let bob: Json

const get = (path: string) => t.request('GET', path, { token: t.cspToken })
const ids = (body: Json) => (body as { id: string }[]).map((item) => item.id)

function expectRefused(response: { status: number; body: Json; text: string }) {
  expect(response.status, response.text).toBe(400)
  expect(typeof response.body.message).toBe('string')
  expect(typeof response.body.code).toBe('string')
}

async function createUser(email: string): Promise<Json> {
  const response = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
    token: t.cspToken,
    body: {
      email,
      firstName: 'F',
      password: 'password-1234',
      role: 'user',
      allowCustomerPortalAccess: false,
    },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

/** An event a user did (sign-in will write these; none does yet). */
async function userEvent(userId: string, action: string, resourceId: string) {
  await t.db.query(
    `INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
       reseller_id, actor_type, actor_id)
     VALUES ($1, $2, now(), $3, $4, 'reseller.user', $5, $6, 'user', $7)`,
    [newId(), t.tenantId, `corr-${resourceId}`, action, resourceId, reseller.id, userId],
  )
}

beforeAll(async () => {
  t = await startTestApp()
  reseller = await t.createReseller({ name: unique('Params') })
  other = await t.createReseller({ name: unique('Other') })
  alice = await createUser(`${unique('alice')}@example.com`)
  bob = await createUser(`${unique('bob')}@example.com`)
  await userEvent(alice.id, 'reseller.user.updated', 'alice-marker-resource')
  await userEvent(bob.id, 'reseller.user.updated', 'bob-marker-resource')
})
afterAll(async () => {
  await t?.close()
})

describe('event logs: userId, user.email, actorEmail, search', () => {
  it('userId selects the events a user did', async () => {
    const response = await get(`/v3/event-logs?userId=${alice.id}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.map((e: Json) => e.resourceId)).toEqual(['alice-marker-resource'])
    expect(response.headers.get('pagination-count')).toBe('1')
    const none = await get(`/v3/event-logs?userId[eq]=${randomUUID()}`)
    expect(none.body).toEqual([])
    // A client's event is no user's: ne keeps it.
    const notAlice = await get(`/v3/event-logs?userId[ne]=${alice.id}&limit=100`)
    expect(notAlice.body.map((e: Json) => e.resourceId)).not.toContain('alice-marker-resource')
    expect(notAlice.body.map((e: Json) => e.resourceId)).toContain(reseller.id)
    // Not a UUID: no user has it.
    expect((await get('/v3/event-logs?userId=nope')).body).toEqual([])
    expectRefused(await get(`/v3/event-logs?userId[cn]=${alice.id}`))
  })

  it('actorEmail and user.email select the events of the users whose email matches', async () => {
    for (const name of ['actorEmail', 'user.email']) {
      const eq = await get(`/v3/event-logs?${name}=${encodeURIComponent(alice.email)}`)
      expect(eq.status, eq.text).toBe(200)
      expect(eq.body.map((e: Json) => e.resourceId)).toEqual(['alice-marker-resource'])
      const pattern = await get(`/v3/event-logs?${name}[sw]=${encodeURIComponent(bob.email.slice(0, 6))}`)
      expect(pattern.body.map((e: Json) => e.resourceId)).toEqual(['bob-marker-resource'])
      const both = await get(`/v3/event-logs?${name}[ew]=example.com`)
      expect(both.body.map((e: Json) => e.resourceId).sort()).toEqual([
        'alice-marker-resource',
        'bob-marker-resource',
      ])
      const nobody = await get(`/v3/event-logs?${name}[eq]=nobody@example.com`)
      expect(nobody.body).toEqual([])
      const notAlice = await get(`/v3/event-logs?${name}[ne]=${encodeURIComponent(alice.email)}&limit=100`)
      const kept = notAlice.body.map((e: Json) => e.resourceId)
      expect(kept).toContain('bob-marker-resource')
      expect(kept).toContain(reseller.id)
      expect(kept).not.toContain('alice-marker-resource')
      expectRefused(await get(`/v3/event-logs?${name}[gt]=x`))
    }
  })

  it('search looks in the action, resource, resource id and correlation id, caseless', async () => {
    const byResource = await get('/v3/event-logs?search=ALICE-MARKER')
    expect(byResource.status, byResource.text).toBe(200)
    expect(byResource.body.map((e: Json) => e.resourceId)).toEqual(['alice-marker-resource'])
    expect(byResource.headers.get('pagination-count')).toBe('1')
    const byAction = await get('/v3/event-logs?search=user.updated&limit=100')
    expect(byAction.body.length).toBe(2)
    expect((await get('/v3/event-logs?search=no-such-thing-anywhere')).body).toEqual([])
    // % and _ are literal.
    expect((await get('/v3/event-logs?search=%25')).body).toEqual([])
    expectRefused(await get(`/v3/event-logs?search=${'x'.repeat(257)}`))
  })

  it('the export takes them too', async () => {
    const response = await get(`/v3/event-logs/export?userId=${bob.id}&search=marker`)
    expect(response.status, response.text).toBe(200)
    expect(response.text).toContain('bob-marker-resource')
    expect(response.text).not.toContain('alice-marker-resource')
    const byEmail = await get(`/v3/event-logs/export?actorEmail=${encodeURIComponent(alice.email)}`)
    expect(byEmail.text).toContain('alice-marker-resource')
    expect(byEmail.text).not.toContain('bob-marker-resource')
    expectRefused(await get('/v3/event-logs/export?userId[gt]=x'))
  })
})

describe('organizations: resellerId', () => {
  it("keeps the path's reseller's organizations; another reseller's id lists none", async () => {
    const organization = await t.createOrganization(reseller.id)
    const path = `/v3/resellers/${reseller.id}/organizations`
    const mine = await get(`${path}?resellerId[eq]=${reseller.id}`)
    expect(mine.status, mine.text).toBe(200)
    expect(ids(mine.body)).toEqual([organization.id])
    const theirs = await get(`${path}?resellerId[eq]=${other.id}`)
    expect(theirs.body).toEqual([])
    expect(theirs.headers.get('pagination-count')).toBe('0')
    expect(ids((await get(`${path}?resellerId[ne]=${other.id}`)).body)).toEqual([organization.id])
    expect((await get(`${path}?resellerId=not-a-uuid`)).body).toEqual([])
    expectRefused(await get(`${path}?resellerId[cn]=x`))
  })
})

describe('users: lastSeenAt, productId; the export: page, limit, sort', () => {
  const path = () => `/v3/resellers/${reseller.id}/users`

  it('lastSeenAt filters on the last sign-in; never signed in is none', async () => {
    await t.db.query(`UPDATE users SET last_login_at = '2024-05-01T10:00:00Z' WHERE id = $1`, [alice.id])
    const after = await get(`${path()}?lastSeenAt[gt]=2024-04-30T00:00:00Z`)
    expect(after.status, after.text).toBe(200)
    expect(ids(after.body)).toEqual([alice.id])
    expect(after.body[0].lastLoginAt).toBe('2024-05-01T10:00:00.000Z')
    expect((await get(`${path()}?lastSeenAt[lt]=2024-04-30T00:00:00Z`)).body).toEqual([])
    // A user who never signed in has no date: no operator matches it (as a date's ne leaves NULLs out).
    expect((await get(`${path()}?lastSeenAt[ne]=2024-05-01T10:00:00Z`)).body).toEqual([])
    expect(ids((await get(`${path()}?lastSeenAt[ne]=2024-05-02T10:00:00Z`)).body)).toEqual([alice.id])
    expectRefused(await get(`${path()}?lastSeenAt[gt]=yesterday`))
    expectRefused(await get(`${path()}?lastSeenAt[cn]=2024`))
  })

  it('productId: no user holds a product', async () => {
    const none = await get(`${path()}?productId=${randomUUID()}`)
    expect(none.status, none.text).toBe(200)
    expect(none.body).toEqual([])
    expect(none.headers.get('pagination-count')).toBe('0')
    expect((await get(`${path()}?productId=any-product`)).body).toEqual([])
    expect(ids((await get(`${path()}?productId[ne]=${randomUUID()}`)).body).sort()).toEqual(
      [alice.id, bob.id].sort(),
    )
    expectRefused(await get(`${path()}?productId[gt]=x`))
  })

  const exported = async (query: string) => {
    const response = await get(`${path()}/export?${query}`)
    expect(response.status, response.text).toBe(200)
    return response.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[0])
  }

  it('the export sorts, and exports one page', async () => {
    expect(await exported('')).toEqual([alice.id, bob.id])
    expect(await exported('sort=-createdAt')).toEqual([bob.id, alice.id])
    expect(await exported('page=2&limit=1')).toEqual([bob.id])
    expect(await exported('page=1&limit=1&sort=-createdAt')).toEqual([bob.id])
    expect(await exported('limit=1')).toEqual([alice.id])
    expect(await exported('page=3&limit=1')).toEqual([])
    expect(await exported('productId=x')).toEqual([])
    expect(await exported('lastSeenAt[gte]=2024-05-01T10:00:00Z')).toEqual([alice.id])
    expectRefused(await get(`${path()}/export?limit=0`))
    expectRefused(await get(`${path()}/export?page=0`))
    expectRefused(await get(`${path()}/export?sort=password`))
  })
})

describe('webhooks: sort, search, id, createdAt, updatedAt; the delivery log: search, updatedAt', () => {
  let first: Json
  let second: Json
  beforeAll(async () => {
    const create = async (name: string, url: string) => {
      const response = await t.request('POST', '/v3/webhooks', {
        token: t.cspToken,
        body: { name, url, events: ['reseller.created'], enabled: true },
      })
      expect(response.status, response.text).toBe(201)
      return response.body
    }
    first = await create('Alpha hook', 'https://alpha.example.com/hook')
    second = await create('Beta hook', 'https://beta.example.net/hook')
  })

  it('sorts, searches and filters', async () => {
    const newest = await get('/v3/webhooks?sort=-createdAt')
    expect(newest.status, newest.text).toBe(200)
    expect(ids(newest.body)).toEqual([second.id, first.id])
    expect(newest.headers.get('pagination-count')).toBe('2')
    expect(ids((await get('/v3/webhooks')).body)).toEqual([first.id, second.id])
    expect(ids((await get('/v3/webhooks?search=ALPHA')).body)).toEqual([first.id])
    expect(ids((await get('/v3/webhooks?search=example.net')).body)).toEqual([second.id])
    expect((await get('/v3/webhooks?search=gamma')).body).toEqual([])
    expect(ids((await get(`/v3/webhooks?id[ne]=${first.id}`)).body)).toEqual([second.id])
    expect(ids((await get(`/v3/webhooks?createdAt[gte]=${second.createdAt}`)).body)).toEqual([second.id])
    expect((await get('/v3/webhooks?updatedAt[lt]=2000-01-01T00:00:00Z')).body).toEqual([])
    expect(ids((await get('/v3/webhooks?page=2&limit=1')).body)).toEqual([second.id])
    expectRefused(await get('/v3/webhooks?sort=secret'))
    expectRefused(await get('/v3/webhooks?createdAt[gt]=soon'))
    expectRefused(await get('/v3/webhooks?url=x'))
  })

  it('the delivery log takes search and updatedAt', async () => {
    for (const hook of [first, second]) {
      const test = await t.request('POST', `/v3/webhooks/${hook.id}/test`, { token: t.cspToken })
      expect(test.status, test.text).toBeLessThan(300)
    }
    const all = await get('/v3/webhook-event-logs?limit=100')
    expect(all.status, all.text).toBe(200)
    expect(all.body.length).toBeGreaterThanOrEqual(2)
    const alpha = await get('/v3/webhook-event-logs?search=ALPHA.example')
    expect(alpha.body.length).toBeGreaterThan(0)
    expect(alpha.body.every((d: Json) => d.url.includes('alpha.example.com'))).toBe(true)
    const byEvent = await get('/v3/webhook-event-logs?search=WEBHOOK.TEST&limit=100')
    expect(byEvent.body.length).toBe(all.body.length)
    expect((await get('/v3/webhook-event-logs?search=nowhere.invalid')).body).toEqual([])
    expect((await get('/v3/webhook-event-logs?updatedAt[lt]=2000-01-01T00:00:00Z')).body).toEqual([])
    expect(
      (await get('/v3/webhook-event-logs?updatedAt[gte]=2000-01-01T00:00:00Z&limit=100')).body.length,
    ).toBe(all.body.length)
    expectRefused(await get('/v3/webhook-event-logs?updatedAt[gt]=later'))
  })
})
