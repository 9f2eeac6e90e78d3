// Invitations and password resets, end to end: the service mails a real SMTP server on 127.0.0.1, the test takes
// the link from the mail and uses it, and the password is set (its stored hash checked). Links are single-use and
// expire; a reset answers alike for an account that does not exist; no token or password leaks anywhere.
import { Writable } from 'node:stream'
import { verify } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggerOptions } from '../../src/logging.ts'
import { type Json, startTestApp, TENANT, type TestApp, unique } from '../support/app.ts'
import { linksIn, type ReceivedMail, type SmtpCatcher, startSmtpCatcher } from '../support/smtp.ts'

const lines: string[] = []
const logStream = new Writable({
  write(chunk, _encoding, callback) {
    lines.push(...chunk.toString().split('\n').filter(Boolean))
    callback()
  },
})

let t: TestApp
let smtp: SmtpCatcher
beforeAll(async () => {
  smtp = await startSmtpCatcher()
  t = await startTestApp(
    { SMTP_URL: smtp.url, MAIL_FROM: 'Portal <no-reply@portal.example.com>' },
    { logger: { ...(loggerOptions('debug') as Record<string, unknown>), stream: logStream } },
  )
})
afterAll(async () => {
  await t?.close()
  await smtp?.close()
})

async function createUser(resellerId: string, token = t.cspToken): Promise<Json> {
  const response = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
    token,
    body: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: `${unique('ada')}@example.com`,
      role: 'user',
      allowCustomerPortalAccess: true,
      password: 'first-password',
    },
  })
  expect(response.status, response.text).toBe(201)
  return { ...response.body, resellerId }
}

async function storedHash(userId: string): Promise<string> {
  const { rows } = await t.db.query<{ password_hash: string }>(
    'SELECT password_hash FROM users WHERE id = $1',
    [userId],
  )
  return rows[0]?.password_hash as string
}

/** Invites the user and returns the mail that arrived and the link's token in it. */
async function invite(user: Json): Promise<{ mail: ReceivedMail; token: string }> {
  const before = smtp.to(user.email).length
  const response = await t.request('POST', `/v3/resellers/${user.resellerId}/users/${user.id}/invitations`, {
    token: t.cspToken,
  })
  expect(response.status, response.text).toBe(202)
  expect(response.text).toBe('')
  const mail = await smtp.waitFor(user.email, { after: before })
  const [link] = linksIn(mail)
  expect(link?.page).toBe('/console/accept-invitation')
  return { mail, token: link?.token as string }
}

const accept = (token: string, password: string) =>
  t.request('POST', '/v3/accounts/invitations/accept', { body: { token, password } })
const confirm = (token: string, password: string) =>
  t.request('POST', '/v3/accounts/password-reset/confirm', { body: { token, password } })
const askReset = (email: string, accountAlias = TENANT) =>
  t.request('POST', '/v3/accounts/password-reset', { body: { accountAlias, email } })

/** Asks for a reset of a known account and returns the mailed link's token. */
async function reset(user: Json): Promise<{ mail: ReceivedMail; token: string }> {
  const before = smtp.to(user.email).length
  const response = await askReset(user.email)
  expect(response.status, response.text).toBe(202)
  const mail = await smtp.waitFor(user.email, { after: before })
  const [link] = linksIn(mail)
  expect(link?.page).toBe('/console/reset-password')
  return { mail, token: link?.token as string }
}

const actionsOf = async (userId: string) =>
  (
    await t.db.query<{ action: string; actor_type: string }>(
      'SELECT action, actor_type FROM audit_events WHERE resource_id = $1 ORDER BY occurred_at, id',
      [userId],
    )
  ).rows

