// The console for a platform admin, in a real browser on the service started as the README says: signed in with the
// bootstrap csp API client's credentials (read from the file the first start writes under DATA_DIR), it creates a
// reseller through the API's validation message, finds, edits and deletes it; creates and edits a role with claims;
// picks a reseller to see its users (the pick kept in the address across a sign-in again); edits a webhook endpoint;
// creates an API client of a reseller; past 100 resellers, finds one by search in the picker and that form.
// A wrong secret is refused on the page; a reseller's own admin is offered none of the reseller or role writes.
// axe-core checks every page; screenshots go to test-results/console/platform-*.png.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConsoleService,
  describeInBrowser,
  expectAccessible,
  fieldError,
  hasChromium,
  launchBrowser,
  openPage,
  row,
  screenshot,
  seedReseller,
  signIn,
  startConsoleService,
  WAIT,
} from '../support/console.ts'
import { killChildren } from '../support/process.ts'

const ADMIN = { email: 'root@acme.example', password: 'correct horse battery' }
const WANDA = { email: 'wanda@acme.example', password: 'another good password' }

let service: ConsoleService
let acmeId = ''
let browser: Browser
let page: Page

/** The sign-in page's second way in, filled and sent. */
async function signInWithClient(clientId: string, clientSecret: string) {
  await page.getByRole('button', { name: 'Sign in with an API client' }).click()
  const form = page.getByRole('form', { name: 'Sign in with an API client' })
  await form.getByLabel('Account alias').fill('localhost')
  await form.getByLabel('Client ID').fill(clientId)
  await form.getByLabel('Client secret').fill(clientSecret)
  await form.getByRole('button', { name: 'Sign in', exact: true }).click()
}

const picker = () => page.getByLabel('Reseller', { exact: true })

/** The claims of a token issued to the API client the page just created (its card shows the secret once). */
async function createdClientClaims(name: string): Promise<Record<string, unknown>> {
  const card = page.getByRole('region', { name: `API client ${name} created` })
  await card.waitFor()
  const clientId = (await card.locator('dd code').first().textContent()) as string
  const secret = (await card.getByTestId('client-secret').textContent()) as string
  const granted = await service.clientToken(clientId, secret)
  expect(granted.status).toBe(200)
  const { access_token } = (await granted.json()) as { access_token: string }
  return JSON.parse(Buffer.from(access_token.split('.')[1] as string, 'base64url').toString('utf8'))
}

