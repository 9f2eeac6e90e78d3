// Two-factor sign-in end to end (real HTTP): enrolment by the signed-in user (secret and otpauth URI, then ten
// recovery codes once), login then asking for a code, a code taken once (a replay refused), a recovery code
// taken once, turning it off with a code, an admin's reset; and refusals: no code, a wrong one, an API
// client's token on the user's routes, another reseller's user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src/auth/totp.ts'
import { type Json, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let resellerId: string
let otherResellerId: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  otherResellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

/** A code of the secret at a time step from now (0: this one). */
const codeAt = (secret: string, steps = 0) => totpCodeAt(secret, Date.now() + steps * 30_000)

/** A user who signed in and turned two-factor on (confirmed with the previous step's code). */
async function enrolledUser(): Promise<{
  email: string
  password: string
  secret: string
  recoveryCodes: string[]
  id: string
}> {
  const { user, email, password } = await t.createSigningUser(resellerId)
  const { accessToken } = await t.signIn(email, password)
  const begun = await t.request('POST', '/v3/me/two-factor', { token: accessToken })
  expect(begun.status, begun.text).toBe(200)
  expect(begun.headers.get('cache-control')).toBe('no-store')
  const { secret, otpauthUri } = begun.body as { secret: string; otpauthUri: string }
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//)
  expect(otpauthUri).toContain(`secret=${secret}`)
  const confirmed = await t.request('POST', '/v3/me/two-factor/confirm', {
    token: accessToken,
    body: { code: codeAt(secret, -1) },
  })
  expect(confirmed.status, confirmed.text).toBe(200)
  const { recoveryCodes } = confirmed.body as { recoveryCodes: string[] }
  expect(recoveryCodes).toHaveLength(10)
  return { email, password, secret, recoveryCodes, id: user.id }
}

describe('enrolment', () => {
  it('turns two-factor on: the user shows twoFactorEnabled, and a wrong confirming code changes nothing', async () => {
    const { user, email, password } = await t.createSigningUser(resellerId)
    const { accessToken } = await t.signIn(email, password)
    const { secret } = (await t.request('POST', '/v3/me/two-factor', { token: accessToken })).body as Json
    const wrong = await t.request('POST', '/v3/me/two-factor/confirm', {
      token: accessToken,
      body: { code: '000000' },
    })
    expect(wrong.status).toBe(400)
    expect(wrong.body.code).toBe('INVALID_TWO_FACTOR_CODE')
    expect((await t.request('GET', '/v3/me', { token: accessToken })).body.twoFactorEnabled).toBe(false)
    // Without it on, the password alone still signs in.
    expect((await t.login({ email, password })).status).toBe(200)
    const right = await t.request('POST', '/v3/me/two-factor/confirm', {
      token: accessToken,
      body: { code: codeAt(secret) },
    })
    expect(right.status, right.text).toBe(200)
    const me = await t.request('GET', '/v3/me', { token: accessToken })
    expect(me.body.twoFactorEnabled).toBe(true)
    const admin = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, {
      token: t.cspToken,
    })
    expect(admin.body.twoFactorEnabled).toBe(true)
    const again = await t.request('POST', '/v3/me/two-factor', { token: accessToken })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('TWO_FACTOR_ALREADY_ENABLED')
  })

  it('is the signed-in user’s alone: an API client’s token with every scope is refused', async () => {
    for (const [method, path] of [
      ['POST', '/v3/me/two-factor'],
      ['POST', '/v3/me/two-factor/confirm'],
      ['DELETE', '/v3/me/two-factor'],
    ] as const) {
      const response = await t.request(method, path, { token: t.cspToken, body: { code: '123456' } })
      expect(response.status, `${method} ${path}`).toBe(403)
    }
    expect((await t.request('POST', '/v3/me/two-factor')).status).toBe(401)
  })
})

