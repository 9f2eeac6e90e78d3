// Two-factor's rules at the domain: a code confirms enrolment and gives ten recovery codes once; a code
// counts once (a replay, even within its window, is refused); a recovery code works once; the secret is
// stored encrypted; turning it off takes a code; an admin's reset needs none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src/auth/totp.ts'
import type { Actor } from '../../src/domain/actor.ts'
import {
  beginTwoFactor,
  confirmTwoFactor,
  disableTwoFactor,
  proveSecondFactor,
  resetTwoFactor,
} from '../../src/domain/users/two-factor.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

async function newUser(): Promise<Actor> {
  const created = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
    token: t.cspToken,
    body: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: `${unique()}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: true,
      password: 'correct horse battery',
    },
  })
  expect(created.status, created.text).toBe(201)
  return {
    type: 'user',
    id: created.body.id,
    role: 'reseller',
    tenantId: t.tenantId,
    resellerId,
    scopes: new Set(),
    correlationId: 'test',
    ipAddress: null,
    userAgent: null,
  }
}

const csp = (): Actor => ({
  type: 'client',
  id: 'test-admin',
  role: 'csp',
  tenantId: t.tenantId,
  resellerId: null,
  scopes: new Set(),
  correlationId: 'test',
  ipAddress: null,
  userAgent: null,
})

const prove = (user: Actor, code: string) =>
  proveSecondFactor(t.db, t.deps.keyring, t.tenantId, user.id, code)

/** A code of the secret at a time step from now (0: this one). */
const codeAt = (secret: string, steps = 0) => totpCodeAt(secret, Date.now() + steps * 30_000)

async function enrolled(user: Actor): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await beginTwoFactor(t.db, t.deps.keyring, user)
  const { recoveryCodes } = await confirmTwoFactor(t.db, t.deps.keyring, user, codeAt(secret, -1))
  return { secret, recoveryCodes }
}

describe('enrolment', () => {
  it('gives a secret and its otpauth URI, stores the secret encrypted, and is pending until confirmed', async () => {
    const user = await newUser()
    const { secret, otpauthUri } = await beginTwoFactor(t.db, t.deps.keyring, user)
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//)
    expect(otpauthUri).toContain(`secret=${secret}`)
    const stored = await t.db.query<{ secret: string }>(
      'SELECT secret FROM user_two_factor WHERE user_id = $1',
      [user.id],
    )
    expect(stored.rows[0]?.secret).toMatch(/^enc:v1:/)
    expect(stored.rows[0]?.secret).not.toContain(secret)
    // Pending: no code of it proves anything yet, and the user's flag is still off.
    expect(await prove(user, codeAt(secret))).toBeNull()
    const flag = await t.db.query('SELECT two_factor_enabled FROM users WHERE id = $1', [user.id])
    expect(flag.rows[0]?.two_factor_enabled).toBe(false)
  })

  it('refuses a wrong code at confirmation and changes nothing; a right one turns it on with ten recovery codes', async () => {
    const user = await newUser()
    const { secret } = await beginTwoFactor(t.db, t.deps.keyring, user)
    await expect(confirmTwoFactor(t.db, t.deps.keyring, user, '000000')).rejects.toMatchObject({
      code: 'INVALID_TWO_FACTOR_CODE',
    })
    await expect(confirmTwoFactor(t.db, t.deps.keyring, user, codeAt(secret, 5))).rejects.toMatchObject({
      code: 'INVALID_TWO_FACTOR_CODE',
    })
    const { recoveryCodes } = await confirmTwoFactor(t.db, t.deps.keyring, user, codeAt(secret))
    expect(recoveryCodes).toHaveLength(10)
    expect(new Set(recoveryCodes).size).toBe(10)
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    const stored = await t.db.query<{ code_hash: string }>(
      'SELECT code_hash FROM user_recovery_codes WHERE user_id = $1',
      [user.id],
    )
    expect(stored.rows).toHaveLength(10)
    for (const row of stored.rows) expect(recoveryCodes.join()).not.toContain(row.code_hash)
    const flag = await t.db.query('SELECT two_factor_enabled FROM users WHERE id = $1', [user.id])
    expect(flag.rows[0]?.two_factor_enabled).toBe(true)
    // Audited, without the secret or a code.
    const audit = await t.db.query<{ changes: unknown }>(
      `SELECT changes FROM audit_events WHERE resource_id = $1 AND action = 'user.two-factor.enabled'`,
      [user.id],
    )
    expect(audit.rows).toHaveLength(1)
    const text =
      JSON.stringify(audit.rows) + JSON.stringify(await t.db.query('SELECT data FROM outbox_events'))
    expect(text).not.toContain(secret)
    for (const code of recoveryCodes) expect(text).not.toContain(code)
  })

  it('refuses a second enrolment while two-factor is on', async () => {
    const user = await newUser()
    await enrolled(user)
    await expect(beginTwoFactor(t.db, t.deps.keyring, user)).rejects.toMatchObject({
      code: 'TWO_FACTOR_ALREADY_ENABLED',
    })
  })

  it('refuses a confirmation with no enrolment pending', async () => {
    const user = await newUser()
    await expect(confirmTwoFactor(t.db, t.deps.keyring, user, '123456')).rejects.toMatchObject({
      code: 'TWO_FACTOR_NOT_STARTED',
    })
  })
})

describe('a code at sign-in', () => {
  it('counts once: the same code, and any code of an earlier step, is then refused', async () => {
    const user = await newUser()
    const { secret } = await enrolled(user) // confirmed with the code of the step before this one
    expect(await prove(user, codeAt(secret, -1))).toBeNull() // the confirming code, replayed
    const now = codeAt(secret)
    expect(await prove(user, now)).toBe('totp')
    expect(await prove(user, now)).toBeNull() // replayed within its window
    expect(await prove(user, codeAt(secret, -1))).toBeNull() // an older step
    expect(await prove(user, codeAt(secret, 1))).toBe('totp') // the next step, within the window
    expect(await prove(user, codeAt(secret, 3))).toBeNull() // too far ahead
    expect(await prove(user, '12345')).toBeNull()
  })

  it('takes one of two racing requests with the same code, never both', async () => {
    const user = await newUser()
    const { secret } = await enrolled(user)
    const code = codeAt(secret, 1)
    const results = await Promise.all([prove(user, code), prove(user, code), prove(user, code)])
    expect(results.filter((r) => r === 'totp')).toHaveLength(1)
  })

  it('takes a recovery code once, typed in any case, with or without dashes', async () => {
    const user = await newUser()
    const { recoveryCodes } = await enrolled(user)
    const [first, second] = recoveryCodes as [string, string]
    expect(await prove(user, first.toUpperCase())).toBe('recovery-code')
    expect(await prove(user, first)).toBeNull()
    expect(await prove(user, second.replace(/-/g, ''))).toBe('recovery-code')
    expect(await prove(user, 'aaaa-bbbb-cccc-dddd')).toBeNull()
  })

  it('proves nothing for a user without two-factor', async () => {
    const user = await newUser()
    expect(await prove(user, '123456')).toBeNull()
  })
})

describe('turning it off', () => {
  it('takes a valid code, then forgets the secret and the recovery codes', async () => {
    const user = await newUser()
    const { secret, recoveryCodes } = await enrolled(user)
    await expect(disableTwoFactor(t.db, t.deps.keyring, user, '000000')).rejects.toMatchObject({
      code: 'INVALID_TWO_FACTOR_CODE',
    })
    await disableTwoFactor(t.db, t.deps.keyring, user, codeAt(secret, 1))
    expect(await t.count('user_two_factor', 'user_id = $1', [user.id])).toBe(0)
    expect(await t.count('user_recovery_codes', 'user_id = $1', [user.id])).toBe(0)
    expect(await prove(user, recoveryCodes[0] as string)).toBeNull()
    await expect(disableTwoFactor(t.db, t.deps.keyring, user, codeAt(secret))).rejects.toMatchObject({
      code: 'TWO_FACTOR_NOT_ENABLED',
    })
  })

  it('is reset by an admin without a code, recorded as a reset; a reset of a user without it records nothing', async () => {
    const user = await newUser()
    await enrolled(user)
    await resetTwoFactor(t.db, csp(), resellerId, user.id)
    const flag = await t.db.query('SELECT two_factor_enabled FROM users WHERE id = $1', [user.id])
    expect(flag.rows[0]?.two_factor_enabled).toBe(false)
    expect(
      await t.count('audit_events', `resource_id = $1 AND action = 'user.two-factor.reset'`, [user.id]),
    ).toBe(1)
    await resetTwoFactor(t.db, csp(), resellerId, user.id)
    expect(
      await t.count('audit_events', `resource_id = $1 AND action = 'user.two-factor.reset'`, [user.id]),
    ).toBe(1)
    // And the user may enrol again.
    await enrolled(user)
  })
})
