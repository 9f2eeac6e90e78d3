// Forged, tampered, expired and revoked bearer tokens, run as one table against protected routes of both dialects.
import { randomBytes, randomUUID } from 'node:crypto'
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decryptSecret } from '../../src/secrets/envelope.ts'
import { type Json, type Response, startTestApp, TENANT, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let userId: string

interface Route {
  name: string
  dialect: 'v3' | 'v1'
  method: string
  path: () => string
  body?: () => unknown
  /** Rows a successful call would add, to prove a refused one added none. */
  table?: string
}

const ROUTES: Route[] = [
  { name: 'GET /v3/resellers', dialect: 'v3', method: 'GET', path: () => '/v3/resellers' },
  {
    name: 'POST /v3/resellers',
    dialect: 'v3',
    method: 'POST',
    path: () => '/v3/resellers',
    body: () => ({ name: unique('Attack '), email: `${unique('attack')}@example.com` }),
    table: 'resellers',
  },
  {
    name: 'GET /v3/resellers/{id}/users/{id}',
    dialect: 'v3',
    method: 'GET',
    path: () => `/v3/resellers/${resellerId}/users/${userId}`,
  },
  {
    name: 'POST /v3/resellers/{id}/users',
    dialect: 'v3',
    method: 'POST',
    path: () => `/v3/resellers/${resellerId}/users`,
    body: () => ({
      firstName: 'Mallory',
      lastName: 'Attacker',
      email: `${unique('mallory')}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'password123',
    }),
    table: 'users',
  },
  { name: 'GET /v3/event-logs', dialect: 'v3', method: 'GET', path: () => '/v3/event-logs' },
  {
    name: 'POST /v3/clients',
    dialect: 'v3',
    method: 'POST',
    path: () => '/v3/clients',
    body: () => ({ name: unique('attack client '), role: 'csp', scopes: ['reseller:read'] }),
    table: 'api_clients',
  },
  {
    name: 'POST /v1/reseller/{id}/users',
    dialect: 'v1',
    method: 'POST',
    path: () => `/v1/reseller/${resellerId}/users`,
    body: () => ({
      firstName: 'Mallory',
      lastName: 'Attacker',
      email: `${unique('mallory')}@example.com`,
      role: {},
      groups: [],
    }),
    table: 'users',
  },
  { name: 'GET /v1/users/groups', dialect: 'v1', method: 'GET', path: () => '/v1/users/groups' },
]

/** A way to present a bad credential: the Authorization header value to send, or none. */
interface Attack {
  name: string
  authorization: () => Promise<string | null>
  /** The X-Tenant a v1 request sends (the bootstrap tenant unless said). */
  tenant?: () => string
}

/** The claims of a real token of this tenant, to copy into forgeries. */
let claims: JWTPayload
let realKid: string
let serviceKey: { kid: string; privateJwk: JWK; publicJwk: JWK }
let revokedToken: string
let otherTenantId: string
let disabledTenant: { domain: string; token: string }

const bearer = (token: string) => `Bearer ${token}`
const segment = (value: unknown) => base64url.encode(JSON.stringify(value))
const nowSeconds = () => Math.floor(Date.now() / 1000)
/** The claims without the named ones. */
const omit = (payload: JWTPayload, ...keys: string[]): JWTPayload =>
  Object.fromEntries(Object.entries(payload).filter(([key]) => !keys.includes(key)))

/** Signs `payload` with the service's own private key (read from its database), as the service would. */
async function signWithServiceKey(payload: JWTPayload): Promise<string> {
  const key = await importJWK(serviceKey.privateJwk, 'ES256')
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: serviceKey.kid, typ: 'at+jwt' })
    .sign(key)
}

const ATTACKS: Attack[] = [
  { name: 'no Authorization header', authorization: async () => null },
  { name: 'Bearer garbage', authorization: async () => 'Bearer garbage' },
  { name: 'an empty Bearer', authorization: async () => 'Bearer ' },
  { name: 'three garbage segments', authorization: async () => 'Bearer aaa.bbb.ccc' },
  {
    name: 'Basic credentials instead of a token',
    authorization: async () => `Basic ${Buffer.from('bootstrap-csp:secret').toString('base64')}`,
  },
  {
    name: 'a token signed by another ES256 key, same kid and claims',
    async authorization() {
      const { privateKey } = await generateKeyPair('ES256')
      return bearer(
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: realKid, typ: 'at+jwt' })
          .sign(privateKey),
      )
    },
  },
  {
    name: 'a token signed by another ES256 key with its own kid',
    async authorization() {
      const { privateKey } = await generateKeyPair('ES256')
      return bearer(
        await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: randomUUID() }).sign(privateKey),
      )
    },
  },
  {
    name: 'a token signed by another ES256 key with no kid',
    async authorization() {
      const { privateKey } = await generateKeyPair('ES256')
      return bearer(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(privateKey))
    },
  },
  {
    name: 'a token signed by another key that carries its own jwk in the header',
    async authorization() {
      const { privateKey, publicKey } = await generateKeyPair('ES256')
      const jwk = await exportJWK(publicKey)
      return bearer(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', jwk }).sign(privateKey))
    },
  },
  {
    name: 'alg none',
    authorization: async () =>
      bearer(`${segment({ alg: 'none', typ: 'JWT', kid: realKid })}.${segment(claims)}.`),
  },
  {
    name: 'alg none with the real signature kept',
    authorization: async () =>
      bearer(`${segment({ alg: 'none', kid: realKid })}.${segment(claims)}.${t.cspToken.split('.')[2]}`),
  },
  {
    name: 'HS256 keyed by a random secret',
    authorization: async () =>
      bearer(
        await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: realKid }).sign(randomBytes(32)),
      ),
  },
  {
    name: 'HS256 keyed by the public key (algorithm confusion)',
    async authorization() {
      const secret = new TextEncoder().encode(JSON.stringify(serviceKey.publicJwk))
      return bearer(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: realKid }).sign(secret))
    },
  },
  {
    name: 'a real token with a modified payload (other scope, later exp)',
    async authorization() {
      const [header, , signature] = t.cspToken.split('.')
      const forged = { ...claims, exp: nowSeconds() + 86_400 * 365, scope: 'reseller:read reseller:write' }
      return bearer(`${header}.${segment(forged)}.${signature}`)
    },
  },
  {
    name: 'a real reseller token rewritten to role csp',
    async authorization() {
      const token = await t.tokenFor({ role: 'reseller', resellerId })
      const [header, , signature] = token.split('.')
      return bearer(`${header}.${segment({ ...omit(decodeJwt(token), 'rid'), role: 'csp' })}.${signature}`)
    },
  },
  {
    name: 'a real token with its signature removed',
    authorization: async () => bearer(`${t.cspToken.split('.').slice(0, 2).join('.')}.`),
  },
  {
    name: 'an expired token signed with the service key',
    authorization: async () =>
      bearer(await signWithServiceKey({ ...claims, iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })),
  },
  {
    name: 'a service-signed token for another audience',
    authorization: async () => bearer(await signWithServiceKey({ ...claims, aud: 'some-other-api' })),
  },
  {
    name: 'a service-signed token from another issuer',
    authorization: async () =>
      bearer(await signWithServiceKey({ ...claims, iss: 'https://evil.example.com' })),
  },
  {
    name: 'a service-signed token without an exp',
    authorization: async () => bearer(await signWithServiceKey(omit(claims, 'exp'))),
  },
  {
    name: 'a service-signed token with an unknown role',
    authorization: async () => bearer(await signWithServiceKey({ ...claims, role: 'admin' })),
  },
  {
    name: 'a service-signed reseller token naming no reseller',
    authorization: async () => bearer(await signWithServiceKey({ ...omit(claims, 'rid'), role: 'reseller' })),
  },
  {
    name: 'a service-signed token naming a client that does not exist',
    authorization: async () => bearer(await signWithServiceKey({ ...claims, sub: randomUUID() })),
  },
  {
    name: 'a service-signed platform token for a client that is not the platform operator',
    authorization: async () =>
      bearer(await signWithServiceKey({ ...omit(claims, 'tid'), role: 'platform', sub: 'someone-else' })),
  },
  {
    name: 'a service-signed token issued an hour from now',
    authorization: async () =>
      bearer(await signWithServiceKey({ ...claims, iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 })),
  },
  {
    name: 'a service-signed token that lives a hundred years',
    authorization: async () =>
      bearer(
        await signWithServiceKey({ ...claims, iat: nowSeconds(), exp: nowSeconds() + 100 * 365 * 86_400 }),
      ),
  },
  {
    name: 'a service-signed token of a live client naming another tenant',
    authorization: async () => bearer(await signWithServiceKey({ ...claims, tid: otherTenantId })),
  },
  { name: 'a token of a revoked client', authorization: async () => bearer(revokedToken) },
  {
    name: 'a token of a disabled tenant',
    authorization: async () => bearer(disabledTenant.token),
    tenant: () => disabledTenant.domain,
  },
]

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  const user = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
    token: t.cspToken,
    body: {
      firstName: 'Real',
      lastName: 'User',
      email: `${unique('real')}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'password123',
    },
  })
  expect(user.status, user.text).toBe(201)
  userId = user.body.id

  claims = decodeJwt(t.cspToken)
  otherTenantId = (await t.createTenant(`${unique('other')}.example.com`)).tenantId
  realKid = decodeProtectedHeader(t.cspToken).kid as string
  const { rows } = await t.db.query<{ kid: string; private_jwk: string; public_jwk: JWK }>(
    'SELECT kid, private_jwk, public_jwk FROM signing_keys WHERE kid = $1',
    [realKid],
  )
  const row = rows[0]
  if (!row) throw new Error('no signing key')
  const parse = (jwk: JWK | string): JWK => (typeof jwk === 'string' ? JSON.parse(jwk) : jwk)
  // The private JWK is kept encrypted: opened here with the app's own key, as the service opens it.
  const privateJwk = decryptSecret(t.deps.keyring, row.private_jwk, `signing_keys.private_jwk:${row.kid}`)
  serviceKey = { kid: row.kid, privateJwk: parse(privateJwk), publicJwk: parse(row.public_jwk) }

  // A client with every scope, revoked through the API after it got its token.
  const created = await t.request('POST', '/v3/clients', {
    token: t.cspToken,
    body: {
      name: unique('doomed '),
      role: 'csp',
      scopes: [
        'reseller:read',
        'reseller:write',
        'reseller:user:read',
        'reseller:user:create',
        'eventLog:read',
      ],
    },
  })
  const issued = await t.request('POST', '/oauth/token', {
    body: {
      grant_type: 'client_credentials',
      client_id: created.body.clientId,
      client_secret: created.body.clientSecret,
    },
  })
  revokedToken = issued.body.access_token
  expect((await t.request('GET', '/v3/resellers', { token: revokedToken })).status).toBe(200)
  const revoked = await t.request('DELETE', `/v3/clients/${created.body.id}`, { token: t.cspToken })
  expect(revoked.status).toBe(204)

  // A second tenant, disabled by the platform operator after its token was issued.
  const domain = `${unique('disabled')}.example.com`
  const tenant = await t.createTenant(domain)
  expect((await t.request('GET', '/v3/resellers', { token: tenant.token })).status).toBe(200)
  const disabled = await t.request('DELETE', `/platform/tenants/${tenant.tenantId}`, {
    token: await t.platformToken(),
  })
  expect(disabled.status, disabled.text).toBe(204)
  disabledTenant = { domain, token: tenant.token }
})
afterAll(async () => {
  await t?.close()
})

