// The console's admin pages in a real browser (Debian's chromium, driven by playwright-core) on the service started as
// the README says (the build, then node dist/main.js on a fresh DATA_DIR): resellers, a reseller's organizations,
// roles with their claims, groups and API clients, each created through a validation message shown next to its
// field, listed, edited, deleted; an API client's secret shown once; a `user` sees none of these pages and the API
// refuses it them. axe-core checks every page; screenshots go to test-results/console/<page>.png.
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConsoleService,
  describeInBrowser,
  expectAccessible,
  fieldError as fieldErrorOf,
  goTo,
  hasChromium,
  launchBrowser,
  openPage,
  row as rowOf,
  screenshot as shoot,
  signIn as signInAs,
  startConsoleService,
} from '../support/console.ts'
import { killChildren } from '../support/process.ts'

const ADMIN = { email: 'root@acme.example', password: 'correct horse battery' }
const PLAIN = { email: 'carl@acme.example', password: 'plain user password' }

let service: ConsoleService
let base = ''
let resellerId = ''
let browser: Browser
let page: Page

const api = (method: string, route: string, body?: unknown, token?: string) =>
  service.api(method, route, body, token)
const userToken = (who: { email: string; password: string }) => service.userToken(who)
const screenshot = (name: string) => shoot(page, name)
const signIn = (who: { email: string; password: string }) => signInAs(page, who)
const open = (label: string, heading = label) => openPage(page, label, heading)
const fieldError = (form: Locator, label: string) => fieldErrorOf(form, label)
const row = (text: string) => rowOf(page, text)

