// Sign-in with OpenID Connect, end to end: the app on a real port, a real issuer (oidc-provider) on 127.0.0.1,
// and a browser walked through the redirects by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOOGLE_ISSUER } from '../../src/config-oidc.ts'
import { newId } from '../../src/domain/ids.ts'
import { userForIdentity } from '../../src/domain/users/identities.ts'
import { type Json, startTestApp, TENANT, type TestApp, unique } from '../support/app.ts'
import { fragmentOf, startTestIssuer, type TestIssuer, walk } from '../support/oidc-provider.ts'

// The address the issuer sends browsers back to; the walk reads it as the app's real address.
const PUBLIC_URL = 'http://reseller-api.test'
const CALLBACK = `${PUBLIC_URL}/v3/accounts/oidc/callback`
const CONSOLE = 'https://console.example.com/app'

let t: TestApp
let issuer: TestIssuer
let corp: TestIssuer
let resellerId: string

beforeAll(async () => {
  issuer = await startTestIssuer(CALLBACK)
  corp = await startTestIssuer(CALLBACK, { claimsInIdToken: false })
  t = await startTestApp({
    PUBLIC_URL,
    OIDC_PROVIDERS: JSON.stringify([
      issuer.providerEntry('local', 'Local issuer'),
      corp.providerEntry('corp'),
      { id: 'down', issuer: 'http://127.0.0.1:1', clientId: 'x', clientSecret: 'y' },
    ]),
    OIDC_RETURN_TO: `https://elsewhere.example.com, ${CONSOLE}`,
  })
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
  await issuer?.close()
  await corp?.close()
})

const startPath = (query: Record<string, string>) =>
  `/v3/accounts/oidc/start?${new URLSearchParams({ accountAlias: TENANT, returnTo: `${CONSOLE}/done`, provider: 'local', ...query })}`

