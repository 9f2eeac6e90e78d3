// Idempotency-Key on POST, end to end in both dialects and the platform API: a retried or concurrent POST runs
// once and its first response is replayed; the key with another request is refused; nothing runs twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'
import { expectV1Error, userBody } from '../v1/v1-helpers.ts'

let t: TestApp
let resellerId: string

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
})
afterAll(async () => {
  await t?.close()
})

const v3User = (email = `${unique('idem')}@example.com`) => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  email,
  role: 'user',
  company: 'Analytical Engines',
  allowCustomerPortalAccess: false,
  password: 'correct horse battery',
})

const createV3 = (body: unknown, key?: string, token = t.cspToken) =>
  t.request('POST', `/v3/resellers/${resellerId}/users`, {
    token,
    body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  })

const createV1 = (body: unknown, key: string) =>
  t.v1('POST', `/v1/reseller/${resellerId}/users`, {
    token: t.cspToken,
    body,
    headers: { 'idempotency-key': key },
  })

const usersWithEmail = (email: string) => t.count('users', 'lower(email) = lower($1)', [email])
const eventsFor = (action: string, resourceId: string) =>
  t.count('audit_events', 'action = $1 AND resource_id = $2', [action, resourceId])

function expectReplayOf(replayed: Response<Json>, first: Response<Json>): void {
  expect(replayed.status).toBe(first.status)
  expect(replayed.text).toBe(first.text)
  expect(replayed.headers.get('idempotent-replayed')).toBe('true')
  expect(replayed.headers.get('content-type')).toBe(first.headers.get('content-type'))
  // The replay is its own request: its own correlation id.
  expect(replayed.headers.get('x-correlation-id')).not.toBe(first.headers.get('x-correlation-id'))
}

describe('Idempotency-Key on a v3 create', () => {
  it('runs a POST sent twice with one key once, and replays the first response', async () => {
    const body = v3User()
    const key = crypto.randomUUID()
    const first = await createV3(body, key)
    expect(first.status, first.text).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const second = await createV3(body, key)
    expectReplayOf(second, first)
    expect(await usersWithEmail(body.email)).toBe(1)
    expect(await eventsFor('reseller.user.created', first.body.id)).toBe(1)
  })

  it('runs 8 concurrent POSTs with one key once: one user, and all 8 answers are the first one', async () => {
    const body = v3User()
    const key = crypto.randomUUID()
    const answers = await Promise.all(Array.from({ length: 8 }, () => createV3(body, key)))
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201))
    expect(new Set(answers.map((a) => a.text)).size).toBe(1)
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7)
    expect(await usersWithEmail(body.email)).toBe(1)
  })

  it('answers 422 for the key with another body, and creates nothing', async () => {
    const key = crypto.randomUUID()
    expect((await createV3(v3User(), key)).status).toBe(201)
    const other = v3User()
    const refused = await createV3(other, key)
    expect(refused.status).toBe(422)
    expect(refused.body).toEqual({
      message: expect.stringMatching(/another request/),
      code: 'IDEMPOTENCY_KEY_REUSED',
    })
    expect(await usersWithEmail(other.email)).toBe(0)
  })

  it('answers 422 for the key on another path', async () => {
    const key = crypto.randomUUID()
    const body = v3User()
    expect((await createV3(body, key)).status).toBe(201)
    const other = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      body: { name: 'X', email: 'x@example.com' },
      headers: { 'idempotency-key': key },
    })
    expect(other.status).toBe(422)
  })

  it('replays a refusal too: the same invalid request with its key gets the same 409, and runs nothing new', async () => {
    const body = v3User()
    expect((await createV3(body)).status).toBe(201)
    const key = crypto.randomUUID()
    const first = await createV3(body, key)
    expect(first.status).toBe(409)
    expectReplayOf(await createV3(body, key), first)
  })

  it('keeps keys apart per client: another client with the same key runs its own request', async () => {
    const key = crypto.randomUUID()
    const otherToken = await t.tokenFor({})
    const mine = await createV3(v3User(), key)
    const theirs = await createV3(v3User(), key, otherToken)
    expect(mine.status).toBe(201)
    expect(theirs.status).toBe(201)
    expect(theirs.headers.get('idempotent-replayed')).toBeNull()
    expect(theirs.body.id).not.toBe(mine.body.id)
  })

  it('accepts a key of 255 characters, and the structured-field form "…"; refuses 256 with 400, creating nothing', async () => {
    expect((await createV3(v3User(), 'k'.repeat(255))).status).toBe(201)
    expect((await createV3(v3User(), `"${crypto.randomUUID()}"`)).status).toBe(201)
    const body = v3User()
    const refused = await createV3(body, 'k'.repeat(256))
    expect(refused.status).toBe(400)
    expect(refused.body.code).toMatch(/VALIDATION_ERROR|INVALID_IDEMPOTENCY_KEY/)
    expect(await usersWithEmail(body.email)).toBe(0)
    const control = await createV3(v3User(), 'bad\tkey')
    expect(control.status).toBe(400)
  })

  it('runs a request again once its key has expired', async () => {
    const key = crypto.randomUUID()
    const body = v3User()
    expect((await createV3(body, key)).status).toBe(201)
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      key,
    ])
    const again = await createV3(body, key)
    expect(again.status).toBe(409)
    expect(again.headers.get('idempotent-replayed')).toBeNull()
  })

  it('answers 409 and runs nothing when the first request with the key never finished (its process stopped)', async () => {
    const key = crypto.randomUUID()
    const body = v3User()
    const first = await createV3(body, key)
    await t.db.query(
      `UPDATE idempotency_keys SET status = NULL, body = NULL, locked_until = now() - interval '1 second'
       WHERE key = $1`,
      [key],
    )
    const repeat = await createV3(body, key)
    expect(repeat.status).toBe(409)
    expect(repeat.body.code).toBe('IDEMPOTENCY_KEY_UNFINISHED')
    expect(await usersWithEmail(body.email)).toBe(1)
    expect(first.status).toBe(201)
  })

  it('documents the header and its answers on every POST in the OpenAPI document, but the public ones', async () => {
    const document = (await t.request('GET', '/openapi.json')).body
    const all = Object.entries(document.paths as Record<string, Record<string, Json>>)
      .filter(([path]) => /^\/(v3|v1|platform)\//.test(path))
      .flatMap(([path, operations]) => (operations.post ? [[path, operations.post]] : []))
    // Signing in and out: no principal to keep a key for, and an answer (a token) that must never be replayed.
    const posts = all.filter(([, operation]) => !operation['x-public'])
    for (const [path, operation] of all.filter(([, operation]) => operation['x-public']))
      expect(JSON.stringify(operation.parameters ?? []), path).not.toContain('IdempotencyKey')
    expect(posts.length).toBeGreaterThan(8)
    for (const [path, operation] of posts) {
      // Shared by every POST: a reference to the one parameter in the document's components.
      const header = operation.parameters
        .map((p: Json) => (p.$ref ? document.components.parameters[p.$ref.split('/').pop()] : p))
        .find((p: Json) => p.in === 'header' && p.name === 'idempotency-key')
      expect(header, path).toBeDefined()
      expect(header.schema.maxLength, path).toBeGreaterThanOrEqual(255)
      expect(Object.keys(operation.responses), path).toEqual(expect.arrayContaining(['409', '422', '429']))
    }
  })
})

