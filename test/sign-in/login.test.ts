// POST /v3/accounts/login from both sides: what a user who signs in gets, and every refusal — each answered
// alike, each audited without the password, none changing the user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, startTestApp, TENANT, type TestApp, tokenClaims } from '../support/app.ts'

let t: TestApp
let resellerId: string
beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const claimsOf = tokenClaims

const auditOf = async (action: string, resourceId: string) =>
  (
    await t.db.query<{ actor_type: string; actor_id: string; changes: Json; reseller_id: string | null }>(
      'SELECT actor_type, actor_id, changes, reseller_id FROM audit_events WHERE action = $1 AND resource_id = $2 ORDER BY occurred_at',
      [action, resourceId],
    )
  ).rows

describe('signing in', () => {
  it('answers an access token, a refresh token and its lifetime, never to be cached', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    const response = await t.login({ email, password })
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresIn: 900,
    })
    const claims = claimsOf(response.body.accessToken)
    expect(claims).toMatchObject({
      sub: user.id,
      tid: t.tenantId,
      rid: resellerId,
      role: 'reseller',
      aud: 'reseller-api',
      scope: '',
      sid: expect.any(String),
    })
    expect(claims.exp - claims.iat).toBe(900)
    expect(claims.org).toBeUndefined()
  })

  it('matches the email case-insensitively and the account alias as the tenant domain', async () => {
    const { email, password } = await t.createSigningUser(resellerId)
    const response = await t.login({
      email: email.toUpperCase(),
      password,
      accountAlias: TENANT.toUpperCase(),
    })
    expect(response.status, response.text).toBe(200)
  })

  it('sets lastLoginAt, leaves updatedAt and sends no reseller.user.updated, and records user.login', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    await t.signIn(email, password)
    const after = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, {
      token: t.cspToken,
    })
    expect(after.body.lastLoginAt).toEqual(expect.any(String))
    expect(after.body.updatedAt).toBe(user.updatedAt)
    expect(
      await t.count('outbox_events', "event = 'reseller.user.updated' AND resource_id = $1", [user.id]),
    ).toBe(0)
    const [login] = await auditOf('user.login', user.id)
    expect(login).toMatchObject({ actor_type: 'user', actor_id: user.id, reseller_id: resellerId })
    expect(login?.changes.map((c: Json) => c.field)).toEqual(['sessionId', 'method', 'audience'])
    expect(await t.count('outbox_events', "event = 'user.login' AND resource_id = $1", [user.id])).toBe(1)
  })

  it('lets the signed-in user read and rename itself, in Cryptlex’s user shape', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    const { accessToken } = await t.signIn(email, password)
    const me = await t.request('GET', '/v3/me', { token: accessToken })
    expect(me.status, me.text).toBe(200)
    expect(me.body).toMatchObject({ id: user.id, email, role: 'user', lastLoginAt: expect.any(String) })
    const renamed = await t.request('PATCH', '/v3/me', {
      token: accessToken,
      body: { firstName: 'Renamed', lastName: null },
    })
    expect(renamed.status, renamed.text).toBe(200)
    expect(renamed.body).toMatchObject({ firstName: 'Renamed', lastName: '', name: 'Renamed' })
    const [updated] = await auditOf('reseller.user.updated', user.id)
    expect(updated).toMatchObject({ actor_type: 'user', actor_id: user.id })
    // Names only: the user cannot change its role, email or organization here.
    const escalation = await t.request('PATCH', '/v3/me', {
      token: accessToken,
      body: { role: 'reseller-admin' },
    })
    expect(escalation.status).toBe(400)
  })

  it('refuses the /v3/me routes to an API client’s token', async () => {
    expect((await t.request('GET', '/v3/me', { token: t.cspToken })).status).toBe(403)
  })
})

