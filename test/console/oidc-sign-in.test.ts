// The console's "Sign in with …" in a real browser, the whole way round: the console's button, the service's start,
// a real OpenID Connect issuer (oidc-provider on 127.0.0.1, whose login step signs in the account the test chose),
// the service's callback, and back to the console with the tokens in the fragment, which it takes into memory and
// wipes from the address. An account whose email no user has comes back refused, with the service's reason.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConsoleService,
  describeInBrowser,
  expectAccessible,
  hasChromium,
  launchBrowser,
  screenshot,
  seedReseller,
  startConsoleService,
} from '../support/console.ts'
import { startTestIssuer, type TestIssuer } from '../support/oidc-provider.ts'
import { freePort, killChildren } from '../support/process.ts'

const ADA = { email: 'ada@acme.example', password: 'correct horse battery' }

let service: ConsoleService
let issuer: TestIssuer
let browser: Browser
let page: Page

beforeAll(async () => {
  if (!hasChromium) return
  // The issuer must know the service's callback before the service starts, and the service the issuer.
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  issuer = await startTestIssuer(`${base}/v3/accounts/oidc/callback`)
  issuer.accounts.set('ada-at-idp', { email: ADA.email, email_verified: true })
  issuer.accounts.set('stranger-at-idp', { email: 'nobody@elsewhere.example', email_verified: true })
  service = await startConsoleService({
    PORT: String(port),
    PUBLIC_URL: base,
    OIDC_PROVIDERS: JSON.stringify([issuer.providerEntry('acme-idp', 'Acme SSO')]),
  })
  await seedReseller(service, { name: 'Acme', email: 'ops@acme.example' }, [[ADA, 'reseller-admin', 'Ada']])
  ;({ browser, page } = await launchBrowser())
})

afterAll(async () => {
  await browser?.close()
  killChildren()
  await issuer?.close()
})

/** The sign-in page, its account alias given, then the provider's button. */
async function signInWithProvider() {
  await page.goto(`${service.base}/console/`)
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Account alias').fill('localhost')
  await page.getByRole('link', { name: 'Sign in with Acme SSO' }).click()
}

describeInBrowser('the console’s sign-in through an OpenID Connect provider, in Chromium', () => {
  it('offers the configured provider on the sign-in page', async () => {
    await page.goto(`${service.base}/console/`)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await page.getByRole('link', { name: /^Sign in with / }).allTextContents()).toEqual([
      'Sign in with Acme SSO',
    ])
    await screenshot(page, 'oidc-sign-in')
    await expectAccessible(page, 'sign-in with a provider')
  })

  it('signs a user in through the provider and back, with the tokens kept out of the address and storage', async () => {
    issuer.signInAs('ada-at-idp')
    await signInWithProvider()
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
    expect(new URL(page.url()).origin).toBe(service.base)
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.evaluate('window.history.length')).toBeGreaterThan(1)
    expect(await page.evaluate('JSON.stringify({ ...window.localStorage, ...window.sessionStorage })')).toBe(
      '{}',
    )
    // The session is Ada's: her own profile, and the users of her reseller.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profile' }).click()
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor()
    expect(await page.getByText(ADA.email).count()).toBeGreaterThan(0)
    await screenshot(page, 'oidc-signed-in')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  })

  it('comes back refused, with the reason shown, for an account whose email no user has', async () => {
    // Another person at the identity provider: Ada's session there (its cookie) is gone.
    await page.context().clearCookies()
    issuer.signInAs('stranger-at-idp')
    await signInWithProvider()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/no user/i)
    expect(new URL(page.url()).hash).toBe('')
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true)
    await screenshot(page, 'oidc-refused')
  })
})
