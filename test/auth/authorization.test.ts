// The authorization table, walked: every operation of every API refuses a token without what it requires
// (403 in its API's error shape, nothing changed) and lets a token with exactly that through.
import fs from 'node:fs'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readmeTable, scopeTable } from '../../scripts/scope-table.ts'
import { OPERATIONS } from '../../src/auth/operations.ts'
import { SCOPES } from '../../src/auth/scopes.ts'
import { renderV3Error } from '../../src/dialects/v3/errors.ts'
import { createDialect } from '../../src/http/dialect.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type DocumentedOperation, documentedOperations } from '../support/openapi.ts'

type Operation = DocumentedOperation

let t: TestApp
let operations: Operation[]
/** Every operation of the authorization table: those above, and the public and signed-in users' ones. */
let tabled: Operation[]
let resellerId: string
const tokens = new Map<string, string>()

/** A token with every scope but one, or with that one alone (cached: a client per token). */
async function tokenWith(scopes: string[]): Promise<string> {
  const key = scopes.join(' ')
  const known = tokens.get(key)
  if (known) return known
  const token = await t.tokenFor({ role: 'csp', scopes })
  tokens.set(key, token)
  return token
}

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  const document = (await t.request('GET', '/openapi.json')).body
  const documented = documentedOperations(document)
  operations = documented.filter((o) => o.scope !== null || o.isPlatform)
  tabled = documented.filter((o) => o.scope !== null || o.isPlatform || o.isPublic || o.isSignedIn)
})
afterAll(async () => {
  await t?.close()
})

const concrete = (path: string) =>
  path
    .replace('{resellerId}', resellerId)
    .replace('{email}', 'nobody@example.com')
    .replace(/\{[^}]+\}/g, '0193b0c4-0000-7000-8000-00000000dead')

async function call(operation: Operation, token: string) {
  const hasBody = operation.method === 'POST' || operation.method === 'PATCH'
  return t.request(operation.method, concrete(operation.path), {
    token,
    headers: operation.path.startsWith('/v1/') ? { 'x-tenant': 'portal.example.com' } : {},
    ...(hasBody ? { body: {} } : {}),
  })
}

const footprint = async () =>
  Promise.all(
    ['audit_events', 'outbox_events', 'resellers', 'users', 'api_clients', 'tenants'].map((x) => t.count(x)),
  )

describe('the authorization table', () => {
  it('covers every operation the API documents, and names no operation that is not served', () => {
    expect(tabled.length).toBe(Object.keys(OPERATIONS).length)
    expect(tabled.map((o) => o.operationId).sort()).toEqual(Object.keys(OPERATIONS).sort())
  })

  it("refuses, for every signed-in user's operation, an API client's token with every scope: 403, nothing changed", async () => {
    const signedIn = tabled.filter((o) => o.isSignedIn)
    expect(signedIn.length).toBeGreaterThan(0)
    for (const operation of signedIn) {
      const before = await footprint()
      const response = await call(operation, t.cspToken)
      const name = `${operation.operationId} (${operation.method} ${operation.path})`
      expect(response.status, name).toBe(403)
      expect(await footprint(), name).toEqual(before)
    }
  })

  it('refuses, for every operation, a token without what it requires: 403 in its shape, nothing changed', async () => {
    for (const operation of operations) {
      const token = operation.isPlatform
        ? t.cspToken
        : await tokenWith(SCOPES.filter((scope) => scope !== operation.scope))
      const before = await footprint()
      const response = await call(operation, token)
      const name = `${operation.operationId} (${operation.method} ${operation.path})`
      expect(response.status, name).toBe(403)
      if (operation.path.startsWith('/v1/'))
        expect(response.body, name).toMatchObject({ statusCode: 403, type: 'Forbidden', errors: [] })
      else expect(response.body, name).toEqual({ message: expect.any(String), code: expect.any(String) })
      expect(await footprint(), name).toEqual(before)
    }
  })

  it('lets through, for every operation, a token with exactly what it requires', async () => {
    const platform = await t.platformToken()
    for (const operation of operations) {
      const token = operation.isPlatform ? platform : await tokenWith([operation.scope as string])
      const response = await call(operation, token)
      const name = `${operation.operationId} (${operation.method} ${operation.path}): ${response.text}`
      expect(response.status, name).not.toBe(403)
      expect(response.status, name).not.toBe(401)
    }
  })

  it('refuses a v1 request of a narrowed token: create, update, delete with a read scope, audit logs without eventLog:read', async () => {
    const reader = await tokenWith(['reseller:user:read'])
    const create = await t.v1('POST', `/v1/reseller/${resellerId}/users`, {
      token: reader,
      body: { firstName: 'No', lastName: 'Scope', email: 'no-scope@example.com', role: {}, groups: [] },
    })
    expect(create.status).toBe(403)
    expect(create.body.description).toContain('reseller:user:create')
    expect((await t.v1('GET', '/v1/AuditLogs', { token: reader })).status).toBe(403)
    expect((await t.v1('GET', '/v1/users', { token: reader })).status).toBe(200)
  })

  it('fails to register a route that names no operation', async () => {
    const app = Fastify()
    const dialect = createDialect({
      renderError: renderV3Error,
      routes: [
        async (plugin) => {
          plugin.get('/unlisted', async () => 'served')
        },
      ],
    })
    await expect(app.register(dialect, t.deps).ready()).rejects.toThrow(
      /no operation of the authorization table/,
    )
    await app.close()
  })
})

describe('the README', () => {
  it('shows the scope table as the code enforces it (npm run docs:scopes writes it)', async () => {
    const document = (await t.request('GET', '/openapi.json')).body
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(readmeTable(readme)).toBe(scopeTable(document))
  })
})