function call(route: Route, authorization: string | null, tenant = TENANT): Promise<Response<Json>> {
  const headers: Record<string, string> = {}
  if (authorization !== null) headers.authorization = authorization
  if (route.dialect === 'v1') headers['x-tenant'] = tenant
  return t.request(route.method, route.path(), { headers, body: route.body?.() })
}

function expectUnauthorized(route: Route, response: Response<Json>) {
  expect(response.status, response.text).toBe(401)
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  if (route.dialect === 'v3') {
    expect(response.body).toEqual({ message: expect.any(String), code: 'UNAUTHORIZED' })
  } else {
    expect(response.body).toEqual({
      statusCode: 401,
      type: 'Unauthorized',
      description: expect.any(String),
      correlationId: response.headers.get('x-correlation-id'),
      errors: [],
    })
  }
}

describe('the routes accept the genuine token (the table below is meaningful)', () => {
  it.each(ROUTES.map((route) => [route.name, route] as const))('%s', async (_name, route) => {
    const response = await call(route, bearer(t.cspToken))
    expect(response.status, response.text).toBeGreaterThanOrEqual(200)
    expect(response.status, response.text).toBeLessThan(300)
  })
})

describe.each(ATTACKS.map((attack) => [attack.name, attack] as const))('%s', (_name, attack) => {
  it.each(ROUTES.map((route) => [route.name, route] as const))(
    'is refused with 401 on %s',
    async (_r, route) => {
      const authorization = await attack.authorization()
      const before = route.table ? await t.count(route.table) : 0
      const auditBefore = await t.count('audit_events')
      const response = await call(route, authorization, attack.tenant?.())
      expectUnauthorized(route, response)
      if (route.table) expect(await t.count(route.table)).toBe(before)
      expect(await t.count('audit_events')).toBe(auditBefore)
    },
  )
})