describe('signing in with two factors', () => {
  it('asks for the code (401 TWO_FACTOR_REQUIRED), takes a right one once, and refuses it replayed', async () => {
    const { email, password, secret } = await enrolledUser()
    const bare = await t.login({ email, password })
    expect(bare.status).toBe(401)
    expect(bare.body.code).toBe('TWO_FACTOR_REQUIRED')
    expect(bare.body.accessToken).toBeUndefined()
    const code = codeAt(secret)
    const first = await t.login({ email, password, code })
    expect(first.status, first.text).toBe(200)
    expect(first.body.accessToken).toBeTruthy()
    const replayed = await t.login({ email, password, code })
    expect(replayed.status).toBe(401)
    expect(replayed.body.code).toBe('INVALID_TWO_FACTOR_CODE')
    // A wrong password with a right code is still a wrong password, and says nothing of the code.
    const wrongPassword = await t.login({ email, password: `${password}x`, code: codeAt(secret, 1) })
    expect(wrongPassword.status).toBe(401)
    expect(wrongPassword.body.code).toBe('INVALID_CREDENTIALS')
    expect((await t.login({ email, password, code: codeAt(secret, 1) })).status).toBe(200)
  })

  it('takes a recovery code once, in place of the app’s code', async () => {
    const { email, password, recoveryCodes } = await enrolledUser()
    const [recovery] = recoveryCodes as [string]
    expect((await t.login({ email, password, code: recovery })).status).toBe(200)
    const again = await t.login({ email, password, code: recovery })
    expect(again.status).toBe(401)
    expect(again.body.code).toBe('INVALID_TWO_FACTOR_CODE')
  })

  it('counts wrong codes as failed sign-ins: enough of them lock the account, the right code too', async () => {
    const { email, password, secret } = await enrolledUser()
    for (let i = 0; i < 10; i++) expect((await t.login({ email, password, code: '000000' })).status).toBe(401)
    const locked = await t.login({ email, password, code: codeAt(secret) })
    expect(locked.status).toBe(429)
    expect(locked.body.code).toBe('ACCOUNT_LOCKED')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('never puts the secret or a code in the audit log or a webhook event', async () => {
    const { email, password, secret, recoveryCodes } = await enrolledUser()
    await t.login({ email, password, code: codeAt(secret) })
    const stored =
      JSON.stringify((await t.db.query('SELECT changes FROM audit_events')).rows) +
      JSON.stringify((await t.db.query('SELECT data FROM outbox_events')).rows)
    expect(stored).not.toContain(secret)
    for (const code of recoveryCodes) expect(stored).not.toContain(code)
  })
})

describe('turning it off', () => {
  it('takes a code: without a valid one nothing changes; with one, the password alone signs in again', async () => {
    const { email, password, secret } = await enrolledUser()
    const { accessToken } = await t.signIn(email, password, { code: codeAt(secret) })
    const wrong = await t.request('DELETE', '/v3/me/two-factor', {
      token: accessToken,
      body: { code: '000000' },
    })
    expect(wrong.status).toBe(400)
    expect((await t.login({ email, password })).body.code).toBe('TWO_FACTOR_REQUIRED')
    const off = await t.request('DELETE', '/v3/me/two-factor', {
      token: accessToken,
      body: { code: codeAt(secret, 1) },
    })
    expect(off.status, off.text).toBe(204)
    expect((await t.login({ email, password })).status).toBe(200)
    expect(
      await t.count('user_two_factor', 'user_id = $1', [
        (await t.request('GET', '/v3/me', { token: accessToken })).body.id,
      ]),
    ).toBe(0)
  })

  it('is reset by an admin of the user’s reseller without a code, and refused to another reseller’s token', async () => {
    const { email, password, id } = await enrolledUser()
    const outsider = await t.tokenFor({ role: 'reseller', resellerId: otherResellerId })
    const refused = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${id}/two-factor`, {
      token: outsider,
    })
    expect(refused.status).toBe(403)
    expect((await t.login({ email, password })).body.code).toBe('TWO_FACTOR_REQUIRED')
    const reset = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${id}/two-factor`, {
      token: t.cspToken,
    })
    expect(reset.status, reset.text).toBe(204)
    expect((await t.login({ email, password })).status).toBe(200)
    expect(await t.count('audit_events', `resource_id = $1 AND action = 'user.two-factor.reset'`, [id])).toBe(
      1,
    )
    const unknown = await t.request(
      'DELETE',
      `/v3/resellers/${resellerId}/users/00000000-0000-4000-8000-000000000000/two-factor`,
      { token: t.cspToken },
    )
    expect(unknown.status).toBe(404)
  })
})