describe('refusing to sign in', () => {
  it('answers an unknown email, a wrong password, an unknown tenant and a user without a password alike', async () => {
    const { email, password } = await t.createSigningUser(resellerId)
    // A user created through v1 has no password until it sets one.
    const groups = await t.v1('GET', '/v1/users/groups', { token: t.cspToken })
    const v1Email = `v1-${email}`
    const v1 = await t.v1('POST', `/v1/reseller/${resellerId}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'No',
        lastName: 'Password',
        email: v1Email,
        role: {},
        groups: [{ id: groups.body.items[0].id }],
      },
    })
    expect(v1.status, v1.text).toBe(201)
    const refusals = await Promise.all([
      t.login({ email: `nobody-${email}`, password }),
      t.login({ email, password: `${password}-wrong` }),
      t.login({ email, password, accountAlias: 'nowhere.example.com' }),
      t.login({ email: v1Email, password: 'anything-at-all' }),
    ])
    for (const refusal of refusals) {
      expect(refusal.status, refusal.text).toBe(401)
      expect(refusal.body).toEqual({ message: refusals[0]?.body.message, code: 'INVALID_CREDENTIALS' })
    }
  })

  it('records user.login.failed with the email tried and why, never the password, and changes no user', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    const wrong = `${password}-wrong-never-stored`
    await t.login({ email, password: wrong })
    const unknown = `unknown-${email}`
    await t.login({ email: unknown, password: wrong })
    const [failed] = await auditOf('user.login.failed', user.id)
    expect(failed).toMatchObject({ actor_type: 'anonymous', actor_id: user.id, reseller_id: resellerId })
    expect(failed?.changes).toEqual([
      { field: 'email', from: null, to: email },
      { field: 'reason', from: null, to: 'invalid_password' },
    ])
    // An unknown email: the tenant's log, an anonymous actor named by the email it tried.
    const [anonymous] = await auditOf('user.login.failed', unknown)
    expect(anonymous).toMatchObject({ actor_type: 'anonymous', actor_id: unknown, reseller_id: null })
    const everything = JSON.stringify([
      (await t.db.query('SELECT * FROM audit_events')).rows,
      (await t.db.query('SELECT * FROM outbox_events')).rows,
    ])
    expect(everything).not.toContain(wrong)
    const after = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, {
      token: t.cspToken,
    })
    expect(after.body.updatedAt).toBe(user.updatedAt)
    expect(after.body.lastLoginAt).toBeNull()
  })

  it('takes about as long for an unknown email as for a wrong password (a dummy hash is checked)', async () => {
    const { email, password } = await t.createSigningUser(resellerId)
    const time = async (body: Record<string, unknown>) => {
      const started = performance.now()
      await t.login(body)
      return performance.now() - started
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
    const unknown: number[] = []
    const wrong: number[] = []
    for (let i = 0; i < 5; i++) {
      unknown.push(await time({ email: `nobody-${i}-${email}`, password }))
      wrong.push(await time({ email, password: `${password}-${i}` }))
    }
    // An argon2id check costs tens of milliseconds; without the dummy, an unknown email would answer in a few.
    // (Loose on purpose: a loaded machine stretches either side.)
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.3)
  })

  it('refuses a body that is not a login (400), naming nothing of the accounts', async () => {
    expect((await t.login({ email: 'a@example.com' })).status).toBe(400)
    expect((await t.login({ email: 'a@example.com', password: 'x'.repeat(257) })).status).toBe(400)
    expect((await t.login({ email: 'a@example.com', password: 'p', extra: 1 })).status).toBe(400)
  })
})

describe('the customer portal audience', () => {
  it('is refused to a user without allowCustomerPortalAccess, and given to one with it', async () => {
    const denied = await t.createSigningUser(resellerId, { allowCustomerPortalAccess: false })
    const refused = await t.login({
      email: denied.email,
      password: denied.password,
      audience: 'customer-portal',
    })
    expect(refused.status, refused.text).toBe(403)
    expect(refused.body.code).toBe('CUSTOMER_PORTAL_ACCESS_DENIED')
    const [failed] = await auditOf('user.login.failed', denied.user.id)
    expect(failed?.changes).toContainEqual({
      field: 'reason',
      from: null,
      to: 'customer_portal_access_denied',
    })
    // The API audience stays open to it.
    expect((await t.login({ email: denied.email, password: denied.password })).status).toBe(200)

    const allowed = await t.createSigningUser(resellerId, { allowCustomerPortalAccess: true })
    const { accessToken } = await t.signIn(allowed.email, allowed.password, { audience: 'customer-portal' })
    expect(claimsOf(accessToken).aud).toBe('customer-portal')
    expect((await t.request('GET', '/v3/me', { token: accessToken })).status).toBe(200)
  })

  it('is given to an admin without allowCustomerPortalAccess', async () => {
    const admin = await t.createSigningUser(resellerId, {
      role: 'reseller-admin',
      allowCustomerPortalAccess: false,
    })
    const response = await t.login({
      email: admin.email,
      password: admin.password,
      audience: 'customer-portal',
    })
    expect(response.status, response.text).toBe(200)
  })
})
