// POST /oauth/token (client credentials, RFC 6749 §4.4) and GET /.well-known/jwks.json, end to end.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCOPES } from '../../src/auth/scopes.ts'
import { type Json, PLATFORM, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let csp: { id: string; clientId: string; clientSecret: string }
let reseller: { id: string; clientId: string; clientSecret: string; resellerId: string }
let narrow: { clientId: string; clientSecret: string }

async function newClient(body: Record<string, unknown>) {
  const response = await t.request('POST', '/v3/clients', {
    token: t.cspToken,
    body: { name: unique('client '), ...body },
  })
  expect(response.status, response.text).toBe(201)
  return response.body as { id: string; clientId: string; clientSecret: string }
}

beforeAll(async () => {
  t = await startTestApp()
  csp = await newClient({ role: 'csp', scopes: [...SCOPES] })
  const resellerId = (await t.createReseller()).id
  reseller = {
    ...(await newClient({ role: 'reseller', resellerId, scopes: ['reseller:read', 'eventLog:read'] })),
    resellerId,
  }
  narrow = await newClient({ role: 'csp', scopes: ['reseller:read'] })
})
afterAll(async () => {
  await t?.close()
})

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

const token = (body: unknown, headers: Record<string, string> = {}): Promise<Response<Json>> =>
  t.request('POST', '/oauth/token', { body, headers })

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  token(new URLSearchParams(fields).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    ...headers,
  })

function expectIssued(response: Response<Json>, scope: string) {
  expect(response.status, response.text).toBe(200)
  expect(response.headers.get('cache-control')).toContain('no-store')
  expect(response.body).toEqual({
    access_token: expect.any(String),
    token_type: 'Bearer',
    expires_in: expect.any(Number),
    scope,
  })
  expect(response.body.expires_in).toBe(t.deps.config.tokenTtlSeconds)
  return response.body.access_token as string
}

function expectOAuthError(response: Response<Json>, status: number, error: string) {
  expect(response.status, response.text).toBe(status)
  expect(response.body.error).toBe(error)
  expect(typeof response.body.error_description).toBe('string')
  expect(response.headers.get('cache-control')).toContain('no-store')
}

async function verifyWithJwks(accessToken: string) {
  const jwks = await t.request<JSONWebKeySet>('GET', '/.well-known/jwks.json')
  expect(jwks.status).toBe(200)
  expect(jwks.body.keys.length).toBeGreaterThan(0)
  for (const key of jwks.body.keys) {
    expect(key).not.toHaveProperty('d')
    expect(key.kty).toBe('EC')
  }
  const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks.body), {
    algorithms: ['ES256'],
    audience: 'reseller-api',
    issuer: t.deps.config.publicUrl,
  })
  expect(protectedHeader.alg).toBe('ES256')
  return payload
}