describe('an invitation', () => {
  let resellerId: string
  beforeAll(async () => {
    resellerId = (await t.createReseller()).id
  })

  it('mails the user a link to the console; accepting it with a password sets that password', async () => {
    const user = await createUser(resellerId)
    const { mail, token } = await invite(user)
    expect(mail.to).toEqual([user.email])
    expect(mail.from).toBe('no-reply@portal.example.com')
    expect(mail.raw).toMatch(/^Content-Type: text\/html/m)
    expect(linksIn(mail)[0]?.url).toBe(`${t.deps.config.publicUrl}/console/accept-invitation#token=${token}`)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const accepted = await accept(token, 'chosen by Ada')
    expect(accepted.status, accepted.text).toBe(204)
    expect(await verify(await storedHash(user.id), 'chosen by Ada')).toBe(true)
    // And the user signs in with it; the old password no longer does.
    const login = await t.login({ email: user.email, password: 'chosen by Ada' })
    expect(login.status, login.text).toBe(200)
    expect((await t.login({ email: user.email, password: 'first-password' })).body.code).toBe(
      'INVALID_CREDENTIALS',
    )
    const actions = await actionsOf(user.id)
    expect(actions).toContainEqual({ action: 'user.invitation.sent', actor_type: 'client' })
    expect(actions).toContainEqual({ action: 'user.invitation.accepted', actor_type: 'user' })
    expect(
      await t.count('outbox_events', "resource_id = $1 AND event LIKE 'user.invitation.%'", [user.id]),
    ).toBe(2)
  })

  it('is refused a second time (400 LINK_USED), and the password stays', async () => {
    const user = await createUser(resellerId)
    const { token } = await invite(user)
    expect((await accept(token, 'the first choice')).status).toBe(204)
    const again = await accept(token, 'a second choice')
    expect(again.status).toBe(400)
    expect(again.body).toEqual({ message: expect.any(String), code: 'LINK_USED' })
    expect(await verify(await storedHash(user.id), 'the first choice')).toBe(true)
  })

  it('is refused once expired (400 LINK_EXPIRED), and lasts 7 days', async () => {
    const user = await createUser(resellerId)
    const { token } = await invite(user)
    const { rows } = await t.db.query<{ days: number }>(
      `SELECT extract(epoch FROM expires_at - created_at) / 86400 AS days FROM account_links
       WHERE user_id = $1 AND purpose = 'invitation'`,
      [user.id],
    )
    expect(Math.round(Number(rows[0]?.days))).toBe(7)
    await t.db.query("UPDATE account_links SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
      user.id,
    ])
    const late = await accept(token, 'too late now')
    expect(late.status).toBe(400)
    expect(late.body).toEqual({ message: expect.any(String), code: 'LINK_EXPIRED' })
    expect(await verify(await storedHash(user.id), 'first-password')).toBe(true)
  })

  it('replaces the earlier link of the user: the older one is refused, the newer one works', async () => {
    const user = await createUser(resellerId)
    const first = await invite(user)
    const second = await invite(user)
    expect((await accept(first.token, 'from the old mail')).body).toMatchObject({ code: 'LINK_EXPIRED' })
    expect((await accept(second.token, 'from the new mail')).status).toBe(204)
  })

  it('refuses a token it never issued, and an invitation used as a reset link (400 LINK_INVALID)', async () => {
    expect((await accept('A'.repeat(43), 'whatever-password')).body).toEqual({
      message: expect.any(String),
      code: 'LINK_INVALID',
    })
    const user = await createUser(resellerId)
    const { token } = await invite(user)
    expect((await confirm(token, 'whatever-password')).body).toMatchObject({ code: 'LINK_INVALID' })
    expect((await accept(token, 'still works')).status).toBe(204)
  })

  it('is refused once its user is deleted (400 LINK_INVALID)', async () => {
    const user = await createUser(resellerId)
    const { token } = await invite(user)
    const deleted = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${user.id}`, {
      token: t.cspToken,
    })
    expect(deleted.status).toBe(204)
    expect((await accept(token, 'nobody to set')).body).toMatchObject({ code: 'LINK_INVALID' })
  })

  it('refuses a password the service refuses anywhere (400), and the link stays good', async () => {
    const user = await createUser(resellerId)
    const { token } = await invite(user)
    const short = await accept(token, 'short')
    expect(short.status).toBe(400)
    expect(short.body).toMatchObject({ code: 'VALIDATION_ERROR' })
    expect((await accept(token, 'long enough')).status).toBe(204)
  })

  it("is refused for another reseller's user with a reseller token (403), and for an unknown user (404)", async () => {
    const mine = await t.createReseller()
    const theirs = await t.createReseller()
    const theirUser = await createUser(theirs.id)
    const resellerToken = await t.tokenFor({ role: 'reseller', resellerId: mine.id })
    const sent = smtp.received.length
    const foreign = await t.request('POST', `/v3/resellers/${theirs.id}/users/${theirUser.id}/invitations`, {
      token: resellerToken,
    })
    expect(foreign.status).toBe(403)
    // Its own reseller's path, another reseller's user: not found there.
    const elsewhere = await t.request('POST', `/v3/resellers/${mine.id}/users/${theirUser.id}/invitations`, {
      token: resellerToken,
    })
    expect(elsewhere.status).toBe(404)
    const unknown = await t.request(
      'POST',
      `/v3/resellers/${mine.id}/users/0193b0c4-0000-7000-8000-00000000dead/invitations`,
      { token: t.cspToken },
    )
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ message: 'User not found.', code: 'NOT_FOUND' })
    await t.app.mailer.settled()
    expect(smtp.received.length).toBe(sent)
    expect(await t.count('account_links', 'user_id = $1', [theirUser.id])).toBe(0)
  })
})

describe('a password reset', () => {
  let resellerId: string
  beforeAll(async () => {
    resellerId = (await t.createReseller()).id
  })

  it('mails a known account a link to the console; confirming it sets the password, once', async () => {
    const user = await createUser(resellerId)
    const { mail, token } = await reset(user)
    expect(mail.decoded).toContain(`${user.email} at ${TENANT}`)
    expect(linksIn(mail)[0]?.url).toBe(`${t.deps.config.publicUrl}/console/reset-password#token=${token}`)
    const confirmed = await confirm(token, 'a new password')
    expect(confirmed.status, confirmed.text).toBe(204)
    expect(await verify(await storedHash(user.id), 'a new password')).toBe(true)
    expect((await confirm(token, 'yet another one')).body).toMatchObject({ code: 'LINK_USED' })
    const actions = await actionsOf(user.id)
    expect(actions).toContainEqual({ action: 'user.password.reset.requested', actor_type: 'anonymous' })
    expect(actions).toContainEqual({ action: 'user.password.reset', actor_type: 'user' })
  })

  it("ends the user's sessions and lifts a lock: whoever took the account is signed out, its owner signs in", async () => {
    const user = await createUser(resellerId)
    const session = await t.signIn(user.email, 'first-password')
    for (let i = 0; i < 10; i++) await t.login({ email: user.email, password: 'a guess' })
    expect((await t.login({ email: user.email, password: 'first-password' })).body.code).toBe(
      'ACCOUNT_LOCKED',
    )
    const { token } = await reset(user)
    expect((await confirm(token, 'taken back')).status).toBe(204)
    const refreshed = await t.request('POST', '/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: session.refreshToken },
    })
    expect(refreshed.status).toBe(400)
    expect(refreshed.body.error).toBe('invalid_grant')
    expect((await t.request('GET', '/v3/me', { token: session.accessToken })).status).toBe(401)
    expect((await t.login({ email: user.email, password: 'taken back' })).status).toBe(200)
  })

  it('finds the account whatever the case of its email and alias', async () => {
    const user = await createUser(resellerId)
    const before = smtp.to(user.email).length
    expect((await askReset(user.email.toUpperCase(), TENANT.toUpperCase())).status).toBe(202)
    await smtp.waitFor(user.email, { after: before })
  })

  it('answers an unknown email, or an unknown account, alike (202, no body) and sends nothing', async () => {
    const user = await createUser(resellerId)
    const known = await askReset(user.email)
    const unknownEmail = await askReset(`${unique('nobody')}@example.com`)
    const unknownAccount = await askReset(user.email, 'nowhere.example.com')
    const shape = (r: Awaited<ReturnType<typeof askReset>>) => ({
      status: r.status,
      text: r.text,
      type: r.headers.get('content-type'),
      length: r.headers.get('content-length'),
    })
    expect(shape(unknownEmail)).toEqual(shape(known))
    expect(shape(unknownAccount)).toEqual(shape(known))
    expect(shape(known)).toMatchObject({ status: 202, text: '' })
    await t.app.mailer.settled()
    expect(smtp.to(user.email)).toHaveLength(1)
    expect(await t.count('account_links', 'user_id = $1', [user.id])).toBe(1)
    expect(smtp.received.filter((m) => m.to.some((to) => to.startsWith('nobody')))).toEqual([])
  })

  it('lasts an hour, and is refused once expired (400 LINK_EXPIRED)', async () => {
    const user = await createUser(resellerId)
    const { token } = await reset(user)
    const { rows } = await t.db.query<{ seconds: number }>(
      `SELECT extract(epoch FROM expires_at - created_at) AS seconds FROM account_links
       WHERE user_id = $1 AND purpose = 'password-reset'`,
      [user.id],
    )
    expect(Math.round(Number(rows[0]?.seconds))).toBe(3600)
    await t.db.query("UPDATE account_links SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
      user.id,
    ])
    expect((await confirm(token, 'too late for this')).body).toMatchObject({ code: 'LINK_EXPIRED' })
    expect(await verify(await storedHash(user.id), 'first-password')).toBe(true)
  })

  it('mails a user at most 5 times an hour, however often it is asked', async () => {
    const user = await createUser(resellerId)
    for (let i = 0; i < 8; i++) expect((await askReset(user.email)).status).toBe(202)
    await t.app.mailer.settled()
    expect(smtp.to(user.email)).toHaveLength(5)
    // Only the newest link works.
    const newest = linksIn(smtp.to(user.email)[4] as ReceivedMail)[0]?.token as string
    const oldest = linksIn(smtp.to(user.email)[0] as ReceivedMail)[0]?.token as string
    expect((await confirm(oldest, 'from the first mail')).body).toMatchObject({ code: 'LINK_EXPIRED' })
    expect((await confirm(newest, 'from the last mail')).status).toBe(204)
  })

  it('ends the open invitation too: a password set through one link retires the others', async () => {
    const user = await createUser(resellerId)
    const invitation = await invite(user)
    const { token } = await reset(user)
    expect((await confirm(token, 'reset wins here')).status).toBe(204)
    expect((await accept(invitation.token, 'too late, invite')).body).toMatchObject({ code: 'LINK_EXPIRED' })
  })
})