beforeAll(async () => {
  if (!hasChromium) return
  // The webhook endpoint below points at 127.0.0.1.
  service = await startConsoleService({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
  // A reseller admin whose role claims reseller:write and role:write, which the API grants a csp token only.
  const role = await service.api('POST', '/v3/roles', {
    name: 'acme-admin',
    claims: ['reseller:read', 'reseller:write', 'reseller:user:read', 'role:read', 'role:write'],
  })
  expect(role.status).toBe(201)
  acmeId = await seedReseller(service, { name: 'Acme', email: 'ops@acme.example' }, [
    [ADMIN, 'acme-admin', 'Root'],
    [WANDA, 'user', 'Wanda'],
  ])
  await seedReseller(service, { name: 'Globex', email: 'ops@globex.example' }, [])
  const hook = await service.api('POST', '/v3/webhooks', {
    name: 'Acme CRM',
    url: 'http://127.0.0.1:9/crm',
    events: ['reseller.user.created'],
    resellerId: acmeId,
  })
  expect(hook.status).toBe(201)
  ;({ browser, page } = await launchBrowser())
  // Every delete asks for a confirmation: the test confirms.
  page.on('dialog', (dialog) => void dialog.accept())
})

afterAll(async () => {
  await browser?.close()
  killChildren()
})

describeInBrowser('the console for a platform admin in Chromium', () => {
  it('refuses an API client’s wrong secret with a clear message, and keeps no secret in the form', async () => {
    await page.goto(`${service.base}/console`)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signInWithClient(service.credentials.clientId, 'not the secret')
    const form = page.getByRole('form', { name: 'Sign in with an API client' })
    await form.getByRole('alert').waitFor()
    expect(await form.getByRole('alert').textContent()).toBe('Client authentication failed.')
    expect(await form.getByLabel('Client secret').inputValue()).toBe('')
    await screenshot(page, 'platform-sign-in-refused')
    await expectAccessible(page, 'API client sign-in, refused')
  })

  it('signs the csp client in: its pages, no profile, and a reseller picked to see its users', async () => {
    const form = page.getByRole('form', { name: 'Sign in with an API client' })
    await form.getByLabel('Client ID').fill(service.credentials.clientId)
    await form.getByLabel('Client secret').fill(service.credentials.clientSecret)
    await form.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()
    expect(links).toContain('Resellers')
    expect(links).toContain('Roles')
    expect(links).not.toContain('Profile')

    // No reseller of its own: the page asks which, and lists no user until then.
    await page.getByText('Choose a reseller to see its users.').waitFor()
    expect(await picker().inputValue()).toBe('')
    expect(await page.locator('tbody tr').count()).toBe(0)
    await screenshot(page, 'platform-users-pick')
    await expectAccessible(page, 'users, no reseller picked')
    await picker().selectOption({ label: 'Acme' })
    await row(page, WANDA.email).waitFor()
    expect(await row(page, ADMIN.email).count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('reseller')).toBe(acmeId)
    await screenshot(page, 'platform-users')
    await expectAccessible(page, 'users of a picked reseller')

    // Another reseller: its (no) users, not Acme's.
    await picker().selectOption({ label: 'Globex' })
    await expect.poll(() => row(page, WANDA.email).count(), WAIT).toBe(0)

    // The pick lasts across pages, and across a reload (which, tokens in memory only, asks to sign in again).
    await picker().selectOption({ label: 'Acme' })
    await openPage(page, 'Organizations')
    expect(await picker().inputValue()).toBe(acmeId)
    await openPage(page, 'Users')
    await row(page, WANDA.email).waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signInWithClient(service.credentials.clientId, service.credentials.clientSecret)
    await row(page, WANDA.email).waitFor()
    expect(await picker().inputValue()).toBe(acmeId)
  })

  it('creates a reseller through a validation message, finds it, edits it and deletes it', async () => {
    await openPage(page, 'Resellers')
    await page.getByRole('button', { name: 'New reseller' }).click()
    const form = page.getByRole('form', { name: 'New reseller' })
    await form.getByLabel('Name').fill('Initech')
    await form.getByLabel('Email').fill('initech-at-example')
    await form.getByRole('button', { name: 'Create reseller' }).click()
    await fieldError(form, 'Email').waitFor()
    expect(await fieldError(form, 'Email').textContent()).toBe('email must be a valid email address.')
    expect(await form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true')
    await screenshot(page, 'platform-resellers-create')
    await expectAccessible(page, 'resellers, create refused')
    await form.getByLabel('Email').fill('ops@initech.example')
    await form.getByRole('button', { name: 'Create reseller' }).click()
    await page.getByText('Reseller Initech created.').waitFor()
    await form.waitFor({ state: 'detached' })

    await page.getByLabel('Search', { exact: true }).fill('initech')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(1)
    expect(await row(page, 'Initech').textContent()).toContain('ops@initech.example')

    await page.getByRole('button', { name: 'Edit Initech' }).click()
    const edit = page.getByRole('form', { name: 'Edit Initech' })
    expect(await edit.getByLabel('Email').inputValue()).toBe('ops@initech.example')
    await edit.getByLabel('Allowed users').fill('25')
    await edit.getByLabel('Description').fill('Penetrating software')
    await edit.getByRole('button', { name: 'Save reseller' }).click()
    await page.getByText('Reseller Initech saved.').waitFor()
    await expect.poll(() => row(page, 'Initech').textContent(), WAIT).toContain('25')
    await screenshot(page, 'platform-resellers')
    await expectAccessible(page, 'resellers')
    const listed = await service.api('GET', '/v3/resellers?search=initech')
    expect(listed.body.map((r: { description: string }) => r.description)).toEqual(['Penetrating software'])

    await page.getByRole('button', { name: 'Delete Initech' }).click()
    await page.getByText('Reseller Initech deleted.').waitFor()
    await expect.poll(() => row(page, 'Initech').count(), WAIT).toBe(0)
    expect((await service.api('GET', '/v3/resellers?search=initech')).body).toEqual([])
  })

  it('creates a role with claims picked from the API’s, and edits its claims', async () => {
    await openPage(page, 'Roles')
    await page.getByRole('button', { name: 'New role' }).click()
    const form = page.getByRole('form', { name: 'New role' })
    await form.getByLabel('Name').fill('auditor')
    await form.getByLabel('Description').fill('Reads the audit log')
    await form.getByLabel('eventLog:read', { exact: true }).check()
    await form.getByLabel('reseller:read', { exact: true }).check()
    await screenshot(page, 'platform-roles-create')
    await expectAccessible(page, 'roles, create')
    await form.getByRole('button', { name: 'Create role' }).click()
    await page.getByText('Role auditor created.').waitFor()
    const claims = () => row(page, 'Reads the audit log').getByRole('list', { name: 'Claims of auditor' })
    // The notice comes with the answer; the list is read again right after.
    await expect
      .poll(async () => (await claims().locator('li').allTextContents()).sort(), WAIT)
      .toEqual(['eventLog:read', 'reseller:read'])
    // Built-in roles are not offered for edit.
    expect(await page.getByRole('button', { name: 'Edit reseller-admin' }).count()).toBe(0)

    await page.getByRole('button', { name: 'Edit auditor' }).click()
    const edit = page.getByRole('form', { name: 'Edit auditor' })
    expect(await edit.getByLabel('eventLog:read', { exact: true }).isChecked()).toBe(true)
    await edit.getByLabel('reseller:read', { exact: true }).uncheck()
    await edit.getByLabel('webhook:read', { exact: true }).check()
    await edit.getByRole('button', { name: 'Save role' }).click()
    await page.getByText('Role auditor saved.').waitFor()
    await expect
      .poll(async () => (await claims().locator('li').allTextContents()).sort(), WAIT)
      .toEqual(['eventLog:read', 'webhook:read'])
    await screenshot(page, 'platform-roles')
    await expectAccessible(page, 'roles')
    const role = (await service.api('GET', '/v3/roles?search=auditor')).body[0]
    expect(role.claims.sort()).toEqual(['eventLog:read', 'webhook:read'])
  })

  it('edits a webhook endpoint in the form that creates one', async () => {
    await openPage(page, 'Webhooks')
    await page.getByRole('button', { name: 'Edit Acme CRM' }).click()
    const form = page.getByRole('form', { name: 'Edit Acme CRM' })
    expect(await form.getByLabel('URL').inputValue()).toBe('http://127.0.0.1:9/crm')
    expect(await form.getByLabel('reseller.user.created').isChecked()).toBe(true)
    await form.getByLabel('Name').fill('Acme ERP')
    await form.getByLabel('URL').fill('http://127.0.0.1:9/erp')
    await form.getByLabel('reseller.user.updated').check()
    await screenshot(page, 'platform-webhook-edit')
    await expectAccessible(page, 'webhook endpoint, edit')
    await form.getByRole('button', { name: 'Save endpoint' }).click()
    await page.getByText('Acme ERP saved.').waitFor()
    await expect.poll(() => row(page, 'Acme ERP').textContent(), WAIT).toContain('http://127.0.0.1:9/erp')
    const [endpoint] = (await service.api('GET', '/v3/webhooks')).body
    expect([endpoint.name, endpoint.url, endpoint.events.sort()]).toEqual([
      'Acme ERP',
      'http://127.0.0.1:9/erp',
      ['reseller.user.created', 'reseller.user.updated'],
    ])
  })

  it('creates an API client of a reseller it picks, whose token acts for that reseller', async () => {
    await openPage(page, 'API clients')
    await page.getByRole('button', { name: 'New API client' }).click()
    const form = page.getByRole('form', { name: 'New API client' })
    await form.getByLabel('Name').fill('Acme sync')
    await form.getByLabel('Reseller', { exact: true }).selectOption({ label: 'Acme' })
    await form.getByLabel('reseller:user:read', { exact: true }).check()
    await screenshot(page, 'platform-clients-create')
    await expectAccessible(page, 'API clients, create')
    await form.getByRole('button', { name: 'Create API client' }).click()
    const claims = await createdClientClaims('Acme sync')
    expect([claims.role, claims.rid, claims.scope]).toEqual(['reseller', acmeId, 'reseller:user:read'])
  })

  it('lists the tenant’s groups through v1, naming the tenant given at sign-in', async () => {
    await openPage(page, 'Groups')
    await row(page, 'Administrator').waitFor()
    expect(await page.locator('tbody tr td:first-child').allTextContents()).toEqual([
      'Administrator',
      'Alert Manager',
      'Viewer',
    ])
  })

  it('offers a reseller’s own admin no reseller or role write, and no reseller picker', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    // Signing out forgets the picked reseller with the session.
    expect(new URL(page.url()).searchParams.has('reseller')).toBe(false)
    await signIn(page, ADMIN)
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await openPage(page, 'Users')
    await row(page, WANDA.email).waitFor()
    expect(await picker().count()).toBe(0)

    await openPage(page, 'Resellers')
    await row(page, 'Acme').waitFor()
    for (const name of ['New reseller', 'Edit Acme', 'Delete Acme'])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
    await openPage(page, 'Roles')
    await row(page, 'auditor').waitFor()
    for (const name of ['New role', 'Edit auditor', 'Delete auditor'])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
  })

  it('finds a reseller beyond the first 100 by name, in the picker and the new API client’s form', async () => {
    // 100 resellers that sort before Zenith, whose user only a reseller found by search shows.
    for (let i = 0; i < 100; i++) {
      const n = String(i).padStart(3, '0')
      expect(
        (await service.api('POST', '/v3/resellers', { name: `Bulk ${n}`, email: `b${n}@bulk.example` }))
          .status,
      ).toBe(201)
    }
    const ZED = { email: 'zed@zenith.example', password: 'a zenith password' }
    const zenithId = await seedReseller(service, { name: 'Zenith', email: 'ops@zenith.example' }, [
      [ZED, 'user', 'Zed'],
    ])
    const second = (await service.api('GET', '/v3/resellers?limit=100&page=2&sort=name')).body as {
      name: string
    }[]
    expect(second.map((r) => r.name)).toContain('Zenith') // beyond the first 100 by name
    const total = 100 + second.length

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signInWithClient(service.credentials.clientId, service.credentials.clientSecret)
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await openPage(page, 'Users')
    await page.getByText('Choose a reseller to see its users.').waitFor()
    const hint = `The list holds the first 100 of ${total} resellers, by name: find another by its name or email.`
    await page.getByText(hint).waitFor()
    const offered = () => picker().locator('option').allTextContents()
    expect(await offered()).toHaveLength(101) // "Choose a reseller" and 100
    expect(await offered()).not.toContain('Zenith')
    await screenshot(page, 'platform-picker-partial')
    await expectAccessible(page, 'users, more resellers than the picker holds')

    // Nothing found says so; Enter finds, as the Find button does.
    const find = page.getByLabel('Find a reseller')
    await find.fill('no such reseller')
    await page.getByRole('button', { name: 'Find', exact: true }).click()
    await page.getByText('No reseller’s name or email holds “no such reseller”.').waitFor()
    await find.fill('zenith.example')
    await find.press('Enter')
    await expect.poll(offered, WAIT).toEqual(['Choose a reseller', 'Zenith'])
    await picker().selectOption({ label: 'Zenith' })
    await row(page, ZED.email).waitFor()
    expect(new URL(page.url()).searchParams.get('reseller')).toBe(zenithId)

    // After a reload the search is gone, but the picked reseller, wherever it sorts, is still named.
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signInWithClient(service.credentials.clientId, service.credentials.clientSecret)
    await row(page, ZED.email).waitFor()
    expect(await picker().inputValue()).toBe(zenithId)
    expect(await picker().locator('option:checked').textContent()).toBe('Zenith')

    // A new API client's reseller is found the same way, in a form that must not nest another.
    await openPage(page, 'API clients')
    await page.getByRole('button', { name: 'New API client' }).click()
    const form = page.getByRole('form', { name: 'New API client' })
    await form.getByLabel('Name').fill('Zenith sync')
    const owner = form.getByLabel('Reseller', { exact: true })
    expect(await owner.locator('option').allTextContents()).not.toContain('Zenith')
    await form.getByLabel('Find a reseller').fill('Zenith')
    await form.getByLabel('Find a reseller').press('Enter')
    await expect.poll(() => owner.locator('option').allTextContents(), WAIT).toContain('Zenith')
    expect(await page.getByRole('form', { name: 'New API client' }).count()).toBe(1)
    await owner.selectOption({ label: 'Zenith' })
    await form.getByLabel('reseller:user:read', { exact: true }).check()
    await expectAccessible(page, 'API clients, create, reseller found')
    await form.getByRole('button', { name: 'Create API client' }).click()
    expect((await createdClientClaims('Zenith sync')).rid).toBe(zenithId)
  })
})
