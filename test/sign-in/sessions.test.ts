// Sessions from both sides: refresh rotation (RFC 6749 §6) and reuse detection that ends the family (RFC 9700),
// logout, a password change ending the other sessions, and a session ending when its user goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp, tokenClaims } from '../support/app.ts'

let t: TestApp
let resellerId: string
beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
  t.request('POST', '/oauth/token', {
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...extra,
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
const me = (token: string) => t.request('GET', '/v3/me', { token })

async function session(body: Record<string, unknown> = {}) {
  const { user, email, password } = await t.createSigningUser(resellerId, body)
  return { user, email, password, ...(await t.signIn(email, password)) }
}

describe('refreshing', () => {
  it('answers a new pair and retires the refresh token used; the new access token works', async () => {
    const s = await session()
    const response = await refresh(s.refreshToken)
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: '',
    })
    expect(response.body.refresh_token).not.toBe(s.refreshToken)
    expect(tokenClaims(response.body.access_token).sid).toBe(tokenClaims(s.accessToken).sid)
    expect((await me(response.body.access_token)).status).toBe(200)
    expect(
      await t.count('audit_events', "action = 'user.token.refreshed' AND resource_id = $1", [s.user.id]),
    ).toBe(1)
    // Stored hashed only.
    expect(await t.count('refresh_tokens', 'token_hash = $1', [s.refreshToken])).toBe(0)
  })

  it('ends the whole family when a retired refresh token comes back: every token of that sign-in stops', async () => {
    const s = await session()
    const first = await refresh(s.refreshToken)
    const second = await refresh(first.body.refresh_token)
    expect(second.status).toBe(200)
    // The first token, retired, replayed (a thief, or the user after a thief): invalid_grant, family revoked.
    const replay = await refresh(s.refreshToken)
    expect(replay.status).toBe(400)
    expect(replay.body.error).toBe('invalid_grant')
    expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant')
    expect((await me(second.body.access_token)).status).toBe(401)
    expect((await me(s.accessToken)).status).toBe(401)
    expect(
      await t.count('audit_events', "action = 'user.session.revoked' AND resource_id = $1", [s.user.id]),
    ).toBe(1)
    // Another session of the same user goes on.
    const other = await t.signIn(s.email, s.password)
    expect((await me(other.accessToken)).status).toBe(200)
  })

  it('refuses an unknown, malformed or missing refresh token with RFC 6749 errors', async () => {
    expect((await refresh('not-a-token')).body.error).toBe('invalid_grant')
    const missing = await t.request('POST', '/oauth/token', { body: { grant_type: 'refresh_token' } })
    expect(missing.status).toBe(400)
    expect(missing.body.error).toBe('invalid_request')
    const s = await session()
    expect((await refresh(s.refreshToken, { scope: 'reseller:read' })).body.error).toBe('invalid_scope')
  })

  it('refuses an expired refresh token', async () => {
    const s = await session()
    await t.db.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    expect((await refresh(s.refreshToken)).body.error).toBe('invalid_grant')
  })

  it('gives the role’s scope of now: a user made reseller-admin gets its claims at the next refresh', async () => {
    const s = await session()
    await t.request('PATCH', `/v3/resellers/${resellerId}/users/${s.user.id}`, {
      token: t.cspToken,
      body: { role: 'reseller-admin' },
    })
    const response = await refresh(s.refreshToken)
    expect(response.body.scope).toContain('reseller:user:read')
  })
})

describe('logging out', () => {
  it('ends the session: its refresh token is refused and its access token stops', async () => {
    const s = await session()
    const other = await t.signIn(s.email, s.password)
    const out = await t.request('POST', '/v3/accounts/logout', { body: { refreshToken: s.refreshToken } })
    expect(out.status, out.text).toBe(204)
    expect((await refresh(s.refreshToken)).body.error).toBe('invalid_grant')
    expect((await me(s.accessToken)).status).toBe(401)
    expect(await t.count('audit_events', "action = 'user.logout' AND resource_id = $1", [s.user.id])).toBe(1)
    // The user's other session is another sign-in: it goes on.
    expect((await me(other.accessToken)).status).toBe(200)
  })

  it('answers 204 for an unknown or already ended session, changing nothing', async () => {
    const before = await t.count('audit_events')
    expect(
      (await t.request('POST', '/v3/accounts/logout', { body: { refreshToken: 'nothing' } })).status,
    ).toBe(204)
    expect(await t.count('audit_events')).toBe(before)
  })
})

describe('changing one’s password', () => {
  it('needs the current password, ends every other session and keeps this one', async () => {
    const s = await session()
    const other = await t.signIn(s.email, s.password)
    const wrong = await t.request('POST', '/v3/me/password', {
      token: s.accessToken,
      body: { currentPassword: 'not-it', newPassword: 'a-new-password' },
    })
    expect(wrong.status).toBe(403)
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS')
    const changed = await t.request('POST', '/v3/me/password', {
      token: s.accessToken,
      body: { currentPassword: s.password, newPassword: 'a-new-password' },
    })
    expect(changed.status, changed.text).toBe(204)
    expect((await me(other.accessToken)).status).toBe(401)
    expect((await refresh(other.refreshToken)).body.error).toBe('invalid_grant')
    expect((await me(s.accessToken)).status).toBe(200)
    expect((await refresh(s.refreshToken)).status).toBe(200)
    expect((await t.login({ email: s.email, password: s.password })).status).toBe(401)
    expect((await t.login({ email: s.email, password: 'a-new-password' })).status).toBe(200)
    const [event] = (
      await t.db.query<{ actor_type: string }>(
        "SELECT actor_type FROM audit_events WHERE action = 'reseller.user.password.changed' AND resource_id = $1",
        [s.user.id],
      )
    ).rows
    expect(event?.actor_type).toBe('user')
  })

  it('ends every session when an administrator sets the password', async () => {
    const s = await session()
    const set = await t.request('POST', `/v3/resellers/${resellerId}/users/${s.user.id}/password`, {
      token: t.cspToken,
      body: { password: 'set-by-admin' },
    })
    expect(set.status).toBe(204)
    expect((await me(s.accessToken)).status).toBe(401)
    expect((await refresh(s.refreshToken)).body.error).toBe('invalid_grant')
  })
})

describe('a deleted user', () => {
  it('loses its sessions: no refresh, and its access token stops', async () => {
    const s = await session()
    const deleted = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${s.user.id}`, {
      token: t.cspToken,
    })
    expect(deleted.status).toBe(204)
    expect((await refresh(s.refreshToken)).body.error).toBe('invalid_grant')
    // Another process would see it within 30 s; this one is asked afresh once its cached answer lapses.
    t.deps.principals.forgetAll()
    expect((await me(s.accessToken)).status).toBe(401)
  })
})
