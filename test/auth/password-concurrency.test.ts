// PASSWORD_HASH_CONCURRENCY bounds how many passwords hash at once (by default the cores less one, so that
// a burst of creates leaves a core to reads); the rest wait their turn and are hashed all the same.
import { verify } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  hashingState,
  hashPassword,
  resetPeakInFlight,
  setHashConcurrency,
} from '../../src/auth/passwords.ts'
import { ConfigError, defaultHashConcurrency, loadConfig } from '../../src/config.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

describe('the default bound', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [64, 4],
  ])('with %i cores hashes %i at once', (cores, expected) => {
    expect(defaultHashConcurrency(cores)).toBe(expected)
  })

  it('is what PASSWORD_HASH_CONCURRENCY says, from 1 to 64', () => {
    expect(loadConfig({}).passwordHashConcurrency).toBe(defaultHashConcurrency())
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: '3' }).passwordHashConcurrency).toBe(3)
    for (const bad of ['0', '65', 'two', '-1'])
      expect(() => loadConfig({ PASSWORD_HASH_CONCURRENCY: bad })).toThrow(ConfigError)
  })
})

describe('hashPassword under a bound of 1', () => {
  it('hashes one password at a time, queueing the rest, and hashes every one', async () => {
    setHashConcurrency(1)
    resetPeakInFlight()
    const passwords = ['first password', 'second password', 'third password']
    const pending = passwords.map(hashPassword)
    expect(hashingState()).toMatchObject({ concurrency: 1, inFlight: 1, queued: 2 })
    const hashes = await Promise.all(pending)
    expect(hashingState()).toMatchObject({ inFlight: 0, queued: 0, peakInFlight: 1 })
    for (const [index, password] of passwords.entries())
      expect(await verify(hashes[index] as string, password)).toBe(true)
  })

  it('lets more run at once when the bound is raised', async () => {
    setHashConcurrency(2)
    resetPeakInFlight()
    await Promise.all(['a password', 'another password', 'a third'].map(hashPassword))
    expect(hashingState().peakInFlight).toBe(2)
  })
})

describe('creates with PASSWORD_HASH_CONCURRENCY=1, over HTTP', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1' })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('answers every one of a burst of creates with a password, hashing one at a time', async () => {
    const resellerId = (await t.createReseller()).id
    resetPeakInFlight()
    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        t.request('POST', `/v3/resellers/${resellerId}/users`, {
          token: t.cspToken,
          body: {
            firstName: 'Ada',
            lastName: `Queued ${i}`,
            email: `queued-${i}-${crypto.randomUUID()}@example.com`,
            role: 'user',
            company: null,
            allowCustomerPortalAccess: false,
            password: `password number ${i}`,
          },
        }),
      ),
    )
    for (const response of responses) expect(response.status, response.text).toBe(201)
    expect(hashingState()).toMatchObject({ concurrency: 1, peakInFlight: 1, queued: 0 })
    const { rows } = await t.db.query<{ password_hash: string; last_name: string }>(
      `SELECT password_hash, last_name FROM users WHERE reseller_id = $1 ORDER BY last_name`,
      [resellerId],
    )
    expect(rows).toHaveLength(4)
    for (const [i, row] of rows.entries())
      expect(await verify(row.password_hash, `password number ${i}`)).toBe(true)
  })
})