describe('POST /oauth/token: client authentication', () => {
  it('accepts HTTP Basic with a form body', async () => {
    const response = await form(
      { grant_type: 'client_credentials' },
      { authorization: basic(csp.clientId, csp.clientSecret) },
    )
    expectIssued(response, SCOPES.join(' '))
  })

  it('accepts HTTP Basic with a JSON body', async () => {
    const response = await token(
      { grant_type: 'client_credentials' },
      { authorization: basic(csp.clientId, csp.clientSecret) },
    )
    expectIssued(response, SCOPES.join(' '))
  })

  it('accepts client_id and client_secret in a JSON body', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
    })
    expectIssued(response, SCOPES.join(' '))
  })

  it('accepts client_id and client_secret in an application/x-www-form-urlencoded body', async () => {
    const response = await form({
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
    })
    expectIssued(response, SCOPES.join(' '))
  })

  it('issues a token that works on the API', async () => {
    const accessToken = expectIssued(
      await token({
        grant_type: 'client_credentials',
        client_id: csp.clientId,
        client_secret: csp.clientSecret,
      }),
      SCOPES.join(' '),
    )
    const list = await t.request('GET', '/v3/resellers', { token: accessToken })
    expect(list.status).toBe(200)
  })

  it('refuses a wrong secret with 401 invalid_client', async () => {
    const inBody = await token({
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: `${csp.clientSecret}x`,
    })
    expectOAuthError(inBody, 401, 'invalid_client')
    // No Basic challenge for a secret sent in the body: a browser would open its own password prompt.
    expect(inBody.headers.get('www-authenticate')).toBeNull()
    const inBasic = await form(
      { grant_type: 'client_credentials' },
      { authorization: basic(csp.clientId, 'wrong') },
    )
    expectOAuthError(inBasic, 401, 'invalid_client')
    expect(inBasic.headers.get('www-authenticate')).toMatch(/^Basic/)
  })

  it('refuses an unknown client with 401 invalid_client', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: 'rc_nobody',
      client_secret: csp.clientSecret,
    })
    expectOAuthError(response, 401, 'invalid_client')
  })

  it('refuses a request without any client authentication with 401 invalid_client', async () => {
    expectOAuthError(await token({ grant_type: 'client_credentials' }), 401, 'invalid_client')
  })

  it('refuses a missing grant_type with 400 invalid_request', async () => {
    const response = await token({ client_id: csp.clientId, client_secret: csp.clientSecret })
    expectOAuthError(response, 400, 'invalid_request')
  })

  it('refuses grant_type password with 400 unsupported_grant_type', async () => {
    const response = await token({
      grant_type: 'password',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
      username: 'someone',
      password: 'something',
    })
    expectOAuthError(response, 400, 'unsupported_grant_type')
  })

  it('refuses a malformed JSON body with 400 invalid_request', async () => {
    const response = await token('{"grant_type":', {})
    expectOAuthError(response, 400, 'invalid_request')
  })
})

describe('the access token', () => {
  it('verifies against the JWKS as ES256 and carries the claims of SPEC §3 (csp)', async () => {
    const accessToken = expectIssued(
      await token({
        grant_type: 'client_credentials',
        client_id: csp.clientId,
        client_secret: csp.clientSecret,
      }),
      SCOPES.join(' '),
    )
    const payload = await verifyWithJwks(accessToken)
    expect(payload).toMatchObject({
      iss: t.deps.config.publicUrl,
      aud: 'reseller-api',
      sub: csp.id,
      tid: t.tenantId,
      role: 'csp',
      scope: SCOPES.join(' '),
    })
    expect(payload.jti).toEqual(expect.any(String))
    expect(payload.iat).toEqual(expect.any(Number))
    expect(payload.exp).toEqual(expect.any(Number))
    expect((payload.exp as number) - (payload.iat as number)).toBe(t.deps.config.tokenTtlSeconds)
    expect(payload).not.toHaveProperty('rid')
    const header = decodeProtectedHeader(accessToken)
    expect(header.kid).toEqual(expect.any(String))
  })

  it('names the reseller in rid for a reseller client', async () => {
    const response = await form(
      { grant_type: 'client_credentials' },
      { authorization: basic(reseller.clientId, reseller.clientSecret) },
    )
    const payload = await verifyWithJwks(expectIssued(response, 'reseller:read eventLog:read'))
    expect(payload).toMatchObject({
      sub: reseller.id,
      tid: t.tenantId,
      role: 'reseller',
      rid: reseller.resellerId,
      scope: 'reseller:read eventLog:read',
    })
  })

  it('gives every token its own jti', async () => {
    const body = {
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
    }
    const a = decodeJwt(expectIssued(await token(body), SCOPES.join(' ')))
    const b = decodeJwt(expectIssued(await token(body), SCOPES.join(' ')))
    expect(a.jti).not.toBe(b.jti)
  })
})

