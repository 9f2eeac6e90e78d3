// The README's "Try it" flow through a client typed from openapi.json (openapi-typescript + openapi-fetch): the
// calls type-check against the document (tsc --noEmit), and the live app answers what the document promises.
import createClient from 'openapi-fetch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { paths } from '../generated/openapi.ts'
import { startTestApp, TENANT, type TestApp, unique } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

/** A client of the API, authenticated with a token once it has one. */
const clientOf = (token?: string) =>
  createClient<paths>({ baseUrl: t.url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) })

/** A csp client made through the API, and a token for it from the token endpoint, both typed. */
async function firstToken(): Promise<string> {
  const made = await clientOf(t.cspToken).POST('/v3/clients', {
    body: {
      name: unique('typed'),
      role: 'csp',
      scopes: [
        'reseller:write',
        'reseller:read',
        'reseller:user:create',
        'reseller:user:read',
        'reseller:organization:create',
      ],
    },
  })
  expect(made.response.status).toBe(201)
  if (!made.data) throw new Error('no client')
  const token = await clientOf().POST('/oauth/token', {
    body: {
      grant_type: 'client_credentials',
      client_id: made.data.clientId,
      client_secret: made.data.clientSecret,
    },
  })
  expect(token.response.status).toBe(200)
  if (!token.data) throw new Error(`no token: ${JSON.stringify(token.error)}`)
  expect(token.data.token_type).toBe('Bearer')
  return token.data.access_token
}

describe('a client typed from openapi.json', () => {
  it('runs the README’s Try-it flow in both dialects', async () => {
    const api = clientOf(await firstToken())

    const reseller = await api.POST('/v3/resellers', { body: { name: 'Acme', email: 'ops@acme.example' } })
    expect(reseller.response.status).toBe(201)
    const resellerId = reseller.data?.id as string
    expect(reseller.data?.description).toBe('')

    const organization = await api.POST('/v3/resellers/{resellerId}/organizations', {
      params: { path: { resellerId } },
      body: { name: 'Acme Labs', email: 'labs@acme.example' },
    })
    expect(organization.response.status).toBe(201)

    const user = await api.POST('/v3/resellers/{resellerId}/users', {
      params: { path: { resellerId } },
      body: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'correct horse',
        organizationId: organization.data?.id ?? null,
      },
    })
    expect(user.response.status).toBe(201)
    expect(user.data?.email).toBe('ada@example.com')

    const list = await api.GET('/v3/resellers/{resellerId}/users', {
      params: { path: { resellerId }, query: { 'email[eq]': 'ada@example.com', limit: 10 } },
    })
    expect(list.response.status).toBe(200)
    expect(list.data?.map((listed) => listed.id)).toEqual([user.data?.id])
    expect(list.response.headers.get('Pagination-Count')).toBe('1')

    // v1: the same reseller, in CloudCockpit's dialect (X-Tenant names the tenant).
    const groups = await api.GET('/v1/users/groups', { params: { header: { 'x-tenant': TENANT } } })
    expect(groups.response.status).toBe(200)
    const groupId = groups.data?.items[0]?.id as string
    const grace = await api.POST('/v1/reseller/{resellerId}/users', {
      params: { path: { resellerId }, header: { 'x-tenant': TENANT } },
      body: {
        firstName: 'Grace',
        lastName: 'Hopper',
        email: 'grace@example.com',
        role: {},
        groups: [{ id: groupId }],
      },
    })
    expect(grace.response.status).toBe(201)

    const both = await api.GET('/v3/resellers/{resellerId}/users', { params: { path: { resellerId } } })
    expect(both.data?.map((listed) => listed.email).sort()).toEqual(['ada@example.com', 'grace@example.com'])
  })

  it('gets a refusal as the typed error body of its dialect', async () => {
    const api = clientOf(t.cspToken)
    const v3 = await api.POST('/v3/resellers', {
      // @ts-expect-error name is required by the document: the type and the server refuse it alike.
      body: { email: 'no-name@example.com' },
    })
    expect(v3.response.status).toBe(400)
    expect(v3.data).toBeUndefined()
    expect(v3.error?.message).toContain('name')

    const v1 = await api.GET('/v1/users', { params: { header: { 'x-tenant': 'no-such-tenant.example' } } })
    expect(v1.response.status).toBeGreaterThanOrEqual(400)
    expect(v1.error?.correlationId).toBe(v1.response.headers.get('X-Correlation-Id'))
  })
})
