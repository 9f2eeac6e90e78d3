// The console's admin pages in a real browser (Debian's chromium, driven by playwright-core) on the service started as
// the README says (the build, then node dist/main.js on a fresh DATA_DIR): resellers, a reseller's organizations,
// roles with their claims, groups and API clients, each created through a validation message shown next to its
// field, listed, edited, deleted; an API client's secret shown once; a `user` sees none of these pages and the API
// refuses it them. axe-core checks every page; screenshots go to test-results/console/<page>.png.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { freePort, killChildren, ROOT, spawnNode, waitForOutput } from '../support/process.ts'

const exec = promisify(execFile)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium && process.env.REQUIRE_SERVICES === '1')
  throw new Error(`${CHROMIUM} is missing (REQUIRE_SERVICES=1): apt-get install -y chromium (.ci/run does)`)
if (!hasChromium)
  console.warn(
    `test/console/admin-pages: ${CHROMIUM} is missing, the browser tests are skipped (apt-get install -y chromium)`,
  )

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 })
const SHOTS = path.join(ROOT, 'test-results/console')
const ADMIN = { email: 'root@acme.example', password: 'correct horse battery' }
const PLAIN = { email: 'carl@acme.example', password: 'plain user password' }

let base = ''
let cspToken = ''
let resellerId = ''
let browser: Browser
let page: Page

/** A signed-in user's access token, from the API's login (as the console gets one). */
async function userToken(who: { email: string; password: string }): Promise<string> {
  const response = await fetch(`${base}/v3/accounts/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountAlias: 'localhost', ...who }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { accessToken: string }).accessToken
}

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

/**
 * The service as the README starts it (npm start's prestart build, then node dist/main.js on a fresh DATA_DIR and a
 * free port), and a token of its first start's csp client. One function, so that a shared console test support can
 * replace it.
 */
async function startService(): Promise<{ base: string; cspToken: string }> {
  await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-admin-pages-'))
  const service = spawnNode(['dist/main.js'], { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' })
  await waitForOutput(service, 'curl -s -H', 120_000)
  const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'))
  const token = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: saved.clientId,
      client_secret: saved.clientSecret,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>)
  return { base: url, cspToken: token.access_token }
}

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** axe-core in the page: no serious or critical violation. */
async function expectAccessible(name: string) {
  // page.addScriptTag would be refused by the page's CSP (script-src 'self'); evaluated over the DevTools protocol,
  // which the CSP does not govern.
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

async function open(label: string, heading = label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click()
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
}

/** The inline message of a form's field, by its visible label. */
const fieldError = (form: Locator, label: string) =>
  form.locator('.field', { has: page.getByLabel(label) }).locator('.field-error')

const row = (text: string) => page.locator('tbody tr', { hasText: text })

beforeAll(async () => {
  if (!hasChromium) return
  fs.mkdirSync(SHOTS, { recursive: true })
  ;({ base, cspToken } = await startService())

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

  const { chromium } = await import('playwright-core')
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
  page.setDefaultTimeout(15_000)
  // Every delete asks for a confirmation: the test confirms.
  page.on('dialog', (dialog) => void dialog.accept())
})

afterAll(async () => {
  await browser?.close()
  killChildren()
})

describe.skipIf(!hasChromium)('the console admin pages in Chromium', () => {
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
    await expectAccessible('resellers')
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
    await expectAccessible('organizations, create refused')
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
    await expectAccessible('organizations')
    // On a phone's width the page folds and stays usable.
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot('organizations-phone')
    await expectAccessible('organizations on a phone')
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
    await expectAccessible('roles')
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
    await expectAccessible('groups')
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
    await expectAccessible('API clients, create refused')
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
    await expectAccessible('API clients')
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
      await page.evaluate(
        `window.history.pushState(null, '', '/console${route}'); window.dispatchEvent(new PopStateEvent('popstate'))`,
      )
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
