// Starts the real app on a real port with a fresh database, and gives tests small helpers to call it.
import { randomBytes } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'
import { type App, buildApp } from '../../src/app.ts'
import { SCOPES } from '../../src/auth/scopes.ts'
import { bootstrap } from '../../src/bootstrap.ts'
import { loadConfig } from '../../src/config.ts'
import { type Db, openDatabase } from '../../src/db/connection.ts'
import { createDispatcher, type Dispatcher } from '../../src/delivery/dispatcher.ts'
import { systemActor } from '../../src/domain/actor.ts'
import { createClient } from '../../src/domain/clients.ts'
import { newId } from '../../src/domain/ids.ts'
import { createTenant } from '../../src/domain/tenants.ts'
import type { AppDeps } from '../../src/services.ts'
import { prepareServices } from '../../src/services.ts'
import { judgeCryptlexResponse } from './cryptlex-conformance.ts'
import { createTestDatabase } from './database.ts'

export const TENANT = 'portal.example.com'
/** The key-encryption key of the test apps: every run its own, as a PostgreSQL server requires one. */
export const ENCRYPTION_KEY = randomBytes(32).toString('base64')
export const PLATFORM = { clientId: 'platform-operator', clientSecret: randomBytes(24).toString('hex') }

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies of many shapes and assert on them directly.
export type Json = any

export interface Response<T = unknown> {
  status: number
  headers: Headers
  body: T
  text: string
}

export interface RequestOptions {
  token?: string | null
  body?: unknown
  headers?: Record<string, string>
}

export interface TestApp {
  url: string
  /** The Fastify instance (its registry, counters, metrics listener). */
  app: App
  db: Db
  deps: AppDeps
  /** The webhook dispatcher, when started with { dispatcher: true }. */
  dispatcher: Dispatcher | null
  tenantId: string
  /** A csp token with every scope, for the bootstrap tenant. */
  cspToken: string
  request<T = Json>(method: string, path: string, options?: RequestOptions): Promise<Response<T>>
  /** A v1 request: X-Tenant of the bootstrap tenant unless given. */
  v1<T = Json>(method: string, path: string, options?: RequestOptions): Promise<Response<T>>
  /** A token for a new client of the given tenant (the bootstrap tenant by default). */
  tokenFor(options: {
    role?: 'csp' | 'reseller'
    resellerId?: string
    scopes?: string[]
    tenantId?: string
  }): Promise<string>
  /** A token of the platform operator (role platform, no tenant). */
  platformToken(): Promise<string>
  /** A second tenant with its own csp token. */
  createTenant(domain: string): Promise<{ tenantId: string; token: string }>
  createReseller(body?: Record<string, unknown>, token?: string): Promise<Json>
  createOrganization(resellerId: string, body?: Record<string, unknown>, token?: string): Promise<Json>
  /**
   * A user of the reseller who can sign in (v3 create, with a password): role `user` unless given; the body's
   * other fields override the defaults. Its v3 representation, its email and its password.
   */
  createSigningUser(
    resellerId: string,
    body?: Record<string, unknown>,
    token?: string,
  ): Promise<{ user: Json; email: string; password: string }>
  /** POST /v3/accounts/login in the bootstrap tenant (accountAlias given by default), answered as it comes. */
  login(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response<Json>>
  /** Signs in and returns the tokens (fails unless 200). */
  signIn(
    email: string,
    password: string,
    extra?: Record<string, unknown>,
  ): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>
  count(table: string, where?: string, params?: unknown[]): Promise<number>
  close(): Promise<void>
}

/** The claims of a JWT, unverified (tests read what the service put in its own tokens). */
export const tokenClaims = (token: string): Json =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))

let sequence = 0
export const unique = (prefix = 'u') => `${prefix}${Date.now().toString(36)}${(sequence++).toString(36)}`