describe('secrets', () => {
  it('appear in no log line, response, audit change or webhook payload', async () => {
    const reseller = await t.createReseller()
    const user = await createUser(reseller.id)
    const invitation = await invite(user)
    const password1 = 'invited-password-never-seen'
    expect((await accept(invitation.token, password1)).status).toBe(204)
    const resetLink = await reset(user)
    const password2 = 'reset-password-never-seen'
    const confirmed = await confirm(resetLink.token, password2)
    expect(confirmed.status).toBe(204)
    await t.app.mailer.settled()
    const stored = JSON.stringify(
      (
        await t.db.query(
          `SELECT a.changes::text AS changes, o.data::text AS data FROM audit_events a
           LEFT JOIN outbox_events o ON o.resource_id = a.resource_id WHERE a.resource_id = $1`,
          [user.id],
        )
      ).rows,
    )
    const hashes = JSON.stringify((await t.db.query('SELECT token_hash FROM account_links')).rows)
    for (const secret of [invitation.token, resetLink.token, password1, password2]) {
      expect(lines.join('\n')).not.toContain(secret)
      expect(stored).not.toContain(secret)
      expect(hashes).not.toContain(secret)
    }
    expect(lines.some((line) => line.includes('"mail sent"'))).toBe(true)
  })

  it('counts a mail the server refuses, and logs the failure without the link', async () => {
    const user = await createUser((await t.createReseller()).id)
    smtp.setRefusing(true)
    try {
      const response = await t.request(
        'POST',
        `/v3/resellers/${user.resellerId}/users/${user.id}/invitations`,
        { token: t.cspToken },
      )
      expect(response.status).toBe(202)
      const deadline = Date.now() + 10_000
      const failures = async () =>
        (await t.app.metrics.getSingleMetric('reseller_api_mail_failures_total')?.get())?.values ?? []
      while ((await failures()).length === 0) {
        if (Date.now() > deadline) throw new Error('no failure counted')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(await failures()).toContainEqual(
        expect.objectContaining({ labels: { purpose: 'invitation', final: 'false' }, value: 1 }),
      )
      const failed = lines.filter((line) => line.includes('mail failed'))
      expect(failed.length).toBeGreaterThan(0)
      expect(failed.join('\n')).not.toContain('#token=')
      expect(failed.join('\n')).toContain(user.id)
    } finally {
      smtp.setRefusing(false)
    }
  })
})

describe('without SMTP_URL', () => {
  it('writes the mail, link included, to the log at info, and the link works', async () => {
    const logged: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        logged.push(...chunk.toString().split('\n').filter(Boolean))
        callback()
      },
    })
    const plain = await startTestApp(
      {},
      { logger: { ...(loggerOptions('info') as Record<string, unknown>), stream } },
    )
    try {
      const reseller = await plain.createReseller()
      const created = await plain.request('POST', `/v3/resellers/${reseller.id}/users`, {
        token: plain.cspToken,
        body: {
          firstName: 'Lin',
          email: 'lin@example.com',
          role: 'user',
          allowCustomerPortalAccess: true,
          password: 'first-password',
        },
      })
      const response = await plain.request(
        'POST',
        `/v3/resellers/${reseller.id}/users/${created.body.id}/invitations`,
        {
          token: plain.cspToken,
        },
      )
      expect(response.status).toBe(202)
      await plain.app.mailer.settled()
      const line = logged.map((l) => JSON.parse(l)).find((l) => l.mail?.to === 'lin@example.com')
      expect(line.level).toBe(30)
      const token = /#token=([A-Za-z0-9_-]+)/.exec(line.mail.text)?.[1] as string
      const accepted = await plain.request('POST', '/v3/accounts/invitations/accept', {
        body: { token, password: 'from the log' },
      })
      expect(accepted.status).toBe(204)
    } finally {
      await plain.close()
    }
  })
})
