// Rate limits, end to end: the headers on every response, a 429 in each API's own shape past the limit, a
// client's limit its own, per-tenant windows set through the platform API, and RATE_LIMIT_MAX=0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Response, startTestApp, type TestApp } from '../support/app.ts'

const MAX = 30
let t: TestApp

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_WINDOW_S: '60' })
})
afterAll(async () => {
  await t?.close()
})

function expectLimitHeaders(response: Response, policy: 'client' | 'ip', max = MAX, window = 60): number {
  expect(response.headers.get('ratelimit-policy')).toBe(`"${policy}";q=${max};w=${window}`)
  const limit = response.headers.get('ratelimit') ?? ''
  const match = limit.match(new RegExp(`^"${policy}";r=(\\d+);t=(\\d+)$`))
  expect(match, limit).not.toBeNull()
  const remaining = Number(match?.[1])
  expect(Number(match?.[2])).toBeLessThanOrEqual(window)
  expect(response.headers.get('x-rate-limit-limit')).toBe(`${window}s`)
  expect(response.headers.get('x-rate-limit-remaining')).toBe(String(remaining))
  const reset = Date.parse(response.headers.get('x-rate-limit-reset') ?? '')
  expect(reset).toBeGreaterThan(Date.now() - 1000)
  expect(reset).toBeLessThanOrEqual(Date.now() + window * 1000 + 1000)
  return remaining
}

describe('rate-limit headers', () => {
  it('are on every API response of a client, counting down, errors included', async () => {
    const token = await t.tokenFor({})
    const first = await t.request('GET', '/v3/resellers', { token })
    expect(first.status).toBe(200)
    expect(expectLimitHeaders(first, 'client')).toBe(MAX - 1)
    const missing = await t.request('GET', '/v3/resellers/00000000-0000-7000-8000-000000000000', { token })
    expect(missing.status).toBe(404)
    expect(expectLimitHeaders(missing, 'client')).toBe(MAX - 2)
    const v1 = await t.v1('GET', '/v1/users/groups', { token })
    expect(v1.status).toBe(200)
    expect(expectLimitHeaders(v1, 'client')).toBe(MAX - 3)
    const platform = await t.request('GET', '/platform/tenants', { token: await t.platformToken() })
    expect(platform.status).toBe(200)
    expectLimitHeaders(platform, 'client')
  })

  it('are on the token endpoint and the documents outside the APIs, per source address', async () => {
    const document = await t.request('GET', '/openapi.json')
    const before = expectLimitHeaders(document, 'ip')
    const again = await t.request('GET', '/.well-known/jwks.json')
    expect(expectLimitHeaders(again, 'ip')).toBe(before - 1)
  })
})

describe('past the limit', () => {
  it('answers 429 in v3’s shape with Retry-After, and another client of the tenant is not affected', async () => {
    const token = await t.tokenFor({})
    const statuses: number[] = []
    let last: Response | null = null
    for (let i = 0; i < MAX + 3; i++) {
      last = await t.request('GET', '/v3/resellers', { token })
      statuses.push(last.status)
    }
    expect(statuses.slice(0, MAX)).toEqual(Array(MAX).fill(200))
    expect(statuses.slice(MAX)).toEqual([429, 429, 429])
    expect(last?.body).toEqual({
      message: expect.stringMatching(/Too many requests/),
      code: 'TOO_MANY_REQUESTS',
    })
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(last?.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect(last?.headers.get('x-rate-limit-remaining')).toBe('0')

    const other = await t.request('GET', '/v3/resellers', { token: await t.tokenFor({}) })
    expect(other.status).toBe(200)
  })

  it('answers 429 in CloudCockpit’s shape in v1, and changes nothing', async () => {
    const token = await t.tokenFor({})
    for (let i = 0; i < MAX; i++) await t.v1('GET', '/v1/users/groups', { token })
    const reseller = (await t.createReseller()).id
    const users = await t.count('users')
    const refused = await t.v1('POST', `/v1/reseller/${reseller}/users`, {
      token,
      body: { firstName: 'A', lastName: 'B', email: 'limited@example.com', role: {}, groups: [] },
    })
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({
      statusCode: 429,
      type: 'TooManyRequests',
      correlationId: expect.any(String),
    })
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await t.count('users')).toBe(users)
  })
})

