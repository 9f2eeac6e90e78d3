// The lock after consecutive failed sign-ins, its unlock, and the per-address limit on failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let resellerId: string
beforeAll(async () => {
  t = await startTestApp({
    LOGIN_MAX_FAILURES: '3',
    LOGIN_LOCKOUT_SECONDS: '600',
    LOGIN_IP_MAX_FAILURES: '1000',
  })
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const fail = async (email: string, times: number) => {
  for (let i = 0; i < times; i++) {
    const response = await t.login({ email, password: `wrong-${i}` })
    expect(response.status, response.text).toBe(401)
  }
}

describe('the lock', () => {
  it('locks the account after LOGIN_MAX_FAILURES failures: 429 ACCOUNT_LOCKED with Retry-After, the right password too', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    await fail(email, 3)
    const locked = await t.login({ email, password })
    expect(locked.status, locked.text).toBe(429)
    expect(locked.body.code).toBe('ACCOUNT_LOCKED')
    const retryAfter = Number(locked.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(590)
    expect(retryAfter).toBeLessThanOrEqual(600)
    expect(await t.count('audit_events', "action = 'user.locked' AND resource_id = $1", [user.id])).toBe(1)
    // Neither the failures nor the lock change the user.
    const after = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, {
      token: t.cspToken,
    })
    expect(after.body.updatedAt).toBe(user.updatedAt)
  })

  it('counts consecutive failures only: a success starts the count again', async () => {
    const { email, password } = await t.createSigningUser(resellerId)
    await fail(email, 2)
    await t.signIn(email, password)
    await fail(email, 2)
    expect((await t.login({ email, password })).status).toBe(200)
  })

  it('counts concurrent failures each (no lost update)', async () => {
    const { email, password } = await t.createSigningUser(resellerId)
    await Promise.all([1, 2, 3].map((i) => t.login({ email, password: `wrong-${i}` })))
    expect((await t.login({ email, password })).status).toBe(429)
  })

  it('is lifted by POST …/users/{id}/unlock (reseller:user:update), recorded as user.unlocked', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    await fail(email, 3)
    const path = `/v3/resellers/${resellerId}/users/${user.id}/unlock`
    const reader = await t.tokenFor({ scopes: ['reseller:user:read'] })
    expect((await t.request('POST', path, { token: reader })).status).toBe(403)
    const other = (await t.createReseller()).id
    const outsider = await t.tokenFor({ role: 'reseller', resellerId: other })
    expect((await t.request('POST', path, { token: outsider })).status).toBe(403)
    const unlocked = await t.request('POST', path, { token: t.cspToken })
    expect(unlocked.status, unlocked.text).toBe(204)
    expect(await t.count('audit_events', "action = 'user.unlocked' AND resource_id = $1", [user.id])).toBe(1)
    expect((await t.login({ email, password })).status).toBe(200)
    // Nothing to lift: 204, nothing recorded.
    expect((await t.request('POST', path, { token: t.cspToken })).status).toBe(204)
    expect(await t.count('audit_events', "action = 'user.unlocked' AND resource_id = $1", [user.id])).toBe(1)
  })

  it('ends by itself after LOGIN_LOCKOUT_SECONDS, with the full allowance of failures again', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    await fail(email, 3)
    await t.db.query(
      "UPDATE user_login_failures SET locked_until = now() - interval '1 second' WHERE user_id = $1",
      [user.id],
    )
    await fail(email, 2)
    expect((await t.login({ email, password })).status).toBe(200)
  })
})

describe('failed sign-ins from one address', () => {
  it('are limited across accounts: past LOGIN_IP_MAX_FAILURES, 429 TOO_MANY_REQUESTS', async () => {
    const limited = await startTestApp({ LOGIN_IP_MAX_FAILURES: '4', LOGIN_IP_WINDOW_S: '300' })
    try {
      const reseller = (await limited.createReseller()).id
      const { email, password } = await limited.createSigningUser(reseller)
      for (let i = 0; i < 4; i++)
        expect((await limited.login({ email: `nobody-${i}@example.com`, password })).status).toBe(401)
      const refused = await limited.login({ email, password })
      expect(refused.status, refused.text).toBe(429)
      expect(refused.body.code).toBe('TOO_MANY_REQUESTS')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })
})