export async function startTestApp(
  env: Record<string, string> = {},
  options: {
    logger?: FastifyServerOptions['logger']
    dispatcher?: boolean
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase()
  const bootstrapSecret = randomBytes(24).toString('hex')
  const config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      BOOTSTRAP_TENANT_DOMAIN: TENANT,
      BOOTSTRAP_CLIENT_ID: 'bootstrap-csp',
      BOOTSTRAP_CLIENT_SECRET: bootstrapSecret,
      PLATFORM_CLIENT_ID: PLATFORM.clientId,
      PLATFORM_CLIENT_SECRET: PLATFORM.clientSecret,
      LOG_LEVEL: 'silent',
      ENCRYPTION_KEY,
      ...env,
    }),
    database: database.target,
  }
  const db = await openDatabase(config.database, 5)
  const deps = await prepareServices(config, db)
  await bootstrap(db, config, deps.pepper)
  const app = await buildApp(deps, { logger: options.logger ?? false })
  // Every v3 response of every test is judged by Cryptlex's own schemas (test/support/conformance-setup.ts).
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/v3/')) return payload
    const status = reply.statusCode
    const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined
    judgeCryptlexResponse({
      method: request.method,
      route: request.routeOptions.url ?? (request.url.split('?')[0] as string),
      status,
      contentType: String(reply.getHeader('content-type') ?? ''),
      // A 204 sends none; a stream (a CSV export) is counted, and judged by its content type alone.
      payload: typeof payload === 'string' ? payload : payload == null ? '' : null,
      ourSchema: (responses?.[status] ?? responses?.[`${Math.floor(status / 100)}xx`]) as never,
    })
    return payload
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const dispatcher = options.dispatcher ? createDispatcher(db, config, app.log, deps.keyring) : null
  await dispatcher?.start()
  // The issuer must be the address the tokens are verified against; the app read it at build time.
  const url = address

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let body: string | undefined
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(`${url}${path}`, { method, headers, body: body ?? null })
    const text = await response.text()
    let parsed: unknown = text
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text)
    return { status: response.status, headers: response.headers, body: parsed as T, text }
  }

  async function issue(clientId: string, clientSecret: string): Promise<string> {
    const response = await request<{ access_token: string }>('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    })
    if (response.status !== 200) throw new Error(`token: ${response.status} ${response.text}`)
    return response.body.access_token
  }

  const tenantRow = await db.query<{ id: string }>('SELECT id FROM tenants WHERE domain = $1', [TENANT])
  const tenantId = tenantRow.rows[0]?.id as string
  const cspToken = await issue('bootstrap-csp', bootstrapSecret)

  const testApp: TestApp = {
    url,
    app,
    db,
    deps,
    dispatcher,
    tenantId,
    cspToken,
    request,
    v1: (method, path, opts = {}) =>
      request(method, path, { ...opts, headers: { 'x-tenant': TENANT, ...opts.headers } }),
    platformToken: () => issue(PLATFORM.clientId, PLATFORM.clientSecret),
    async tokenFor({ role = 'csp', resellerId, scopes = [...SCOPES], tenantId: tid = tenantId }) {
      const { client, clientSecret } = await db.transaction((tx) =>
        createClient(
          tx,
          systemActor(tid, newId()),
          {
            name: unique('client'),
            role,
            resellerId: resellerId ?? null,
            scopes,
          },
          deps.pepper,
        ),
      )
      return issue(client.clientId, clientSecret)
    },
    async createTenant(domain) {
      const tenant = await db.transaction((tx) =>
        createTenant(tx, systemActor(null, newId()), { domain, name: domain }),
      )
      return { tenantId: tenant.id, token: await testApp.tokenFor({ tenantId: tenant.id }) }
    },
    async createReseller(body = {}, token = cspToken) {
      const response = await request('POST', '/v3/resellers', {
        token,
        body: { name: unique('Reseller '), email: `${unique('r')}@example.com`, ...body },
      })
      if (response.status !== 201) throw new Error(`reseller: ${response.status} ${response.text}`)
      return response.body
    },
    async createOrganization(resellerId, body = {}, token = cspToken) {
      const response = await request('POST', `/v3/resellers/${resellerId}/organizations`, {
        token,
        body: { name: unique('Org '), email: `${unique('o')}@example.com`, ...body },
      })
      if (response.status !== 201) throw new Error(`organization: ${response.status} ${response.text}`)
      return response.body
    },
    async createSigningUser(resellerId, body = {}, token = cspToken) {
      const email = typeof body.email === 'string' ? body.email : `${unique('signer')}@example.com`
      const password =
        typeof body.password === 'string' ? body.password : `pw-${randomBytes(9).toString('base64url')}`
      const response = await request('POST', `/v3/resellers/${resellerId}/users`, {
        token,
        body: {
          firstName: 'Sign',
          lastName: 'In',
          role: 'user',
          allowCustomerPortalAccess: false,
          ...body,
          email,
          password,
        },
      })
      if (response.status !== 201) throw new Error(`user: ${response.status} ${response.text}`)
      return { user: response.body, email, password }
    },
    login: (body, headers = {}) =>
      request('POST', '/v3/accounts/login', { body: { accountAlias: TENANT, ...body }, headers }),
    async signIn(email, password, extra = {}) {
      const response = await testApp.login({ email, password, ...extra })
      if (response.status !== 200) throw new Error(`login: ${response.status} ${response.text}`)
      return response.body
    },
    async count(table, where = 'true', params = []) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
        params,
      )
      return rows[0]?.n ?? 0
    },
    async close() {
      await dispatcher?.stop()
      await app.close()
      await db.close()
      await database.drop()
    },
  }
  return testApp
}