describe('a tenant’s own window, set by the platform operator', () => {
  it('limits that tenant’s clients to it, shows it, and goes back to the default with null', async () => {
    const platformToken = await t.platformToken()
    const { tenantId, token } = await t.createTenant(`limited-${Date.now()}.example.com`)
    const set = await t.request('PATCH', `/platform/tenants/${tenantId}`, {
      token: platformToken,
      body: { rateLimit: { max: 3, windowSeconds: 120 } },
    })
    expect(set.status, set.text).toBe(200)
    expect(set.body.rateLimit).toEqual({ max: 3, windowSeconds: 120 })
    const statuses: number[] = []
    let last: Response | null = null
    for (let i = 0; i < 5; i++) {
      last = await t.request('GET', '/v3/resellers', { token })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(last?.headers.get('ratelimit-policy')).toBe('"client";q=3;w=120')
    // The bootstrap tenant keeps the default.
    const other = await t.request('GET', '/v3/resellers', { token: t.cspToken })
    expect(other.headers.get('ratelimit-policy')).toBe(`"client";q=${MAX};w=60`)

    const reset = await t.request('PATCH', `/platform/tenants/${tenantId}`, {
      token: platformToken,
      body: { rateLimit: null },
    })
    expect(reset.body.rateLimit).toBeNull()
    const fresh = await t.request('GET', '/v3/resellers', { token: await t.tokenFor({ tenantId }) })
    expect(fresh.headers.get('ratelimit-policy')).toBe(`"client";q=${MAX};w=60`)
  })

  it('refuses a window out of range with 400, changing nothing', async () => {
    const platformToken = await t.platformToken()
    for (const rateLimit of [{ max: -1, windowSeconds: 10 }, { max: 5, windowSeconds: 0 }, { max: 5 }]) {
      const response = await t.request('PATCH', `/platform/tenants/${t.tenantId}`, {
        token: platformToken,
        body: { rateLimit },
      })
      expect(response.status).toBe(400)
    }
    const tenant = await t.request('GET', `/platform/tenants/${t.tenantId}`, { token: platformToken })
    expect(tenant.body.rateLimit).toBeNull()
  })
})

describe('RATE_LIMIT_MAX=0', () => {
  it('turns the limits and their headers off', async () => {
    const off = await startTestApp({ RATE_LIMIT_MAX: '0' })
    try {
      for (let i = 0; i < 3; i++) {
        const response = await off.request('GET', '/v3/resellers', { token: off.cspToken })
        expect(response.status).toBe(200)
        expect(response.headers.get('ratelimit')).toBeNull()
        expect(response.headers.get('x-rate-limit-remaining')).toBeNull()
      }
    } finally {
      await off.close()
    }
  }, 120_000)
})

describe('outside the APIs, past the per-address limit', () => {
  it('answers 429 with Retry-After: the documents in v3’s shape, the token endpoint in RFC 6749’s', async () => {
    const small = await startTestApp({ RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_S: '60' })
    try {
      // startTestApp took a token already: one of the four is spent.
      const statuses: number[] = []
      let last: Response | null = null
      for (let i = 0; i < 4; i++) {
        last = await small.request('GET', '/openapi.json')
        statuses.push(last.status)
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(last?.body).toEqual({
        message: expect.stringMatching(/Too many requests/),
        code: 'TOO_MANY_REQUESTS',
      })
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0)
      const token = await small.request('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' },
      })
      expect(token.status).toBe(429)
      expect(token.body.error).toBe('too_many_requests')
      expect(token.headers.get('retry-after')).toMatch(/^\d+$/)
      // An API client's own window is apart from the address's.
      const api = await small.request('GET', '/v3/resellers', { token: small.cspToken })
      expect(api.status).toBe(200)
    } finally {
      await small.close()
    }
  }, 120_000)
})
