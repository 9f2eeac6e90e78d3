// The console in a real browser (Debian's chromium, driven by playwright-core) on the service started as the README
// says (the build, then node dist/main.js on a fresh DATA_DIR): a reseller admin signs in, creates a user through
// a validation error, finds it, edits it, sees its audit entry and webhook delivery, redelivers; a `user` sees its
// profile only, and the API refuses it the rest. axe-core checks every page; screenshots go to test-results/console.
import fs from 'node:fs'
import * as OTPAuth from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConsoleService,
  describeInBrowser,
  expectAccessible,
  goTo,
  hasChromium,
  launchBrowser,
  screenshot as shoot,
  signIn as signInAs,
  startConsoleService,
  WAIT,
} from '../support/console.ts'
import { killChildren } from '../support/process.ts'
import { linksIn, type SmtpCatcher, startSmtpCatcher } from '../support/smtp.ts'
import { type Receiver, startReceiver } from '../webhooks/receiver.ts'

const ADMIN = { email: 'ada@acme.example', password: 'correct horse battery' }
const PLAIN = { email: 'bob@acme.example', password: 'plain user password' }

let service: ConsoleService
let base = ''
let resellerId = ''
let receiver: Receiver
let smtp: SmtpCatcher
let browser: Browser
let page: Page
const cspViolations: string[] = []

const api = (method: string, route: string, body?: unknown, token?: string) =>
  service.api(method, route, body, token)
const screenshot = (name: string) => shoot(page, name)
const signIn = (who: { email: string; password: string }) => signInAs(page, who)

beforeAll(async () => {
  if (!hasChromium) return
  receiver = await startReceiver()
  smtp = await startSmtpCatcher()
  service = await startConsoleService({
    // The receiver listens on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    // The shortest access token: the console refreshes it (a minute before expiry) every few seconds.
    USER_TOKEN_TTL_SECONDS: '60',
    // The invitation mail, caught by a real SMTP server.
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Reseller API <no-reply@acme.example>',
  })
  base = service.base

  // What the reseller's admin works with: a reseller, a role for its console (users, audit log, its webhooks),
  // the admin, a `user`, and a webhook endpoint of the reseller on a real receiver.
  const reseller = await api('POST', '/v3/resellers', { name: 'Acme', email: 'ops@acme.example' })
  expect(reseller.status).toBe(201)
  resellerId = reseller.body.id
  const claims = (await api('GET', '/v3/roles/claims')).body as Record<string, string[]>
  const wanted = Object.values(claims)
    .flat()
    .filter(
      (c) =>
        (c.startsWith('reseller:') && c !== 'reseller:write') ||
        /^(eventLog|webhook|webhookEventLog|role|client):read$|^(webhook|client):write$/.test(c),
    )
  const role = await api('POST', '/v3/roles', { name: 'console-admin', claims: wanted })
  expect(role.status).toBe(201)
  for (const [who, roleName, firstName] of [
    [ADMIN, 'console-admin', 'Ada'],
    [PLAIN, 'user', 'Bob'],
  ] as const) {
    const made = await api('POST', `/v3/resellers/${resellerId}/users`, {
      firstName,
      lastName: 'Acme',
      email: who.email,
      role: roleName,
      allowCustomerPortalAccess: true,
      password: who.password,
    })
    expect(made.status).toBe(201)
  }
  const webhook = await api('POST', '/v3/webhooks', {
    name: 'Acme CRM',
    url: receiver.url,
    events: ['reseller.user.created', 'reseller.user.updated'],
    resellerId,
  })
  expect(webhook.status).toBe(201)

  ;({ browser, page } = await launchBrowser())
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
})

afterAll(async () => {
  await browser?.close()
  killChildren()
  await receiver?.close()
  await smtp?.close()
})

