// The log of a run that fails in many ways holds no secret: no password, hash, token, client or webhook secret.
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggedUrl, loggerOptions, serializeError } from '../../src/logging.ts'
import { ENCRYPTION_KEY, startTestApp, type TestApp, unique } from '../support/app.ts'

const lines: string[] = []
const stream = new Writable({
  write(chunk, _encoding, callback) {
    lines.push(...chunk.toString().split('\n').filter(Boolean))
    callback()
  },
})

let t: TestApp
beforeAll(async () => {
  const options = loggerOptions('debug') as Record<string, unknown>
  t = await startTestApp({}, { logger: { ...options, stream } })
})
afterAll(async () => {
  await t?.close()
})

const PASSWORD = 'Pa55word-never-logged'
const WEBHOOK_TOKEN = 'webhook-token-never-logged-0123456789'
const CLIENT_SECRET = 'client-secret-never-logged-0123456789'

describe('logs under errors', () => {
  it('hold no secret, hash or token, whatever failed', async () => {
    const reseller = await t.createReseller()
    // Inputs a database refuses (a NUL byte), carrying secrets beside them.
    await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: { firstName: 'Nul\u0000', email: `${unique('n')}@example.com`, role: 'user', password: PASSWORD },
    })
    await t.request('POST', '/v3/webhooks', {
      token: t.cspToken,
      body: {
        name: 'hook\u0000',
        url: 'https://93.184.215.14/hook',
        events: ['reseller.created'],
        token: WEBHOOK_TOKEN,
      },
    })
    // A client secret in a query string, and in a body that fails.
    await t.request(
      'POST',
      `/oauth/token?grant_type=client_credentials&client_id=x&client_secret=${CLIENT_SECRET}`,
    )
    await t.request('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: CLIENT_SECRET },
    })
    // A token on a route that does not exist, and a password on one that refuses it.
    await t.request('GET', '/v3/nowhere', { token: t.cspToken })
    const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: { firstName: 'Ok', email: `${unique('ok')}@example.com`, role: 'user', password: PASSWORD },
    })
    await t.request('POST', `/v3/resellers/${reseller.id}/users/${user.body.id}/password`, {
      token: t.cspToken,
      body: { password: PASSWORD },
    })
    // Signing in, refreshing, changing the password and out: passwords and tokens in bodies and answers.
    const signer = await t.createSigningUser(reseller.id, { password: PASSWORD })
    await t.login({ email: signer.email, password: `${PASSWORD}-wrong` })
    const signedIn = await t.signIn(signer.email, PASSWORD)
    const refreshed = await t.request('POST', '/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: signedIn.refreshToken },
    })
    await t.request('POST', '/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: signedIn.refreshToken },
    })
    await t.request('POST', '/v3/me/password', {
      token: refreshed.body.access_token,
      body: { currentPassword: PASSWORD, newPassword: `${PASSWORD}-new` },
    })
    await t.request('POST', '/v3/accounts/logout', { body: { refreshToken: refreshed.body.refresh_token } })
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (const secret of [signedIn.accessToken, signedIn.refreshToken, refreshed.body.refresh_token])
      expect(lines.join('\n')).not.toContain(secret)

    const log = lines.join('\n')
    expect(lines.length).toBeGreaterThan(10)
    const keys = [ENCRYPTION_KEY, 'enc:v1:', 'hmac-sha256$']
    for (const secret of [PASSWORD, WEBHOOK_TOKEN, CLIENT_SECRET, t.cspToken, '$argon2id$', ...keys])
      expect(log, `the log holds ${secret}`).not.toContain(secret)
    // The requests themselves are still logged, by path.
    expect(log).toContain('/oauth/token')
    expect(log).toContain('/v3/nowhere')
  })
})

describe('loggedUrl', () => {
  it('drops the whole query of the token endpoint, and censors secret parameters elsewhere', () => {
    expect(loggedUrl('/oauth/token?client_id=a&client_secret=b')).toBe('/oauth/token')
    expect(loggedUrl('/v3/users?page=2&token=abc&Password=x&search=ann')).toBe(
      '/v3/users?page=2&token=[redacted]&Password=[redacted]&search=ann',
    )
    expect(loggedUrl('/v3/users')).toBe('/v3/users')
  })
})

describe('serializeError', () => {
  it('keeps only the SQLSTATE, table and constraint of a database error', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint: (email)=(a@b)'), {
      code: '23505',
      severity: 'ERROR',
      table: 'users',
      constraint: 'users_tenant_email',
      detail: 'Key (email)=(a@b) already exists.',
      query: 'INSERT INTO users …',
      params: ['$argon2id$v=19$secret'],
    })
    expect(serializeError(error)).toEqual({
      type: 'DatabaseError',
      sqlState: '23505',
      table: 'users',
      constraint: 'users_tenant_email',
    })
  })

  it('serializes any other error as pino does', () => {
    expect(serializeError(new TypeError('boom'))).toMatchObject({ type: 'TypeError', message: 'boom' })
  })
})
