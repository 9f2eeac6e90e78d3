// Every operation of the OpenAPI document, fed hostile values in every parameter and body field: no input
// gets a 5xx, and a 4xx changes nothing. FUZZ_RUNS (npm run fuzz) runs each operation that many times.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { startTestIssuer, type TestIssuer } from '../support/oidc-provider.ts'
import { type DocumentedOperation, documentedOperations, type JsonSchema } from '../support/openapi.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 12)

type Schema = JsonSchema
type Operation = DocumentedOperation

let t: TestApp
let issuer: TestIssuer
let operations: Operation[]
let platformToken: string
/** A signed-in user's token, for the operations only such a token may call (GET/PATCH /v3/me, …). */
let userToken: string
let resellerId: string
let sent = 0
let serverErrors = 0

beforeAll(async () => {
  // An identity provider configured, so that the sign-in routes are fuzzed past their "not configured" 404.
  issuer = await startTestIssuer('http://127.0.0.1:0/v3/accounts/oidc/callback')
  t = await startTestApp({ OIDC_PROVIDERS: JSON.stringify([issuer.providerEntry('local')]) })
  platformToken = await t.platformToken()
  resellerId = (await t.createReseller()).id
  const signer = await t.createSigningUser(resellerId, { role: 'reseller-admin' })
  userToken = (await t.signIn(signer.email, signer.password)).accessToken
  const document = (await t.request('GET', '/openapi.json')).body
  operations = documentedOperations(document)
})
afterAll(async () => {
  // The figures the closing note quotes: how many requests, how many 5xx.
  process.stdout.write(`fuzz: ${sent} requests, ${serverErrors} answered 5xx\n`)
  await t?.close()
  await issuer?.close()
})

/** Text a client could send that a careless service would pass on to the database. */
const hostileText = fc.oneof(
  fc.constantFrom(
    'nul\u0000byte',
    '\u0000',
    'lone\ud800',
    '\udc00',
    'bell\u0007',
    '',
    ' ',
    '%',
    '%00',
    "'; DROP TABLE users; --",
    '-271821-04-20',
    '+300000-01-01',
    '1e308',
    '-1',
    '0',
    '2147483648',
    'NaN',
    'true',
    'null',
    '../../etc/passwd',
    '0193b0c4-0000-7000-8000-00000000dead',
    'a@b',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ minLength: 257, maxLength: 2000 }),
)
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileText, weight: 6 },
  fc.constantFrom(1e308, -1e308, -1, 0, 2 ** 53, 1.5, Number.MAX_SAFE_INTEGER, null, true, false),
  fc.constant([]),
  fc.constant({}),
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 2 }),
)

/** A body: each documented field absent, hostile or nested hostile, and now and then a key of its own. */
function bodyOf(schema: Schema | null): fc.Arbitrary<unknown> {
  if (!schema) return fc.constant(undefined)
  const properties = schema.properties ?? schema.anyOf?.find((s) => s.properties)?.properties ?? {}
  const fields = Object.fromEntries(
    Object.keys(properties).map((name) => [name, fc.option(hostileValue, { nil: undefined })]),
  )
  return fc.oneof(
    { arbitrary: fc.record(fields), weight: 8 },
    { arbitrary: fc.record({ ...fields, extra: hostileValue }), weight: 1 },
    { arbitrary: hostileValue, weight: 1 },
  )
}

const encode = (value: unknown) =>
  encodeURIComponent(typeof value === 'string' ? value.toWellFormed() : String(value))

function requestOf(operation: Operation) {
  const pathValue = fc.oneof(
    { arbitrary: hostileText, weight: 3 },
    { arbitrary: fc.constant(resellerId), weight: 2 },
    { arbitrary: fc.uuid().map(String), weight: 1 },
  )
  const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string)
  const queryNames = [
    ...operation.query,
    'page',
    'limit',
    'name[cn]',
    'createdAt[gte]',
    'search',
    'StartDate',
  ]
  return fc.record({
    path: fc.tuple(...names.map(() => pathValue)),
    query: fc.array(fc.tuple(fc.constantFrom(...queryNames), hostileText), { maxLength: 3 }),
    body: bodyOf(operation.method === 'GET' || operation.method === 'DELETE' ? null : operation.body),
  })
}

const TABLES = [
  'audit_events',
  'outbox_events',
  'users',
  'resellers',
  'organizations',
  'roles',
  'webhook_endpoints',
  'api_clients',
  'tenants',
]
const footprint = () => Promise.all(TABLES.map((table) => t.count(table)))
/**
 * Operations whose refusals are recorded by design: a failed sign-in (or a wrong current password) is audited
 * (user.login.failed) and counted toward the account's lock. Their 4xx may add audit and outbox rows; nothing else.
 */
const RECORDS_REFUSALS = new Set(['LoginAccount', 'ChangeCurrentUserPassword'])
const footprintOf = (operationId: string) =>
  RECORDS_REFUSALS.has(operationId)
    ? Promise.all(
        TABLES.filter((table) => !['audit_events', 'outbox_events'].includes(table)).map((x) => t.count(x)),
      )
    : footprint()

describe('every operation, under hostile input', () => {
  it('never answers 5xx, and a 4xx changes nothing', async () => {
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(requestOf(operation), async (generated) => {
          let index = 0
          const path = operation.path.replace(/\{[^}]+\}/g, () => encode(generated.path[index++]))
          const query = generated.query.map(([name, value]) => `${encodeURIComponent(name)}=${encode(value)}`)
          const url = query.length > 0 ? `${path}?${query.join('&')}` : path
          const before = await footprintOf(operation.operationId)
          const response = await t.request(operation.method, url, {
            token: operation.isPlatform ? platformToken : operation.isSignedIn ? userToken : t.cspToken,
            headers: operation.path.startsWith('/v1/') ? { 'x-tenant': 'portal.example.com' } : {},
            ...(generated.body === undefined ? {} : { body: JSON.stringify(generated.body) }),
          })
          sent++
          if (response.status >= 500) serverErrors++
          const name = `${operation.operationId} ${operation.method} ${url.slice(0, 200)}`
          expect(response.status, `${name}: ${response.text.slice(0, 300)}`).toBeLessThan(500)
          if (response.status >= 400) expect(await footprintOf(operation.operationId), name).toEqual(before)
        }),
        { numRuns: RUNS },
      )
    }
    expect(sent).toBeGreaterThan(operations.length * RUNS * 0.9)
  }, 600_000)
})