describeInBrowser('the console in Chromium', () => {
  it('is served at /console under its strict CSP, client routes included', async () => {
    for (const route of ['/console', '/console/users/anything']) {
      const response = await fetch(`${base}${route}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(await response.text()).toContain('<div id="root">')
    }
  })

  it('signs a reseller admin in, creates a user through a validation error, finds, edits and audits it', async () => {
    await page.goto(`${base}/console`)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await screenshot('01-sign-in')
    await expectAccessible(page, 'sign-in')

    // A wrong password is refused on the page.
    await signIn({ email: ADMIN.email, password: 'not the password' })
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toBe('The email or the password is wrong.')

    await signIn(ADMIN)
    await page.getByRole('heading', { name: 'Users' }).waitFor()
    const nav = page.getByRole('navigation', { name: 'Main' })
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Users',
      'Resellers',
      'Organizations',
      'Roles',
      'Groups',
      'Audit log',
      'Webhooks',
      'API clients',
      'Profile',
    ])

    // Create: the API's messages appear next to their fields, then the fixed form goes through.
    await page.getByRole('button', { name: 'New user' }).click()
    const form = page.getByRole('form', { name: 'New user' })
    await form.getByLabel('First name').fill('Grace')
    await form.getByLabel('Last name').fill('Hopper')
    await form.getByLabel('Email').fill('grace-at-navy')
    await form.getByLabel('Password').fill('short')
    await form.getByLabel('Role').selectOption('user')
    await form.getByLabel('Company').fill('US Navy')
    await form.getByRole('button', { name: 'Create user' }).click()
    const emailError = form.locator('.field', { has: page.getByLabel('Email') }).locator('.field-error')
    await emailError.waitFor()
    expect(await emailError.textContent()).toBe('email must be a valid email address.')
    const passwordError = form.locator('.field', { has: page.getByLabel('Password') }).locator('.field-error')
    expect(await passwordError.textContent()).toBe('password must be at least 8 characters long.')
    expect(await form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true')
    await screenshot('02-user-validation')
    await expectAccessible(page, 'create user, refused')
    await form.getByLabel('Email').fill('grace@navy.example')
    await form.getByLabel('Password').fill('a longer password')
    await form.getByRole('button', { name: 'Create user' }).click()
    await form.waitFor({ state: 'detached' })

    // Find it with a filter: only it is listed.
    await page.getByLabel('Email contains').fill('navy.example')
    await page.getByRole('button', { name: 'Filter' }).click()
    const rows = page.locator('tbody tr')
    await expect.poll(() => rows.count(), WAIT).toBe(1)
    expect(await rows.first().textContent()).toContain('grace@navy.example')
    await screenshot('03-users')
    await expectAccessible(page, 'users')

    // Edit it.
    await page.getByRole('link', { name: 'Grace Hopper' }).click()
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor()
    await page.getByLabel('Company').fill('Analytical Engines')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    await screenshot('04-user-edit')
    await expectAccessible(page, 'user')
    const listed = await api('GET', `/v3/resellers/${resellerId}/users?email=grace@navy.example`)
    expect(listed.body[0].company).toBe('Analytical Engines')

    // Its audit entry: the change as before and after, found again by its correlation id.
    await page.getByRole('link', { name: 'Audit log of this user' }).click()
    await page.getByRole('heading', { name: 'Audit log' }).waitFor()
    const updated = page.locator('.entry', { hasText: 'reseller.user.updated' })
    await updated.waitFor()
    await updated.locator('summary').click()
    const change = updated.getByRole('row', { name: /company/ })
    expect(await change.locator('td').allTextContents()).toEqual(['US Navy', 'Analytical Engines'])
    const correlationId = (await updated.locator('dd code').textContent()) as string
    await page.getByLabel('Resource id').fill('')
    await page.getByLabel('Correlation id').fill(correlationId)
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => page.locator('.entry').count(), WAIT).toBe(1)
    await page.locator('.entry summary').click()
    await screenshot('05-audit')
    await expectAccessible(page, 'audit log')
  })

  it('shows the webhook delivery with its response, and redelivers it to the receiver', async () => {
    await receiver.waitFor(2, 30_000)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click()
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor()
    expect(await page.getByRole('row', { name: /Acme CRM/ }).textContent()).toContain(receiver.url)
    await page.getByLabel('Event contains').fill('reseller.user.updated')
    const delivery = page.locator('.entry', { hasText: 'reseller.user.updated' }).first()
    // The log shows the attempt once the dispatcher has recorded it.
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Filter' }).click()
        return delivery
          .locator('.badge')
          .textContent({ timeout: 1_000 })
          .catch(() => null)
      }, WAIT)
      .toBe('succeeded')
    await delivery.locator('summary').click()
    expect(await delivery.locator('dd').allTextContents()).toContain('200')
    expect(await delivery.locator('pre').first().textContent()).toContain('Analytical Engines')
    await screenshot('06-webhooks')
    await expectAccessible(page, 'webhooks')

    const before = receiver.received.length
    const first = receiver.received.find((r) => r.body.includes('Analytical Engines'))
    await delivery.getByRole('button', { name: 'Redeliver' }).click()
    await page.getByText('Redelivery queued.').waitFor()
    const again = await receiver.waitFor(before + 1, 30_000)
    const last = again[again.length - 1]
    expect(last?.body).toContain('Analytical Engines')
    expect(last?.headers['webhook-id']).toBe(first?.headers['webhook-id'])

    // A test event reaches the endpoint.
    await page
      .getByRole('row', { name: /Acme CRM/ })
      .getByRole('button', { name: 'Send test event' })
      .click()
    await page.getByText('Test event sent to Acme CRM.').waitFor()
    await receiver.waitFor(before + 2, 30_000)

    // A new endpoint: its signing secret shown once.
    await page.getByRole('button', { name: 'New endpoint' }).click()
    const form = page.getByRole('form', { name: 'New endpoint' })
    await form.getByLabel('Name').fill('Audit mirror')
    await form.getByLabel('URL').fill(`${receiver.url}/mirror`)
    await form.getByLabel('reseller.organization.created').check()
    await form.getByRole('button', { name: 'Create endpoint' }).click()
    const secret = page.locator('.alert-info', { hasText: 'Audit mirror created' }).locator('code')
    expect((await secret.textContent())?.length).toBeGreaterThanOrEqual(32)
    await page.getByRole('row', { name: /Audit mirror/ }).waitFor()
    expect(await page.getByRole('row', { name: /Audit mirror/ }).textContent()).not.toContain(
      (await secret.textContent()) as string,
    )
  })

  it('exports users as CSV, creates an organization, shows roles, and an API client’s secret once', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { name: 'Users' }).waitFor()

    // Keyboard: Tab goes through the navigation in order; before it, "Skip to content" takes focus to the page.
    await nav.getByRole('link', { name: 'Users' }).focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Resellers')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate('document.activeElement.id')).toBe('main')
    // A phone's width: the same page, still accessible.
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot('12-users-phone')
    await expectAccessible(page, 'users on a phone')
    await page.setViewportSize({ width: 1280, height: 860 })

    await page.getByLabel('Email contains').fill('navy.example')
    await page.getByRole('button', { name: 'Filter' }).click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ])
    const csv = fs.readFileSync((await download.path()) as string, 'utf8')
    expect(csv).toContain('grace@navy.example')
    expect(csv).not.toContain('ada@acme.example')

    await nav.getByRole('link', { name: 'Organizations' }).click()
    await page.getByRole('button', { name: 'New organization' }).click()
    const form = page.getByRole('form', { name: 'New organization' })
    await form.getByLabel('Name').fill('Globex')
    await form.getByLabel('Email').fill('globex')
    await form.getByRole('button', { name: 'Create organization' }).click()
    await form.locator('.field-error').waitFor()
    expect(await form.locator('.field-error').textContent()).toBe('email must be a valid email address.')
    await form.getByLabel('Email').fill('it@globex.example')
    await form.getByRole('button', { name: 'Create organization' }).click()
    await page.getByRole('cell', { name: 'Globex', exact: true }).waitFor()
    await screenshot('09-organizations')
    await expectAccessible(page, 'organizations')

    // Roles: read, not written — no New role button, and the API refuses the same user.
    await nav.getByRole('link', { name: 'Roles' }).click()
    const row = page.getByRole('row', { name: /console-admin/ })
    await row.waitFor()
    expect(await row.textContent()).toContain('eventLog:read')
    expect(await page.getByRole('button', { name: 'New role' }).count()).toBe(0)
    await screenshot('10-roles')
    await expectAccessible(page, 'roles')
    const admin = await service.userToken(ADMIN)
    expect((await api('POST', '/v3/roles', { name: 'x', claims: [] }, admin)).status).toBe(403)

    // An API client: its secret shown once, and good at the token endpoint.
    await nav.getByRole('link', { name: 'API clients' }).click()
    await page.getByRole('button', { name: 'New API client' }).click()
    await page.getByLabel('Name').fill('Acme CRM sync')
    await page.getByLabel('reseller:user:read').check()
    await page.getByRole('button', { name: 'Create API client' }).click()
    const shown = page.locator('.alert-info dd code')
    await shown.first().waitFor()
    const [clientId, clientSecret] = (await shown.allTextContents()) as [string, string]
    await screenshot('11-api-clients')
    await expectAccessible(page, 'API clients')
    expect((await service.clientToken(clientId, clientSecret)).status).toBe(200)
    expect(await page.getByRole('row', { name: /Acme CRM sync/ }).textContent()).not.toContain(clientSecret)
  })

  it('shows a `user` its profile only, and the API refuses it the rest', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/oauth/token'), { timeout: 30_000 })
    await signIn(PLAIN)
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    const nav = page.getByRole('navigation', { name: 'Main' })
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Profile'])
    // Before the access token expires, the console refreshes it, and goes on working with the new one.
    expect((await refreshed).status()).toBe(200)
    await page.getByLabel('Last name').fill('Builder')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    expect(await page.getByText(PLAIN.email).isVisible()).toBe(true)
    await screenshot('07-profile')
    await expectAccessible(page, 'profile')
    // Going to the users page by its address lands on the profile again.
    // (Page scripts as strings: the test's own types have no DOM.)
    await goTo(page, '/users')
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0)

    // The API refuses the same user the pages it was not shown (a login of its own, a session apart).
    const plain = await service.userToken(PLAIN)
    for (const route of [`/v3/resellers/${resellerId}/users`, '/v3/event-logs', '/v3/webhook-event-logs'])
      expect((await api('GET', route, undefined, plain)).status).toBe(403)
    expect((await api('GET', '/v3/me', undefined, plain)).status).toBe(200)
  })

  it('enrols the user in two-factor with a QR code, then asks for the second factor at sign-in', async () => {
    await page.getByRole('button', { name: 'Set up two-factor' }).click()
    const qr = page.getByRole('img', { name: 'QR code of the two-factor key' })
    await qr.waitFor()
    // Drawn: the CSP lets the page show its own data: image.
    expect(
      await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0)
    const secret = (await page.locator('p', { hasText: 'Key:' }).locator('code').textContent()) as string
    await screenshot('08-two-factor')
    await expectAccessible(page, 'two-factor enrolment')
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 })
    await page.getByLabel('Two-factor code').fill(totp.generate())
    await page.getByRole('button', { name: 'Turn two-factor on' }).click()
    const codes = page.locator('.codes code')
    await expect.poll(() => codes.count(), WAIT).toBe(10)
    const recovery = (await codes.first().textContent()) as string

    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(PLAIN)
    // The password was right: the page asks for the second factor, and takes a recovery code.
    await page.getByLabel('Two-factor code').fill(recovery)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.locator('.facts dd').allTextContents()).toContain('On')
  })

  it('invites a user, whose mailed link opens the console’s page to set a password, then signs it in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(ADMIN)
    // Signed in on the page it was on (the profile); the users are one link away.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click()
    await page.getByRole('link', { name: 'Grace Hopper' }).click()
    await page.getByRole('button', { name: 'Send invitation' }).click()
    await page.getByText('Invitation sent.').waitFor()
    const mail = await smtp.waitFor('grace@navy.example', { timeoutMs: 30_000 })
    const [link] = linksIn(mail)
    expect(link?.page).toBe('/console/accept-invitation')
    expect(link?.url.startsWith(`${base}/console/accept-invitation#token=`)).toBe(true)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.goto('about:blank')
    await page.goto(link?.url as string)
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor()
    await page.getByLabel('Password').fill('short')
    await page.getByRole('button', { name: 'Set password' }).click()
    const error = page.locator('.field-error')
    await error.waitFor()
    expect(await error.textContent()).toBe('password must be at least 8 characters long.')
    await screenshot('13-accept-invitation')
    await expectAccessible(page, 'accept invitation')
    await page.getByLabel('Password').fill('graces own password')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByText('Your password is set.').waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()
    await signIn({ email: 'grace@navy.example', password: 'graces own password' })
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByText('grace@navy.example').isVisible()).toBe(true)
  })

  it('takes the tokens an identity provider’s sign-in leaves in the fragment, and shows its refusal', async () => {
    // No provider is configured here: the sign-in page offers none.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await page.getByRole('link', { name: /Sign in with/ }).count()).toBe(0)
    expect(await fetch(`${base}/console/config.json`).then((r) => r.json())).toEqual({
      identityProviders: [],
    })

    // What GET /v3/accounts/oidc/callback sends the browser back to (README, "Sign in with OpenID Connect").
    await page.goto(
      `${base}/console/#error=NO_USER_FOR_EMAIL&error_description=No%20user%20has%20this%20email.`,
    )
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toBe('No user has this email.')
    const login = await fetch(`${base}/v3/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountAlias: 'localhost', ...ADMIN }),
    }).then((r) => r.json() as Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>)
    const fragment = new URLSearchParams({
      access_token: login.accessToken,
      refresh_token: login.refreshToken,
      expires_in: String(login.expiresIn),
      token_type: 'Bearer',
    })
    // A new document, as when the identity provider's redirect lands (a fragment change alone reloads nothing).
    await page.goto('about:blank')
    await page.goto(`${base}/console/#${fragment}`)
    await page.getByRole('heading', { name: 'Users' }).waitFor()
    // The tokens leave the address bar.
    expect(new URL(page.url()).hash).toBe('')
  })

  it('kept tokens out of storage and ran under its CSP without a violation', async () => {
    const stored = await page.evaluate('JSON.stringify({ ...window.localStorage, ...window.sessionStorage })')
    expect(stored).toBe('{}')
    expect(cspViolations).toEqual([])
  })
})