describe('a first response that shows a secret once', () => {
  it('is kept encrypted, and replayed whole', async () => {
    const key = crypto.randomUUID()
    const body = { name: unique('idem client '), role: 'csp', scopes: ['reseller:read'] }
    const send = () =>
      t.request('POST', '/v3/clients', {
        token: t.cspToken,
        body,
        headers: { 'idempotency-key': key },
      })
    const first = await send()
    expect(first.status, first.text).toBe(201)
    const secret = first.body.clientSecret as string
    expect(secret).toEqual(expect.any(String))
    const { rows } = await t.db.query<{ row: string }>(
      'SELECT idempotency_keys::text AS row FROM idempotency_keys WHERE key = $1',
      [key],
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.row).not.toContain(secret)
    expect(rows[0]?.row).toContain('enc:v1:')
    expectReplayOf(await send(), first)
  })
})

describe('Idempotency-Key in v1 and the platform API', () => {
  it('runs a v1 create sent twice (and 8 times at once) with one key once, replaying its response', async () => {
    const body = userBody()
    const key = crypto.randomUUID()
    const answers = await Promise.all(Array.from({ length: 8 }, () => createV1(body, key)))
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201))
    expect(new Set(answers.map((a) => a.text)).size).toBe(1)
    const again = await createV1(body, key)
    expectReplayOf(again, answers[0] as Response<Json>)
    expect(await usersWithEmail(body.email as string)).toBe(1)
  })

  it('answers a v1 key reused with another body with 422 in CloudCockpit’s shape', async () => {
    const key = crypto.randomUUID()
    expect((await createV1(userBody(), key)).status).toBe(201)
    const refused = await createV1(userBody(), key)
    const error = expectV1Error(refused, 422, 'Idempotency-Key')
    expect(error.type).toBe('UnprocessableEntity')
  })

  it('runs a platform tenant create once for one key', async () => {
    const token = await t.platformToken()
    const domain = `${unique('idem')}.example.com`
    const key = crypto.randomUUID()
    const send = () =>
      t.request('POST', '/platform/tenants', {
        token,
        body: { domain, name: 'Idem' },
        headers: { 'idempotency-key': key },
      })
    const [first, second] = await Promise.all([send(), send()])
    expect([first?.status, second?.status]).toEqual([201, 201])
    expect(first?.text).toBe(second?.text)
    expect(await t.count('tenants', 'domain = $1', [domain])).toBe(1)
  })
})
