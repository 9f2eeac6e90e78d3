// What every browser test of the console needs, once: the service started as the README says (the build, then
// node dist/main.js on a fresh DATA_DIR) with its first start's csp client, an API caller, headless Chromium
// (Debian's, driven by playwright-core), screenshots under test-results/console, and axe-core's verdict.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Locator, Page } from 'playwright-core'
import { describe, expect, vi } from 'vitest'
import { freePort, ROOT, type Spawned, spawnNode, waitForOutput } from './process.ts'

const exec = promisify(execFile)
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium && process.env.REQUIRE_SERVICES === '1')
  throw new Error(`${CHROMIUM} is missing (REQUIRE_SERVICES=1): apt-get install -y chromium (.ci/run does)`)
if (!hasChromium)
  console.warn(
    `test/console: ${CHROMIUM} is missing, the browser tests are skipped (apt-get install -y chromium)`,
  )

/** `describe`, skipped where there is no Chromium. */
export const describeInBrowser = describe.skipIf(!hasChromium)

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 })
export const SHOTS = path.join(ROOT, 'test-results/console')
/** How long a poll waits for the page (vitest's default, a second, is short for a busy machine). */
export const WAIT = { timeout: 30_000, interval: 250 }

export interface Who {
  email: string
  password: string
}

export interface ApiAnswer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON the API answered
  body: any
}

export interface ConsoleService {
  base: string
  dataDir: string
  spawned: Spawned
  /** The bootstrap csp client's credentials, as the service's first start saved them under DATA_DIR. */
  credentials: { clientId: string; clientSecret: string }
  /** A token of that client. */
  cspToken: string
  /** A JSON call to the API, with the csp token unless another is given. */
  api: (method: string, route: string, body?: unknown, token?: string) => Promise<ApiAnswer>
  /** A signed-in user's access token, from the API's login (as the console gets one). */
  userToken: (who: Who) => Promise<string>
  /** POST /oauth/token with the client-credentials grant: the raw response. */
  clientToken: (clientId: string, clientSecret: string) => Promise<Response>
}

/**
 * npm start's prestart build, one at a time: the browser test files run in parallel, and two builds at once race
 * (one empties dist/migrations while the other copies into it). A directory is the lock (mkdir is atomic); one left
 * by a killed run is taken over after five minutes.
 */
async function build(): Promise<void> {
  const lock = path.join(os.tmpdir(), `reseller-api-build-${Buffer.from(ROOT).toString('base64url')}.lock`)
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

/**
 * The service on a fresh DATA_DIR, with `env` added (on env.PORT when it names one, else a free port); built first
 * (npm start's prestart).
 */
export async function startConsoleService(env: Record<string, string> = {}): Promise<ConsoleService> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await build()
  const port = env.PORT ? Number(env.PORT) : await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-console-'))
  const spawned = spawnNode(['dist/main.js'], {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...env,
  })
  await waitForOutput(spawned, 'curl -s -H', 120_000)
  const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'))
  const credentials = { clientId: String(saved.clientId), clientSecret: String(saved.clientSecret) }

  const clientToken = (clientId: string, clientSecret: string) =>
    fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    })
  const granted = await clientToken(credentials.clientId, credentials.clientSecret)
  expect(granted.status).toBe(200)
  const cspToken = ((await granted.json()) as { access_token: string }).access_token

  async function api(method: string, route: string, body?: unknown, token = cspToken): Promise<ApiAnswer> {
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

  async function userToken(who: Who): Promise<string> {
    const response = await fetch(`${base}/v3/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountAlias: 'localhost', ...who }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { accessToken: string }).accessToken
  }

  return { base, dataDir, spawned, credentials, cspToken, api, userToken, clientToken }
}

/**
 * A reseller and users of it for a test to sign in as, each `[who, role, firstName]`; returns the reseller's id.
 */
export async function seedReseller(
  service: ConsoleService,
  reseller: { name: string; email: string },
  users: (readonly [Who, string, string])[],
): Promise<string> {
  const made = await service.api('POST', '/v3/resellers', reseller)
  expect(made.status).toBe(201)
  const resellerId = made.body.id as string
  for (const [who, role, firstName] of users) {
    const user = await service.api('POST', `/v3/resellers/${resellerId}/users`, {
      firstName,
      lastName: reseller.name,
      email: who.email,
      role,
      allowCustomerPortalAccess: true,
      password: who.password,
    })
    expect(user.status).toBe(201)
  }
  return resellerId
}

/** Headless Chromium and one page of it; every 5xx the page receives is logged. */
export async function launchBrowser(): Promise<{ browser: Browser; page: Page }> {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
  page.setDefaultTimeout(15_000)
  page.on('response', (response) => {
    if (response.status() >= 500) console.log('console test: HTTP', response.status(), response.url())
  })
  page.on('pageerror', (error) => console.log('console test: page error', error.message))
  page.on('request', (request) => {
    if (process.env.CONSOLE_TEST_TRACE)
      console.log('TRACE', request.method(), request.url(), request.postData() ?? '')
  })
  return { browser, page }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** axe-core in the page: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
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

/** The sign-in page's user form, filled and sent. */
export async function signIn(page: Page, who: Who): Promise<void> {
  await page.getByLabel('Account alias').fill('localhost')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** A page of the main navigation, by its link, once its heading shows. */
export async function openPage(page: Page, label: string, heading = label): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click()
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
}

/** A client-side navigation to a console path, as a typed address would (the test's own types have no DOM). */
export async function goTo(page: Page, route: string): Promise<void> {
  await page.evaluate(
    `window.history.pushState(null, '', '/console${route}'); window.dispatchEvent(new PopStateEvent('popstate'))`,
  )
}

/** The inline message of a form's field, by its visible label. */
export const fieldError = (form: Locator, label: string) =>
  form.locator('.field', { has: form.page().getByLabel(label) }).locator('.field-error')

/** A table row holding `text`. */
export const row = (page: Page, text: string) => page.locator('tbody tr', { hasText: text })
