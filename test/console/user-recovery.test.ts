// The console's ways back into an account, in a real browser on the service started as the README says: a user who
// forgot its password asks for a link, which the service mails (caught by a real SMTP server) to the console's
// reset page; a reseller admin unlocks a user that failed sign-ins locked, and resets the two-factor of a user who
// lost its device. And an API client's session, which nothing renews, ends with a message before its token expires.
// axe-core checks each page; screenshots go to test-results/console/recovery-*.png.
import * as OTPAuth from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConsoleService,
  describeInBrowser,
  expectAccessible,
  hasChromium,
  launchBrowser,
  openPage,
  screenshot,
  seedReseller,
  signIn,
  startConsoleService,
  type Who,
} from '../support/console.ts'
import { killChildren } from '../support/process.ts'
import { linksIn, type SmtpCatcher, startSmtpCatcher } from '../support/smtp.ts'

const ADMIN = { email: 'root@acme.example', password: 'correct horse battery' }
const FAY = { email: 'fay@acme.example', password: 'forgotten password' }
const LOU = { email: 'lou@acme.example', password: 'lou knows this one' }
const TESS = { email: 'tess@acme.example', password: 'tess has a phone' }

let service: ConsoleService
let smtp: SmtpCatcher
let browser: Browser
let page: Page

/** The API's answer to a sign-in, as the console would get it. */
async function login(who: Who, code?: string) {
  const response = await fetch(`${service.base}/v3/accounts/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountAlias: 'localhost', ...who, ...(code ? { code } : {}) }),
  })
  return { status: response.status, body: (await response.json()) as { code?: string; accessToken?: string } }
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
}

beforeAll(async () => {
  if (!hasChromium) return
  smtp = await startSmtpCatcher()
  service = await startConsoleService({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Reseller API <no-reply@acme.example>',
    // Three wrong passwords lock an account.
    LOGIN_MAX_FAILURES: '3',
    // An API client's token lives the shortest time allowed: the console ends its session a minute before.
    TOKEN_TTL_SECONDS: '60',
  })
  await seedReseller(service, { name: 'Acme', email: 'ops@acme.example' }, [
    [ADMIN, 'reseller-admin', 'Root'],
    [FAY, 'user', 'Fay'],
    [LOU, 'user', 'Lou'],
    [TESS, 'user', 'Tess'],
  ])
  ;({ browser, page } = await launchBrowser())
})

afterAll(async () => {
  await browser?.close()
  killChildren()
  await smtp?.close()
})

describeInBrowser('the console’s account recovery in Chromium', () => {
  it('mails a reset link that opens the console’s page to choose a new password, which then signs in', async () => {
    await page.goto(`${service.base}/console`)
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor()
    await page.getByLabel('Account alias').fill('localhost')
    await page.getByLabel('Email').fill(FAY.email)
    await page.getByRole('button', { name: 'Send the link' }).click()
    await page.getByText('If the account exists, a link to choose a new password is on its way.').waitFor()
    await screenshot(page, 'recovery-reset-requested')
    await expectAccessible(page, 'reset requested')

    const mail = await smtp.waitFor(FAY.email, { timeoutMs: 30_000 })
    const [link] = linksIn(mail)
    expect(link?.page).toBe('/console/reset-password')
    await page.goto('about:blank')
    await page.goto(link?.url as string)
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await page.getByLabel('Password').fill('short')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.locator('.field-error').waitFor()
    expect(await page.locator('.field-error').textContent()).toBe(
      'password must be at least 8 characters long.',
    )
    await screenshot(page, 'recovery-reset-password')
    await expectAccessible(page, 'choose a new password, refused')
    await page.getByLabel('Password').fill('fay remembers now')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByText('Your password is set.').waitFor()

    // The old password no longer works; the new one signs in.
    expect((await login(FAY)).status).toBe(401)
    await page.getByRole('link', { name: 'Sign in' }).click()
    await signIn(page, { email: FAY.email, password: 'fay remembers now' })
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByText(FAY.email).isVisible()).toBe(true)
  })

  it('shows a locked user why it cannot sign in, and an admin unlocks it', async () => {
    await signOut()
    for (let i = 0; i < 3; i++) expect((await login({ ...LOU, password: 'not it' })).status).toBe(401)
    // Locked: the right password too is refused, on the page with the service's reason.
    await signIn(page, LOU)
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toContain(
      'The account is locked after too many failed',
    )

    await signIn(page, ADMIN)
    await openPage(page, 'Users')
    await page.getByRole('link', { name: 'Lou Acme' }).click()
    await page.getByRole('heading', { name: 'Lou Acme' }).waitFor()
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByText('Unlocked.').waitFor()
    await screenshot(page, 'recovery-unlocked')
    await expectAccessible(page, 'user unlocked')
    expect((await login(LOU)).status).toBe(200)
  })

  it('resets the two-factor of a user who lost its device, who then signs in with its password alone', async () => {
    // Tess enrols in two-factor (through the API, as the profile page does).
    const token = (await login(TESS)).body.accessToken as string
    const enrol = await service.api('POST', '/v3/me/two-factor', undefined, token)
    expect(enrol.status).toBe(200)
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(enrol.body.secret),
      digits: 6,
      period: 30,
    })
    const confirmed = await service.api('POST', '/v3/me/two-factor/confirm', { code: totp.generate() }, token)
    expect(confirmed.status).toBe(200)
    expect((await login(TESS)).body.code).toBe('TWO_FACTOR_REQUIRED')

    await openPage(page, 'Users')
    await page.getByRole('link', { name: 'Tess Acme' }).click()
    await page.getByRole('heading', { name: 'Tess Acme' }).waitFor()
    await page.getByRole('button', { name: 'Reset two-factor' }).click()
    await page.getByText('Two-factor reset.').waitFor()
    await screenshot(page, 'recovery-two-factor-reset')
    await expectAccessible(page, 'two-factor reset')
    expect((await login(TESS)).status).toBe(200)

    await signOut()
    await signIn(page, TESS)
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByLabel('Two-factor code').count()).toBe(0)
  })

  it('ends an API client’s session before its token expires, and says so on the sign-in page', async () => {
    await signOut()
    await page.getByRole('button', { name: 'Sign in with an API client' }).click()
    const form = page.getByRole('form', { name: 'Sign in with an API client' })
    await form.getByLabel('Account alias').fill('localhost')
    await form.getByLabel('Client ID').fill(service.credentials.clientId)
    await form.getByLabel('Client secret').fill(service.credentials.clientSecret)
    await form.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    // No refresh token, and the secret is not kept: the session ends (within seconds here, the token living 60).
    const ended = page.getByText('Signed out: your session expired. Sign in again.')
    await ended.waitFor({ timeout: 60_000 })
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true)
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0)
    await screenshot(page, 'recovery-session-expired')
    await expectAccessible(page, 'session expired')
  })
})