describe('scope narrowing', () => {
  it('narrows to a subset, and the narrowed token is refused where a dropped scope is needed', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
      scope: 'reseller:read eventLog:read',
    })
    const accessToken = expectIssued(response, 'reseller:read eventLog:read')
    expect((await verifyWithJwks(accessToken)).scope).toBe('reseller:read eventLog:read')

    expect((await t.request('GET', '/v3/resellers', { token: accessToken })).status).toBe(200)
    const write = await t.request('POST', '/v3/resellers', {
      token: accessToken,
      body: { name: 'Narrowed', email: 'narrowed@example.com' },
    })
    expect(write.status).toBe(403)
    expect(write.body).toEqual({ message: expect.stringContaining('reseller:write'), code: 'FORBIDDEN' })
    expect(await t.count('resellers', "name = 'Narrowed'")).toBe(0)
  })

  it('narrows with a form body too', async () => {
    const response = await form(
      { grant_type: 'client_credentials', scope: 'eventLog:read' },
      { authorization: basic(csp.clientId, csp.clientSecret) },
    )
    const accessToken = expectIssued(response, 'eventLog:read')
    expect((await t.request('GET', '/v3/resellers', { token: accessToken })).status).toBe(403)
    expect((await t.request('GET', '/v3/event-logs', { token: accessToken })).status).toBe(200)
  })

  it('refuses a scope the client lacks with 400 invalid_scope', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: narrow.clientId,
      client_secret: narrow.clientSecret,
      scope: 'reseller:read reseller:write',
    })
    expectOAuthError(response, 400, 'invalid_scope')
    expect(response.body.error_description).toContain('reseller:write')
  })

  it('refuses a scope that does not exist with 400 invalid_scope', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: csp.clientId,
      client_secret: csp.clientSecret,
      scope: 'admin',
    })
    expectOAuthError(response, 400, 'invalid_scope')
  })
})

describe('the platform operator', () => {
  it('gets a platform token with no tenant, which reaches no tenant data', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: PLATFORM.clientId,
      client_secret: PLATFORM.clientSecret,
    })
    const accessToken = expectIssued(response, '')
    const payload = await verifyWithJwks(accessToken)
    expect(payload.role).toBe('platform')
    expect(payload.sub).toBe(PLATFORM.clientId)
    expect(payload).not.toHaveProperty('tid')
    expect(payload).not.toHaveProperty('rid')

    const resellers = await t.request('GET', '/v3/resellers', { token: accessToken })
    expect(resellers.status).toBe(403)
    expect(resellers.body.code).toBe('FORBIDDEN')
    const events = await t.request('GET', '/v3/event-logs', { token: accessToken })
    expect(events.status).toBe(403)
    const v1 = await t.v1('GET', '/v1/users/groups', { token: accessToken })
    expect(v1.status).toBe(403)
    const tenants = await t.request('GET', '/platform/tenants', { token: accessToken })
    expect(tenants.status).toBe(200)
  })

  it('refuses a wrong platform secret with 401 invalid_client', async () => {
    const response = await form(
      { grant_type: 'client_credentials' },
      { authorization: basic(PLATFORM.clientId, `${PLATFORM.clientSecret}0`) },
    )
    expectOAuthError(response, 401, 'invalid_client')
  })

  it('does not let a tenant token manage tenants', async () => {
    const response = await t.request('GET', '/platform/tenants', { token: t.cspToken })
    expect(response.status).toBe(403)
  })
})