describe('a token signed with the service key and the right claims', () => {
  it('is accepted, so the refusals above are about the forgery, not the signing helper', async () => {
    const token = await signWithServiceKey({ ...claims, iat: nowSeconds(), exp: nowSeconds() + 300 })
    expect((await t.request('GET', '/v3/resellers', { token })).status).toBe(200)
  })

  it('is accepted with an iat within the clock skew, and with the longest lifetime the service issues', async () => {
    const skewed = await signWithServiceKey({ ...claims, iat: nowSeconds() + 30, exp: nowSeconds() + 330 })
    expect((await t.request('GET', '/v3/resellers', { token: skewed })).status).toBe(200)
    const ttl = t.deps.tokens.ttlSeconds
    const longest = await signWithServiceKey({ ...claims, iat: nowSeconds(), exp: nowSeconds() + ttl })
    expect((await t.request('GET', '/v3/resellers', { token: longest })).status).toBe(200)
  })
})

describe('a client revoked by another process (this one never heard of it)', () => {
  it('keeps working only while its standing is cached, and is refused within a minute', async () => {
    const created = await t.request('POST', '/v3/clients', {
      token: t.cspToken,
      body: { name: unique('elsewhere '), role: 'csp', scopes: ['reseller:read'] },
    })
    expect(created.status, created.text).toBe(201)
    const issued = await t.request('POST', '/oauth/token', {
      body: {
        grant_type: 'client_credentials',
        client_id: created.body.clientId,
        client_secret: created.body.clientSecret,
      },
    })
    const token = issued.body.access_token as string
    expect((await t.request('GET', '/v3/resellers', { token })).status).toBe(200)
    // Revoked in the database, as another process would: this process's cache still says "active".
    await t.db.query('UPDATE api_clients SET revoked_at = now() WHERE id = $1', [created.body.id])
    expect((await t.request('GET', '/v3/resellers', { token })).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 })
    try {
      const response = await t.request('GET', '/v3/resellers', { token })
      expect(response.status, response.text).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(response.body).toEqual({ message: expect.any(String), code: 'UNAUTHORIZED' })
    } finally {
      vi.useRealTimers()
    }
  })
})