async function createUser(email: string, token = t.cspToken, reseller = resellerId): Promise<Json> {
  const response = await t.request('POST', `/v3/resellers/${reseller}/users`, {
    token,
    body: {
      firstName: 'Ada',
      lastName: 'L',
      email,
      role: 'user',
      allowCustomerPortalAccess: true,
      password: 'correct horse',
    },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

/** A whole sign-in as `subject` at `through`, from the start to where the service sends the browser back. */
function signInAs(
  subject: string,
  query: Record<string, string> = {},
  through = issuer,
  alter?: (url: URL) => URL,
) {
  through.signInAs(subject)
  return walk(
    `${t.url}${startPath(query)}`,
    { appUrl: t.url, publicUrl: PUBLIC_URL, issuer: through.issuer },
    alter,
  )
}

/** The start alone: its answer, redirects not followed. */
const start = (query: Record<string, string>) => fetch(`${t.url}${startPath(query)}`, { redirect: 'manual' })

const linksOf = (userId: string) => t.count('user_identities', 'user_id = $1', [userId])

describe('signing in with OpenID Connect', () => {
  it('links a verified email to its user, audits it and sends the tokens in the fragment', async () => {
    const email = `${unique('ada')}@example.com`
    const user = await createUser(email)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email: email.toUpperCase(), email_verified: true })
    const result = await signInAs(subject)

    expect(result.status).toBe(302)
    const back = new URL(result.location as string)
    expect(`${back.origin}${back.pathname}`).toBe(`${CONSOLE}/done`)
    expect(back.search).toBe('')
    const fragment = fragmentOf(result.location)
    expect(Object.keys(fragment)).toEqual(['access_token', 'refresh_token', 'expires_in', 'token_type'])
    expect(fragment.token_type).toBe('Bearer')
    expect(Number(fragment.expires_in)).toBeGreaterThan(0)
    expect((await t.deps.tokens.verify(fragment.access_token as string)).sub).toBe(user.id)
    // A real session: the access token is the user's own, and its refresh token gives the next pair.
    const me = await t.request('GET', '/v3/me', { token: fragment.access_token as string })
    expect(me.status, me.text).toBe(200)
    expect(me.body.id).toBe(user.id)
    expect(await t.count('user_sessions', `user_id = $1 AND method = 'oidc'`, [user.id])).toBe(1)
    const refreshed = await t.request('POST', '/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: fragment.refresh_token },
    })
    expect(refreshed.status, refreshed.text).toBe(200)
    expect(refreshed.body.refresh_token).not.toBe(fragment.refresh_token)

    // The start sent the browser to the issuer with PKCE S256, a state and a nonce, and no secret.
    const authorize = new URL(result.visited[1] as string)
    expect(authorize.origin).toBe(issuer.issuer)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('state')).toBeTruthy()
    expect(authorize.searchParams.get('nonce')).toBeTruthy()
    expect(authorize.searchParams.get('redirect_uri')).toBe(CALLBACK)
    expect(authorize.href).not.toContain(issuer.clientSecret)

    const { rows } = await t.db.query<Json>(
      'SELECT provider_id, issuer, subject FROM user_identities WHERE user_id = $1',
      [user.id],
    )
    expect(rows).toEqual([{ provider_id: 'local', issuer: issuer.issuer, subject }])
    const got = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, { token: t.cspToken })
    expect(got.body.googleSsoEnabled).toBe(false)

    const events = await t.db.query<Json>(
      `SELECT actor_type, actor_id, reseller_id, changes::text AS changes FROM audit_events
       WHERE action = 'user.identity.linked' AND resource_id = $1`,
      [user.id],
    )
    expect(events.rows).toHaveLength(1)
    expect(events.rows[0]).toMatchObject({ actor_type: 'user', actor_id: user.id, reseller_id: resellerId })
    expect(events.rows[0].changes).toContain(subject)
    expect(events.rows[0].changes).not.toContain('googleSsoEnabled')
    expect(
      await t.count('outbox_events', "event = 'user.identity.linked' AND resource_id = $1", [user.id]),
    ).toBe(1)
    // Nothing of the sign-in's secrets is kept or recorded.
    const stored = (await t.db.query<Json>('SELECT changes::text AS c FROM audit_events')).rows.map(
      (r) => r.c,
    )
    expect(stored.join()).not.toContain(issuer.clientSecret)
    expect(await t.count('oidc_logins')).toBe(0)
  })

  it('signs in again through the link, whatever email the issuer states now', async () => {
    const user = await createUser(`${unique('grace')}@example.com`)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email: user.email, email_verified: true })
    expect((await signInAs(subject)).status).toBe(302)

    issuer.accounts.set(subject, { email: 'somebody.else@example.com', email_verified: false })
    const again = await signInAs(subject)

    const fragment = fragmentOf(again.location)
    expect(fragment.error, fragment.error_description).toBeUndefined()
    expect((await t.deps.tokens.verify(fragment.access_token as string)).sub).toBe(user.id)
    expect(await linksOf(user.id)).toBe(1)
    expect(
      await t.count('audit_events', "action = 'user.identity.linked' AND resource_id = $1", [user.id]),
    ).toBe(1)
  })

  it.each([
    ['false', false],
    ['the string "true"', 'true'],
    ['absent', undefined],
  ])('refuses an email whose email_verified is %s', async (_, verified) => {
    const user = await createUser(`${unique('eve')}@example.com`)
    const subject = unique('sub')
    issuer.accounts.set(subject, {
      email: user.email,
      ...(verified === undefined ? {} : { email_verified: verified }),
    })
    const result = await signInAs(subject)

    expect(result.status).toBe(302)
    expect(result.location?.startsWith(`${CONSOLE}/done#`)).toBe(true)
    expect(fragmentOf(result.location)).toMatchObject({ error: 'EMAIL_NOT_VERIFIED' })
    expect(fragmentOf(result.location).access_token).toBeUndefined()
    expect(await linksOf(user.id)).toBe(0)
    expect(await t.count('user_sessions', 'user_id = $1', [user.id])).toBe(0)
  })

  it('refuses an email no user of this tenant has, even when another tenant has it', async () => {
    const email = `${unique('other')}@example.com`
    const other = await t.createTenant(`${unique('t')}.example.com`)
    const otherReseller = await t.createReseller({}, other.token)
    await createUser(email, other.token, otherReseller.id)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email, email_verified: true })

    const result = await signInAs(subject)

    expect(fragmentOf(result.location)).toMatchObject({ error: 'NO_USER_FOR_EMAIL' })
    expect(await t.count('user_identities', 'subject = $1', [subject])).toBe(0)
  })

  it('reads the email from the userinfo endpoint when the ID token carries none', async () => {
    const user = await createUser(`${unique('ui')}@example.com`)
    const subject = unique('sub')
    corp.accounts.set(subject, { email: user.email, email_verified: true })

    const result = await signInAs(subject, { provider: 'corp' }, corp)

    expect((await t.deps.tokens.verify(fragmentOf(result.location).access_token as string)).sub).toBe(user.id)
  })

  it('links a fresh identity after its user was deleted and the email given to a new user', async () => {
    const email = `${unique('re')}@example.com`
    const first = await createUser(email)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email, email_verified: true })
    expect((await signInAs(subject)).status).toBe(302)
    const deleted = await t.request('DELETE', `/v3/resellers/${resellerId}/users/${first.id}`, {
      token: t.cspToken,
    })
    expect(deleted.status).toBe(204)
    const second = await createUser(email)

    const result = await signInAs(subject)

    expect((await t.deps.tokens.verify(fragmentOf(result.location).access_token as string)).sub).toBe(
      second.id,
    )
    expect(await linksOf(first.id)).toBe(0)
    expect(await linksOf(second.id)).toBe(1)
  })
})