describe('auditing token issuance', () => {
  it('writes one client.token.issued event that never contains the token', async () => {
    const correlationId = '0193b0c4-0000-7000-8000-0000000a0001'
    const response = await token(
      {
        grant_type: 'client_credentials',
        client_id: reseller.clientId,
        client_secret: reseller.clientSecret,
      },
      { 'x-correlation-id': correlationId, 'user-agent': 'oauth-test/1.0' },
    )
    const accessToken = expectIssued(response, 'reseller:read eventLog:read')
    const { jti } = decodeJwt(accessToken)

    const { rows } = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM audit_events WHERE correlation_id = $1',
      [correlationId],
    )
    expect(rows).toHaveLength(1)
    const row = rows[0] as Record<string, unknown>
    expect(row).toMatchObject({
      tenant_id: t.tenantId,
      action: 'client.token.issued',
      resource: 'client',
      resource_id: reseller.id,
      reseller_id: reseller.resellerId,
      actor_type: 'client',
      actor_id: reseller.id,
      user_agent: 'oauth-test/1.0',
    })
    const stored = JSON.stringify(row)
    expect(stored).not.toContain(accessToken)
    expect(stored).not.toContain(accessToken.split('.')[2])
    expect(stored).not.toContain(reseller.clientSecret)
    expect(stored).toContain(jti)

    // The same event through the API.
    const events = await t.request('GET', `/v3/event-logs?correlationId=${correlationId}`, {
      token: t.cspToken,
    })
    expect(events.status).toBe(200)
    expect(events.body).toHaveLength(1)
    expect(events.body[0].action).toBe('client.token.issued')
    expect(JSON.stringify(events.body)).not.toContain(accessToken)
  })

  it('records a refused authentication as a failure (client id, IP, reason), never the secret, and issues nothing', async () => {
    const correlationId = '0193b0c4-0000-7000-8000-0000000a0002'
    const response = await token(
      {
        grant_type: 'client_credentials',
        client_id: csp.clientId,
        client_secret: 'wrong-secret-never-stored',
      },
      { 'x-correlation-id': correlationId },
    )
    expect(response.status).toBe(401)
    const { rows } = await t.db.query<{
      action: string
      actor_type: string
      ip_address: string
      changes: unknown
    }>('SELECT action, actor_type, ip_address, changes FROM audit_events WHERE correlation_id = $1', [
      correlationId,
    ])
    expect(rows.map((row) => row.action)).toEqual(['client.authentication.failed'])
    expect(rows[0]?.actor_type).toBe('anonymous')
    expect(rows[0]?.ip_address).toBe('127.0.0.1')
    expect(rows[0]?.changes).toEqual([
      { field: 'clientId', from: null, to: csp.clientId },
      { field: 'reason', from: null, to: 'invalid_secret' },
    ])
    expect(JSON.stringify(rows)).not.toContain('wrong-secret-never-stored')
  })
})

describe('token endpoint edge cases', () => {
  it('refuses HTTP Basic with a different client_id in the body with 400 invalid_request', async () => {
    const response = await token(
      { grant_type: 'client_credentials', client_id: narrow.clientId },
      { authorization: basic(csp.clientId, csp.clientSecret) },
    )
    expectOAuthError(response, 400, 'invalid_request')
  })

  it('accepts HTTP Basic with the same client_id repeated in the body', async () => {
    const response = await token(
      { grant_type: 'client_credentials', client_id: csp.clientId },
      { authorization: basic(csp.clientId, csp.clientSecret) },
    )
    expect(response.status, response.text).toBe(200)
  })

  it("audits the platform operator's token issuance too, without the token", async () => {
    const before = await t.count('audit_events', "action = 'client.token.issued' AND actor_type = 'platform'")
    const response = await token({
      grant_type: 'client_credentials',
      client_id: PLATFORM.clientId,
      client_secret: PLATFORM.clientSecret,
    })
    expect(response.status).toBe(200)
    const rows = await t.db.query<{ changes: unknown; tenant_id: string | null }>(
      "SELECT changes, tenant_id FROM audit_events WHERE action = 'client.token.issued' AND actor_type = 'platform'",
    )
    expect(rows.rows).toHaveLength(before + 1)
    expect(rows.rows.at(-1)?.tenant_id).toBeNull()
    expect(JSON.stringify(rows.rows)).not.toContain(response.body.access_token)
  })
})
