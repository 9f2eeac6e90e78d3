// Each hostile input that once ended in a 500 now gets a 400 in its API's shape, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let userId: string
let platformToken: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  const user = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
    token: t.cspToken,
    body: { firstName: 'Host', lastName: 'Ile', email: `${unique('h')}@example.com`, role: 'user' },
  })
  userId = user.body.id
  platformToken = await t.platformToken()
})
afterAll(async () => {
  await t?.close()
})

const footprint = () =>
  Promise.all(
    ['audit_events', 'outbox_events', 'users', 'resellers', 'webhook_endpoints'].map((x) => t.count(x)),
  )

async function expectRefused(
  call: () => Promise<{ status: number; body: unknown; text: string }>,
  shape: 'v3' | 'v1',
) {
  const before = await footprint()
  const response = await call()
  expect(response.status, response.text).toBe(400)
  if (shape === 'v3') expect(response.body).toEqual({ message: expect.any(String), code: expect.any(String) })
  else
    expect(response.body).toMatchObject({
      statusCode: 400,
      type: expect.any(String),
      errors: expect.any(Array),
    })
  expect(await footprint()).toEqual(before)
}

describe('a NUL byte', () => {
  it.each([
    ['a first name', () => ({ firstName: 'A\u0000', lastName: 'B', email: `${unique('n')}@example.com` })],
    ['a reseller description', () => ({ name: 'R', email: 'r@example.com', description: 'd\u0000' })],
  ])('in %s is refused', async (what, body) => {
    const path = what === 'a first name' ? `/v3/resellers/${resellerId}/users` : '/v3/resellers'
    await expectRefused(() => t.request('POST', path, { token: t.cspToken, body: body() }), 'v3')
  })

  it('in a webhook name is refused', async () => {
    await expectRefused(
      () =>
        t.request('POST', '/v3/webhooks', {
          token: t.cspToken,
          body: { name: 'w\u0000', url: 'https://93.184.215.14/h', events: ['reseller.created'] },
        }),
      'v3',
    )
  })

  it.each([
    `/v3/resellers/${'{rid}'}/users?search=a%00b`,
    `/v3/resellers/${'{rid}'}/users?name[cn]=a%00bc`,
    '/v3/resellers?name=x%00',
  ])('in the query %s is refused', async (path) => {
    await expectRefused(
      () => t.request('GET', path.replace('{rid}', resellerId), { token: t.cspToken }),
      'v3',
    )
  })

  it('in an email of a v1 path is refused in the v1 shape', async () => {
    await expectRefused(() => t.v1('DELETE', '/v1/users/a%00@example.com', { token: t.cspToken }), 'v1')
    await expectRefused(() => t.v1('GET', '/v1/users?search=a%00b', { token: t.cspToken }), 'v1')
  })
})

describe('a lone surrogate', () => {
  it('in a PATCH body is refused', async () => {
    await expectRefused(
      () =>
        t.request('PATCH', `/v3/resellers/${resellerId}/users/${userId}`, {
          token: t.cspToken,
          body: '{"firstName":"x\\ud800"}',
        }),
      'v3',
    )
  })
})

describe('a date outside what PostgreSQL holds', () => {
  it.each(['-271821-04-20', '+300000-01-01', '0000-12-31T23:59:59Z'])(
    'createdAt[gte]=%s is refused',
    async (date) => {
      await expectRefused(
        () =>
          t.request('GET', `/v3/resellers/${resellerId}/users?createdAt[gte]=${encodeURIComponent(date)}`, {
            token: t.cspToken,
          }),
        'v3',
      )
      await expectRefused(
        () =>
          t.request('GET', `/v3/event-logs?createdAt[lt]=${encodeURIComponent(date)}`, { token: t.cspToken }),
        'v3',
      )
    },
  )

  it('a v1 StartDate far off is refused, a plain one is read', async () => {
    await expectRefused(
      () => t.v1('GET', '/v1/AuditLogs?StartDate=%2B300000-01-01', { token: t.cspToken }),
      'v1',
    )
    expect((await t.v1('GET', '/v1/AuditLogs?StartDate=2020-01-01', { token: t.cspToken })).status).toBe(200)
  })

  it('years 1 and 9999 are taken', async () => {
    const response = await t.request(
      'GET',
      `/v3/resellers/${resellerId}/users?createdAt[gte]=0001-01-01T00:00:00Z&createdAt[lt]=9999-12-31T00:00:00Z`,
      { token: t.cspToken },
    )
    expect(response.status).toBe(200)
  })
})

describe('page=1e308', () => {
  it.each(['/v3/clients', '/v3/webhooks', '/v3/resellers', `/v3/resellers/{rid}/users`])(
    'on %s is refused',
    async (path) => {
      await expectRefused(
        () => t.request('GET', `${path.replace('{rid}', resellerId)}?page=1e308`, { token: t.cspToken }),
        'v3',
      )
    },
  )

  it('on /platform/tenants is refused', async () => {
    const response = await t.request('GET', '/platform/tenants?page=1e308', { token: platformToken })
    expect(response.status).toBe(400)
  })

  it('on v1 groups and users is refused in the v1 shape', async () => {
    await expectRefused(() => t.v1('GET', '/v1/users/groups?pageNumber=1e308', { token: t.cspToken }), 'v1')
    await expectRefused(() => t.v1('GET', '/v1/users?pageNumber=1e308', { token: t.cspToken }), 'v1')
  })

  it('the deepest page allowed is answered (empty)', async () => {
    const response = await t.request('GET', '/v3/clients?page=10000000', { token: t.cspToken })
    expect(response.status).toBe(200)
    expect(response.body).toEqual([])
  })
})