describe('the start of a sign-in', () => {
  it.each([
    'https://evil.example.com/',
    'https://console.example.com/application',
    'https://console.example.com/',
    `${CONSOLE}/done#fragment`,
    'https://user:pass@console.example.com/app',
    'javascript:alert(1)',
    'http://console.example.com/app',
    '/console',
    `${PUBLIC_URL}/consoles`,
  ])('refuses the returnTo %s', async (returnTo) => {
    const before = await t.count('oidc_logins')
    const response = await t.request('GET', startPath({ returnTo }))
    expect(response.status, response.text).toBe(400)
    expect(response.body.code).toBe('RETURN_TO_NOT_ALLOWED')
    expect(response.headers.get('location')).toBeNull()
    expect(await t.count('oidc_logins')).toBe(before)
  })

  it.each([
    `${PUBLIC_URL}/console`,
    `${PUBLIC_URL}/console/users?x=1`,
    'https://elsewhere.example.com/any/path',
    CONSOLE,
  ])('allows the returnTo %s', async (returnTo) => {
    const response = await start({ returnTo })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')?.startsWith(`${issuer.issuer}/`)).toBe(true)
  })

  it('keeps the sign-in server-side: the state hashed, the PKCE verifier encrypted', async () => {
    const response = await start({})
    const state = new URL(response.headers.get('location') as string).searchParams.get('state') as string
    const { rows } = await t.db.query<Json>('SELECT state_hash, code_verifier FROM oidc_logins')
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      expect(row.state_hash).not.toBe(state)
      expect(row.code_verifier).toMatch(/^enc:v1:/)
    }
  })

  it('answers 404 for an identity provider that is not configured, 400 when several are and none is named', async () => {
    const unknown = await t.request('GET', startPath({ provider: 'nope' }))
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ message: expect.any(String), code: 'NOT_FOUND' })
    const params = new URLSearchParams({ accountAlias: TENANT, returnTo: CONSOLE })
    const unnamed = await t.request('GET', `/v3/accounts/oidc/start?${params}`)
    expect(unnamed.status).toBe(400)
    expect(unnamed.body.code).toBe('OIDC_PROVIDER_REQUIRED')
  })

  it('answers 404 for an account that does not exist', async () => {
    const response = await t.request('GET', startPath({ accountAlias: 'nobody.example.com' }))
    expect(response.status).toBe(404)
    expect(response.body.code).toBe('NOT_FOUND')
  })

  it('answers 503 in the v3 shape when the issuer cannot be reached', async () => {
    const response = await t.request('GET', startPath({ provider: 'down' }))
    expect(response.status).toBe(503)
    expect(response.body).toEqual({ message: expect.any(String), code: 'OIDC_ISSUER_UNAVAILABLE' })
  })
})

