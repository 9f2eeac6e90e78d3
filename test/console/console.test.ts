// The console in a real browser (Debian's chromium, driven by playwright-core) on the service started as the README
// says (the build, then node dist/main.js on a fresh DATA_DIR): a reseller admin signs in, creates a user through
// a validation error, finds it, edits it, sees its audit entry and webhook delivery, redelivers; a `user` sees its
// profile only, and the API refuses it the rest. axe-core checks every page; screenshots go to test-results/console.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import * as OTPAuth from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { freePort, killChildren, ROOT, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'
import { linksIn, type SmtpCatcher, startSmtpCatcher } from '../support/smtp.ts'
import { type Receiver, startReceiver } from '../webhooks/receiver.ts'

const exec = promisify(execFile)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium && process.env.REQUIRE_SERVICES === '1')
  throw new Error(`${CHROMIUM} is missing (REQUIRE_SERVICES=1): apt-get install -y chromium (.ci/run does)`)
if (!hasChromium)
  console.warn(
    `test/console: ${CHROMIUM} is missing, the browser tests are skipped (apt-get install -y chromium)`,
  )

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 })
const SHOTS = path.join(ROOT, 'test-results/console')
// How long a poll waits for the page (vitest's default, a second, is short for a busy machine).
const WAIT = { timeout: 30_000, interval: 250 }
const ADMIN = { email: 'ada@acme.example', password: 'correct horse battery' }
const PLAIN = { email: 'bob@acme.example', password: 'plain user password' }

let service: Spawned
let base = ''
let cspToken = ''
let resellerId = ''
let receiver: Receiver
let smtp: SmtpCatcher
let browser: Browser
let page: Page
const cspViolations: string[] = []

async function api(method: string, route: string, body?: unknown, token = cspToken) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** axe-core in the page: no serious or critical violation. */
async function expectAccessible(name: string) {
  // Evaluated over the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  const source = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')
  await page.evaluate(`${source}\n;undefined`)
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[]
  }
  const grave = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`)
  expect(grave).toEqual([])
}

async function signIn(who: { email: string; password: string }) {
  await page.getByLabel('Account alias').fill('localhost')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

beforeAll(async () => {
  if (!hasChromium) return
  fs.mkdirSync(SHOTS, { recursive: true })
  // npm start's prestart: the service's bundle and the console.
  await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
  receiver = await startReceiver()
  smtp = await startSmtpCatcher()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-console-'))
  service = spawnNode(['dist/main.js'], {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The receiver listens on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    // The shortest access token: the console refreshes it (a minute before expiry) every few seconds.
    USER_TOKEN_TTL_SECONDS: '60',
    // The invitation mail, caught by a real SMTP server.
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Reseller API <no-reply@acme.example>',
  })
  await waitForOutput(service, 'curl -s -H', 120_000)
  const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'))
  const token = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: saved.clientId,
      client_secret: saved.clientSecret,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>)
  cspToken = token.access_token

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

  const { chromium } = await import('playwright-core')
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
  page.setDefaultTimeout(15_000)
  page.on('response', (response) => {
    if (response.status() >= 500) console.log('console test: HTTP', response.status(), response.url())
  })
  page.on('request', (request) => {
    if (process.env.CONSOLE_TEST_TRACE)
      console.log('TRACE', request.method(), request.url(), request.postData() ?? '')
  })
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

describe.skipIf(!hasChromium)('the console in Chromium', () => {
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
    await expectAccessible('sign-in')

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
    await expectAccessible('create user, refused')
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
    await expectAccessible('users')

    // Edit it.
    await page.getByRole('link', { name: 'Grace Hopper' }).click()
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor()
    await page.getByLabel('Company').fill('Analytical Engines')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    await screenshot('04-user-edit')
    await expectAccessible('user')
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
    await expectAccessible('audit log')
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
    await expectAccessible('webhooks')

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
    await expectAccessible('users on a phone')
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
    await expectAccessible('organizations')

    // Roles: read, not written — no New role button, and the API refuses the same user.
    await nav.getByRole('link', { name: 'Roles' }).click()
    const row = page.getByRole('row', { name: /console-admin/ })
    await row.waitFor()
    expect(await row.textContent()).toContain('eventLog:read')
    expect(await page.getByRole('button', { name: 'New role' }).count()).toBe(0)
    await screenshot('10-roles')
    await expectAccessible('roles')
    const admin = await fetch(`${base}/v3/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountAlias: 'localhost', ...ADMIN }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>)
    expect((await api('POST', '/v3/roles', { name: 'x', claims: [] }, admin.accessToken)).status).toBe(403)

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
    await expectAccessible('API clients')
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    })
    expect(token.status).toBe(200)
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
    await expectAccessible('profile')
    // Going to the users page by its address lands on the profile again.
    // (Page scripts as strings: the test's own types have no DOM.)
    await page.evaluate(
      `window.history.pushState(null, '', '/console/users'); window.dispatchEvent(new PopStateEvent('popstate'))`,
    )
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0)

    // The API refuses the same user the pages it was not shown (a login of its own, a session apart).
    const login = await fetch(`${base}/v3/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountAlias: 'localhost', ...PLAIN }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>)
    for (const route of [`/v3/resellers/${resellerId}/users`, '/v3/event-logs', '/v3/webhook-event-logs'])
      expect((await api('GET', route, undefined, login.accessToken)).status).toBe(403)
    expect((await api('GET', '/v3/me', undefined, login.accessToken)).status).toBe(200)
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
    await expectAccessible('two-factor enrolment')
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
    await page.getByRole('button', { name: 'Sign in' }).click()
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
    await expectAccessible('accept invitation')
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