beforeAll(async () => {
  if (!hasChromium) return
  service = await startConsoleService()
  base = service.base

  // A reseller; a role for its admin (every scope of these pages); the admin; a `user`.
  const reseller = await api('POST', '/v3/resellers', { name: 'Acme', email: 'ops@acme.example' })
  expect(reseller.status).toBe(201)
  resellerId = reseller.body.id
  expect((await api('POST', '/v3/resellers', { name: 'Globex', email: 'ops@globex.example' })).status).toBe(
    201,
  )
  const role = await api('POST', '/v3/roles', {
    name: 'admin-pages',
    description: 'The console admin pages',
    claims: [
      'reseller:read',
      'reseller:write',
      'reseller:user:read',
      'reseller:organization:read',
      'reseller:organization:create',
      'reseller:organization:update',
      'reseller:organization:delete',
      'role:read',
      'role:write',
      'client:read',
      'client:write',
    ],
  })
  expect(role.status).toBe(201)
  for (const [who, roleName, firstName] of [
    [ADMIN, 'admin-pages', 'Root'],
    [PLAIN, 'user', 'Carl'],
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

  ;({ browser, page } = await launchBrowser())
  // Every delete asks for a confirmation: the test confirms.
  page.on('dialog', (dialog) => void dialog.accept())
})

afterAll(async () => {
  await browser?.close()
  killChildren()
})

describeInBrowser('the console admin pages in Chromium', () => {
  it('shows a reseller admin the admin pages its scopes allow', async () => {
    await page.goto(`${base}/console`)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signIn(ADMIN)
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Resellers' }).waitFor()
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Users',
      'Resellers',
      'Organizations',
      'Roles',
      'Groups',
      'API clients',
      'Profile',
    ])
  })

  it("lists resellers with a search; offers no write, which the API refuses a signed-in user's token", async () => {
    await open('Resellers')
    // A reseller token (a signed-in user's) sees its own reseller only.
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1)
    expect(await row('Acme').textContent()).toContain('ops@acme.example')
    await page.getByLabel('Search', { exact: true }).fill('nothing-matches')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('No reseller matches.').waitFor()
    await page.getByLabel('Search', { exact: true }).fill('acme')
    await page.getByRole('button', { name: 'Search' }).click()
    await row('Acme').waitFor()
    await screenshot('resellers')
    await expectAccessible(page, 'resellers')
    // Resellers are written by a csp API client only: the admin's role claims reseller:write, yet no button.
    for (const name of ['New reseller', 'Edit Acme', 'Delete Acme'])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
    const token = await userToken(ADMIN)
    const created = await api(
      'POST',
      '/v3/resellers',
      { name: 'Initech', email: 'ops@initech.example' },
      token,
    )
    expect([created.status, created.body?.message]).toEqual([403, 'Only a csp token may do this.'])
    expect((await api('PATCH', `/v3/resellers/${resellerId}`, { description: 'x' }, token)).status).toBe(403)
    expect((await api('DELETE', `/v3/resellers/${resellerId}`, undefined, token)).status).toBe(403)
  })

  it("creates a reseller's organization through a validation message, lists, edits and deletes it", async () => {
    await open('Organizations')
    // By keyboard: the button opens the form, whose first field takes the focus; Tab walks the fields; Enter sends.
    await page.getByRole('button', { name: 'New organization' }).focus()
    await page.keyboard.press('Enter')
    const form = page.getByRole('form', { name: 'New organization' })
    await expect.poll(() => page.evaluate('document.activeElement.name')).toBe('name')
    await page.keyboard.type('Wayne Enterprises')
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement.name')).toBe('email')
    await page.keyboard.type('bruce-at-wayne')
    await form.getByLabel('City').fill('Gotham')
    await page.keyboard.press('Enter')
    await fieldError(form, 'Email').waitFor()
    expect(await fieldError(form, 'Email').textContent()).toBe('email must be a valid email address.')
    await screenshot('organizations-create')
    await expectAccessible(page, 'organizations, create refused')
    await form.getByLabel('Email').fill('bruce@wayne.example')
    await form.getByRole('button', { name: 'Create organization' }).click()
    await form.waitFor({ state: 'detached' })
    await page.getByText('Organization Wayne Enterprises created.').waitFor()
    await expect.poll(() => row('Wayne Enterprises').textContent()).toContain('Gotham')

    await page.getByRole('button', { name: 'Edit Wayne Enterprises' }).click()
    const edit = page.getByRole('form', { name: 'Edit Wayne Enterprises' })
    expect(await edit.getByLabel('City').inputValue()).toBe('Gotham')
    await edit.getByLabel('City').fill('Metropolis')
    await edit.getByLabel('Allowed users').fill('25')
    await edit.getByRole('button', { name: 'Save organization' }).click()
    await page.getByText('Organization Wayne Enterprises saved.').waitFor()
    // The notice comes with the answer; the list is read again right after.
    await expect.poll(() => row('Wayne Enterprises').textContent()).toContain('Metropolis')
    expect(await row('Wayne Enterprises').textContent()).toContain('25')
    await screenshot('organizations')
    await expectAccessible(page, 'organizations')
    // On a phone's width the page folds and stays usable.
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot('organizations-phone')
    await expectAccessible(page, 'organizations on a phone')
    await page.setViewportSize({ width: 1280, height: 860 })

    await page.getByRole('button', { name: 'Delete Wayne Enterprises' }).click()
    await page.getByText('Organization Wayne Enterprises deleted.').waitFor()
    await expect.poll(() => row('Wayne Enterprises').count()).toBe(0)
    const left = await api('GET', `/v3/resellers/${resellerId}/organizations`)
    expect(left.body).toEqual([])
  })

  it("shows roles with their claims; offers no write, which the API refuses a signed-in user's token", async () => {
    await open('Roles')
    const custom = row('admin-pages')
    await custom.waitFor()
    expect(await custom.getByRole('list', { name: 'Claims of admin-pages' }).textContent()).toContain(
      'reseller:organization:create',
    )
    expect(await row('reseller-admin').textContent()).toContain('built-in')
    await screenshot('roles')
    await expectAccessible(page, 'roles')
    // Roles are written by a csp API client only: the admin's role claims role:write, yet no button.
    for (const name of ['New role', 'Edit admin-pages', 'Delete admin-pages', 'Edit reseller-admin'])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
    const token = await userToken(ADMIN)
    const created = await api('POST', '/v3/roles', { name: 'auditor', claims: ['eventLog:read'] }, token)
    expect([created.status, created.body?.message]).toEqual([403, 'Only a csp token may do this.'])
  })

  it("lists the tenant's groups", async () => {
    await open('Groups')
    await row('Administrator').waitFor()
    expect(await page.locator('tbody tr td:first-child').allTextContents()).toEqual([
      'Administrator',
      'Alert Manager',
      'Viewer',
    ])
    await screenshot('groups')
    await expectAccessible(page, 'groups')
  })

  it('creates an API client through a validation message, shows its secret once, lists and deletes it', async () => {
    await open('API clients')
    await page.getByRole('button', { name: 'New API client' }).click()
    const form = page.getByRole('form', { name: 'New API client' })
    await form.getByLabel('client:read', { exact: true }).check()
    await form.getByLabel('reseller:organization:read', { exact: true }).check()
    // No name: the API's message next to Name.
    await form.getByRole('button', { name: 'Create API client' }).click()
    await fieldError(form, 'Name').waitFor()
    expect(await fieldError(form, 'Name').textContent()).toMatch(/^name /)
    await screenshot('clients-create')
    await expectAccessible(page, 'API clients, create refused')
    await form.getByLabel('Name').fill('Acme CRM')
    await form.getByRole('button', { name: 'Create API client' }).click()

    const secretCard = page.getByRole('region', { name: 'API client Acme CRM created' })
    await secretCard.waitFor()
    // The keyboard's focus moved to the secret (the form it was in is gone).
    await expect.poll(() => page.evaluate('document.activeElement.className')).toBe('card secret')
    expect(await secretCard.textContent()).toContain('Copy the client secret now: it is shown only this once')
    const secret = (await secretCard.getByTestId('client-secret').textContent()) as string
    const clientId = (await secretCard.locator('dd code').first().textContent()) as string
    expect(secret.length).toBeGreaterThan(20)
    await screenshot('clients')
    await expectAccessible(page, 'API clients')
    // The secret works, with the scopes picked.
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string; scope: string }>)
    expect(token.scope.split(' ').sort()).toEqual(['client:read', 'reseller:organization:read'])

    // Dismissed, it is gone, and the list never shows it.
    await secretCard.getByRole('button', { name: 'I have stored it' }).click()
    await secretCard.waitFor({ state: 'detached' })
    await expect.poll(() => row('Acme CRM').textContent()).toContain(clientId)
    expect(await page.content()).not.toContain(secret)
    await open('Groups')
    await open('API clients')
    await row('Acme CRM').waitFor()
    expect(await page.content()).not.toContain(secret)

    await page.getByRole('button', { name: 'Delete Acme CRM' }).click()
    await page.getByText('API client Acme CRM deleted.').waitFor()
    await expect.poll(() => row('Acme CRM').count()).toBe(0)
    // Its secret no longer gets a token.
    const refused = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    })
    expect(refused.status).toBe(401)
  })

  it('shows a `user` none of these pages, and the API refuses it them', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signIn(PLAIN)
    await page.getByRole('heading', { name: 'Profile' }).waitFor()
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual([
      'Profile',
    ])
    for (const route of ['/resellers', '/organizations', '/roles', '/groups', '/clients']) {
      await goTo(page, route)
      await page.getByRole('heading', { name: 'Profile' }).waitFor()
    }

    const login = await fetch(`${base}/v3/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountAlias: 'localhost', ...PLAIN }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>)
    const refused = async (
      method: string,
      route: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${login.accessToken}`,
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return response.status
    }
    expect(await refused('GET', '/v3/resellers')).toBe(403)
    expect(await refused('GET', `/v3/resellers/${resellerId}/organizations`)).toBe(403)
    expect(
      await refused('POST', `/v3/resellers/${resellerId}/organizations`, { name: 'X', email: 'x@x.example' }),
    ).toBe(403)
    expect(await refused('GET', '/v3/roles')).toBe(403)
    expect(await refused('GET', '/v1/users/groups', undefined, { 'x-tenant': 'localhost' })).toBe(403)
    expect(await refused('GET', '/v3/clients')).toBe(403)
    expect(
      await refused('POST', '/v3/clients', {
        name: 'X',
        role: 'reseller',
        resellerId,
        scopes: ['client:read'],
      }),
    ).toBe(403)
  })
})