describe('the callback of a sign-in', () => {
  it('refuses a state it did not make, or none', async () => {
    for (const query of ['?state=forged&code=abc', '?code=abc', '']) {
      const response = await t.request('GET', `/v3/accounts/oidc/callback${query}`)
      expect(response.status, query).toBe(400)
      expect(response.body.code).toBe('OIDC_STATE_INVALID')
    }
  })

  it('refuses a state used twice', async () => {
    const user = await createUser(`${unique('twice')}@example.com`)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email: user.email, email_verified: true })
    const result = await signInAs(subject)
    expect(fragmentOf(result.location).access_token).toBeTruthy()
    const callback = result.visited.find((url) => url.includes('/v3/accounts/oidc/callback')) as string

    const replay = await fetch(callback, { redirect: 'manual' })

    expect(replay.status).toBe(400)
    expect(((await replay.json()) as Json).code).toBe('OIDC_STATE_INVALID')
  })

  it('refuses an ID token whose nonce is not the sign-in’s', async () => {
    const user = await createUser(`${unique('nonce')}@example.com`)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email: user.email, email_verified: true })

    const result = await signInAs(subject, {}, issuer, (url) => {
      if (url.origin === issuer.issuer && url.pathname === '/auth') url.searchParams.set('nonce', 'forged')
      return url
    })

    expect(fragmentOf(result.location)).toMatchObject({ error: 'OIDC_ID_TOKEN_INVALID' })
    expect(await linksOf(user.id)).toBe(0)
  })

  it('refuses a code issued for another PKCE challenge', async () => {
    const user = await createUser(`${unique('pkce')}@example.com`)
    const subject = unique('sub')
    issuer.accounts.set(subject, { email: user.email, email_verified: true })

    const result = await signInAs(subject, {}, issuer, (url) => {
      if (url.origin === issuer.issuer && url.pathname === '/auth')
        url.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
      return url
    })

    expect(fragmentOf(result.location)).toMatchObject({ error: 'OIDC_CODE_REFUSED' })
    expect(await linksOf(user.id)).toBe(0)
  })

  it('sends the issuer’s refusal back to the console', async () => {
    const response = await start({})
    const state = new URL(response.headers.get('location') as string).searchParams.get('state') as string
    const query = new URLSearchParams({ state, error: 'access_denied', iss: issuer.issuer })
    const back = await fetch(`${t.url}/v3/accounts/oidc/callback?${query}`, { redirect: 'manual' })
    expect(back.status).toBe(302)
    expect(fragmentOf(back.headers.get('location'))).toMatchObject({ error: 'OIDC_ACCESS_DENIED' })
  })
})

describe('linking a Google identity', () => {
  it('sets googleSsoEnabled, in the same transaction as its audit event', async () => {
    const user = await createUser(`${unique('g')}@gmail.com`)
    const identity = {
      providerId: 'google',
      issuer: GOOGLE_ISSUER,
      subject: unique('1'),
      email: user.email,
      isEmailVerified: true,
    }
    const facts = { correlationId: newId(), ipAddress: '127.0.0.1', userAgent: 'test' }

    const linked = await t.db.transaction((tx) =>
      userForIdentity(tx, t.tenantId, identity, { isGoogle: true, facts }),
    )

    expect(linked.googleSsoEnabled).toBe(true)
    const got = await t.request('GET', `/v3/resellers/${resellerId}/users/${user.id}`, { token: t.cspToken })
    expect(got.body.googleSsoEnabled).toBe(true)
    const { rows } = await t.db.query<Json>(
      "SELECT changes FROM audit_events WHERE action = 'user.identity.linked' AND resource_id = $1",
      [user.id],
    )
    const changes = typeof rows[0]?.changes === 'string' ? JSON.parse(rows[0].changes) : rows[0]?.changes
    expect(changes).toContainEqual({ field: 'googleSsoEnabled', from: false, to: true })
  })
})

describe('without any identity provider configured', () => {
  it('answers 404 in the v3 shape at the start and the callback', async () => {
    const bare = await startTestApp()
    try {
      for (const path of [
        `/v3/accounts/oidc/start?accountAlias=${TENANT}&returnTo=${encodeURIComponent(`${bare.url}/console`)}`,
        '/v3/accounts/oidc/callback?state=x&code=y',
      ]) {
        const response = await bare.request('GET', path)
        expect(response.status, path).toBe(404)
        expect(response.body).toEqual({ message: expect.any(String), code: 'NOT_FOUND' })
      }
    } finally {
      await bare.close()
    }
  })
})
