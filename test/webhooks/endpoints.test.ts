// Webhook endpoints over HTTP: registration rules, the signing secret shown once, reach, scopes, audit, and the
// SSRF refusals — at registration (no request ever leaves for the refused address) and again at connection.
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../src/delivery/dispatcher.ts'
import { endpointSecretAad } from '../../src/domain/webhooks/endpoints.ts'
import { decryptSecret, encryptSecret } from '../../src/secrets/envelope.ts'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'
import { type Receiver, startReceiver } from './receiver.ts'

// Registration vets the URL; nothing here is ever delivered to these public addresses: this file starts no
// dispatcher, and the one test that drains disables every endpoint whose URL is not loopback first.
const PUBLIC_URL = 'https://93.184.215.14/hooks/reseller-api'
const OTHER_PUBLIC_URL = 'https://198.51.99.7/webhook'

let t: TestApp
beforeAll(async () => {
  // Private networks refused, as in production: the registration rules are the real ones.
  t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' })
})
afterAll(async () => {
  await t?.close()
})

const masked = (token: string) => `********${token.length >= 16 ? token.slice(-4) : ''}`

/** The endpoint's secret as stored, opened with the app's key (it is kept encrypted). */
async function storedSecret(id: string): Promise<string> {
  const { rows } = await t.db.query<{ secret: string }>(
    'SELECT secret FROM webhook_endpoints WHERE id = $1',
    [id],
  )
  return decryptSecret(t.deps.keyring, rows[0]?.secret as string, endpointSecretAad(id))
}

async function register(body: Record<string, unknown>, token = t.cspToken) {
  return t.request('POST', '/v3/webhooks', {
    token,
    body: { name: unique('Hook '), url: PUBLIC_URL, events: ['reseller.created'], ...body },
  })
}

async function auditOf(resourceId: string): Promise<Json[]> {
  const response = await t.request(
    'GET',
    `/v3/event-logs?resourceId=${resourceId}&limit=100&sort=createdAt`,
    {
      token: t.cspToken,
    },
  )
  expect(response.status, response.text).toBe(200)
  return response.body
}

describe('registration', () => {
  it('creates an endpoint with defaults and a generated token shown in clear only in that response', async () => {
    const created = await register({
      events: ['reseller.user.created', 'reseller.user.created', 'role.created'],
    })
    expect(created.status, created.text).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    const body = created.body
    expect(body).toMatchObject({
      url: PUBLIC_URL,
      enabled: true,
      status: 'healthy',
      signatureScheme: 'cryptlex',
      resellerId: null,
      events: ['reseller.user.created', 'role.created'],
    })
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt)
    // 32 random bytes, base64url.
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const got = await t.request('GET', `/v3/webhooks/${body.id}`, { token: t.cspToken })
    expect(got.status).toBe(200)
    expect(got.body.token).toBe(masked(body.token))
    expect(got.body).toEqual({ ...body, token: masked(body.token) })

    const listed = await t.request('GET', '/v3/webhooks?limit=100', { token: t.cspToken })
    const item = listed.body.find((w: Json) => w.id === body.id)
    expect(item.token).toBe(masked(body.token))
    expect(listed.text).not.toContain(body.token)

    const patched = await t.request('PATCH', `/v3/webhooks/${body.id}`, {
      token: t.cspToken,
      body: { name: 'Renamed' },
    })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ name: 'Renamed', token: masked(body.token) })
    expect(patched.text).not.toContain(body.token)
  })

  it('never echoes a token the client chose, not even in the creating response', async () => {
    const chosen = 'my-own-signing-secret-0123456789'
    const created = await register({ token: chosen })
    expect(created.status, created.text).toBe(201)
    expect(created.body.token).toBe(masked(chosen))
    expect(created.text).not.toContain(chosen)
    expect(await storedSecret(created.body.id)).toBe(chosen)
  })

  it.each([
    [1, 201],
    [15, 201],
    [256, 201],
    [257, 400],
    [0, 400],
  ])('takes a chosen token of %i characters with %i, as Cryptlex does (1..256)', async (length, status) => {
    const name = unique('Token ')
    const response = await t.request('POST', '/v3/webhooks', {
      token: t.cspToken,
      body: { name, url: PUBLIC_URL, events: ['reseller.created'], token: 'k'.repeat(length) },
    })
    expect(response.status, response.text).toBe(status)
    const stored = await t.count('webhook_endpoints', 'tenant_id = $1 AND name = $2', [t.tenantId, name])
    expect(stored).toBe(status === 201 ? 1 : 0)
    if (status === 400) expect(response.body.message).toContain('token')
    else expect(response.text).not.toContain('k'.repeat(Math.max(length, 4)))
  })

  it('masks a token shorter than 16 characters whole, and shows the last four of a longer one', async () => {
    const short = await register({ token: 'abc' })
    expect(short.body.token).toBe('********')
    const read = await t.request('GET', `/v3/webhooks/${short.body.id}`, { token: t.cspToken })
    expect(read.body.token).toBe('********')
    expect((await register({ token: `${'z'.repeat(12)}WXYZ` })).body.token).toBe('********WXYZ')
  })

  it('takes a new token of 1 to 256 characters by PATCH; 257 or "" refused, changing nothing', async () => {
    const created = await register({})
    expect(created.status, created.text).toBe(201)
    const secret = () => storedSecret(created.body.id)
    const before = await secret()
    for (const token of ['b'.repeat(257), '']) {
      const refused = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
        token: t.cspToken,
        body: { token },
      })
      expect(refused.status, refused.text).toBe(400)
      expect(refused.body.message).toContain('token')
      expect(await secret()).toBe(before)
    }
    for (const token of ['b', 'c'.repeat(256)]) {
      const accepted = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
        token: t.cspToken,
        body: { token },
      })
      expect(accepted.status, accepted.text).toBe(200)
      expect(await secret()).toBe(token)
    }
  })

  it('takes at most 20 events on create and 10 on update, as Cryptlex does', async () => {
    const events = (n: number) => Array.from({ length: n }, () => 'reseller.created')
    expect((await register({ events: events(20) })).status).toBe(201)
    expect((await register({ events: events(21) })).status).toBe(400)
    const created = await register({})
    const patch = (n: number) =>
      t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
        token: t.cspToken,
        body: { events: events(n) },
      })
    expect((await patch(10)).status).toBe(200)
    expect((await patch(11)).status).toBe(400)
  })

  it('generates a whsec_ secret for standard-webhooks and checks a given one', async () => {
    const created = await register({ signatureScheme: 'standard-webhooks' })
    expect(created.status, created.text).toBe(201)
    expect(created.body.signatureScheme).toBe('standard-webhooks')
    const token: string = created.body.token
    expect(token).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
    expect(Buffer.from(token.slice('whsec_'.length), 'base64')).toHaveLength(32)

    const bad = await register({ signatureScheme: 'standard-webhooks', token: 'not-a-whsec-secret' })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBeTypeOf('string')
    const tooShort = await register({
      signatureScheme: 'standard-webhooks',
      token: `whsec_${Buffer.alloc(8, 1).toString('base64')}`,
    })
    expect(tooShort.status).toBe(400)
    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
    const ok = await register({ signatureScheme: 'standard-webhooks', token: given })
    expect(ok.status, ok.text).toBe(201)
    expect(ok.body.token).toBe(masked(given))
  })

  it('generates a new secret, shown once, when the scheme changes without a token', async () => {
    const created = await register({})
    const changed = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
      token: t.cspToken,
      body: { signatureScheme: 'standard-webhooks' },
    })
    expect(changed.status, changed.text).toBe(200)
    expect(changed.headers.get('cache-control')).toBe('no-store')
    expect(changed.body.token).toMatch(/^whsec_/)
    const again = await t.request('GET', `/v3/webhooks/${created.body.id}`, { token: t.cspToken })
    expect(again.body.token).toBe(masked(changed.body.token))
    // A token the client sets is stored, and shown masked.
    const rotated = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
      token: t.cspToken,
      body: { signatureScheme: 'cryptlex', token: 'rotated-secret-abcdefgh' },
    })
    expect(rotated.status, rotated.text).toBe(200)
    expect(rotated.body.token).toBe('********efgh')
  })

  it('refuses bodies that break the rules, with {message, code}', async () => {
    const cases: Record<string, unknown>[] = [
      { events: ['reseller.exploded'] },
      { events: ['reseller.created', 'webhook.test'] },
      { url: 'not a url' },
      { url: '/relative/path' },
      { name: '' },
      { events: 'reseller.created' },
      { signatureScheme: 'hmac-md5' },
      { unexpected: true },
      { enabled: 'yes' },
    ]
    for (const body of cases) {
      const response = await register(body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.body).toEqual({ message: expect.any(String), code: expect.any(String) })
    }
    const unknownEvent = await register({ events: ['reseller.created', 'reseller.exploded'] })
    expect(unknownEvent.body.message).toContain('reseller.exploded')
    for (const missing of ['name', 'url', 'events']) {
      const body: Record<string, unknown> = { name: 'x', url: PUBLIC_URL, events: ['reseller.created'] }
      delete body[missing]
      const response = await t.request('POST', '/v3/webhooks', { token: t.cspToken, body })
      expect(response.status, missing).toBe(400)
    }
    const created = await register({})
    const badPatch = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
      token: t.cspToken,
      body: { events: ['nope'] },
    })
    expect(badPatch.status).toBe(400)
  })

  it('updates fields, pages the list with a total, and deletes', async () => {
    const a = await register({ name: 'Paged A' })
    const updated = await t.request('PATCH', `/v3/webhooks/${a.body.id}`, {
      token: t.cspToken,
      body: {
        url: OTHER_PUBLIC_URL,
        events: ['reseller.updated', 'role.updated'],
        enabled: false,
      },
    })
    expect(updated.status, updated.text).toBe(200)
    expect(updated.body).toMatchObject({
      url: OTHER_PUBLIC_URL,
      events: ['reseller.updated', 'role.updated'],
      enabled: false,
      status: 'healthy',
    })
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.body.updatedAt))

    const all = await t.request('GET', '/v3/webhooks?limit=100', { token: t.cspToken })
    const total = Number(all.headers.get('pagination-count'))
    expect(total).toBe(all.body.length)
    expect(total).toBeGreaterThanOrEqual(2)
    const page = await t.request('GET', '/v3/webhooks?limit=1&page=2', { token: t.cspToken })
    expect(page.body).toHaveLength(1)
    expect(page.body[0].id).toBe(all.body[1].id)
    expect(page.headers.get('pagination-count')).toBe(String(total))

    const removed = await t.request('DELETE', `/v3/webhooks/${a.body.id}`, { token: t.cspToken })
    expect(removed.status).toBe(204)
    expect((await t.request('GET', `/v3/webhooks/${a.body.id}`, { token: t.cspToken })).status).toBe(404)
    expect((await t.request('DELETE', `/v3/webhooks/${a.body.id}`, { token: t.cspToken })).status).toBe(404)
    expect(
      (await t.request('PATCH', `/v3/webhooks/${a.body.id}`, { token: t.cspToken, body: { name: 'x' } }))
        .status,
    ).toBe(404)
    const after = await t.request('GET', '/v3/webhooks?limit=100', { token: t.cspToken })
    expect(after.body.map((w: Json) => w.id)).not.toContain(a.body.id)
    expect((await t.request('GET', '/v3/webhooks/not-a-uuid', { token: t.cspToken })).status).toBe(404)
  })

  it('audits create, update and delete without ever writing the secret', async () => {
    const created = await register({ name: 'Audited' })
    const secret: string = created.body.token
    await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
      token: t.cspToken,
      body: { name: 'Audited 2', token: 'a-brand-new-secret-value' },
    })
    await t.request('DELETE', `/v3/webhooks/${created.body.id}`, { token: t.cspToken })
    const events = await auditOf(created.body.id)
    expect(events.map((e) => e.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.deleted'])
    const updated = events[1]
    expect(updated.changes).toEqual(
      expect.arrayContaining([
        { propertyName: 'name', oldValue: 'Audited', newValue: 'Audited 2' },
        { propertyName: 'secretRotated', oldValue: false, newValue: true },
      ]),
    )
    const text = JSON.stringify(events)
    expect(text).not.toContain(secret)
    expect(text).not.toContain('a-brand-new-secret-value')
    const rows = await t.db.query<{ changes: unknown }>(
      'SELECT changes FROM audit_events WHERE resource_id = $1',
      [created.body.id],
    )
    expect(rows.rows).toHaveLength(3)
    expect(JSON.stringify(rows.rows)).not.toContain(secret)
  })

  it('lists every audited action as a subscribable event, grouped by resource', async () => {
    const response = await t.request('GET', '/v3/webhooks/events', { token: t.cspToken })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({
      reseller: ['reseller.created', 'reseller.updated', 'reseller.deleted'],
      'reseller.user': [
        'reseller.user.created',
        'reseller.user.updated',
        'reseller.user.deleted',
        'reseller.user.password.changed',
      ],
      'reseller.organization': [
        'reseller.organization.created',
        'reseller.organization.updated',
        'reseller.organization.deleted',
      ],
      role: ['role.created', 'role.updated', 'role.deleted'],
      webhook: [
        'webhook.created',
        'webhook.updated',
        'webhook.deleted',
        'webhook.healthy',
        'webhook.unhealthy',
        'webhook.suspended',
      ],
      client: [
        'client.created',
        'client.updated',
        'client.deleted',
        'client.authentication.failed',
        'client.token.issued',
      ],
      tenant: ['tenant.created', 'tenant.updated', 'tenant.disabled', 'tenant.enabled'],
      user: [
        'user.login',
        'user.login.failed',
        'user.locked',
        'user.unlocked',
        'user.token.refreshed',
        'user.logout',
        'user.session.revoked',
        'user.invitation.sent',
        'user.invitation.accepted',
        'user.password.reset.requested',
        'user.password.reset',
        'user.identity.linked',
        'user.two-factor.enabled',
        'user.two-factor.disabled',
        'user.two-factor.reset',
      ],
    })
    expect((await t.request('GET', '/v3/webhooks/events')).status).toBe(401)
  })
})

describe('scopes', () => {
  it('needs webhook:read to read, webhook:write to change, webhookEventLog:read for the log', async () => {
    const existing = await register({})
    const reader = await t.tokenFor({ scopes: ['webhook:read'] })
    const writer = await t.tokenFor({ scopes: ['webhook:write'] })
    const none = await t.tokenFor({ scopes: ['reseller:read'] })
    const id = existing.body.id

    expect((await t.request('GET', '/v3/webhooks', { token: reader })).status).toBe(200)
    expect((await t.request('GET', `/v3/webhooks/${id}`, { token: reader })).status).toBe(200)
    expect((await register({}, reader)).status).toBe(403)
    expect(
      (await t.request('PATCH', `/v3/webhooks/${id}`, { token: reader, body: { name: 'x' } })).status,
    ).toBe(403)
    expect((await t.request('DELETE', `/v3/webhooks/${id}`, { token: reader })).status).toBe(403)
    expect((await t.request('POST', `/v3/webhooks/${id}/test`, { token: reader })).status).toBe(403)

    expect((await t.request('GET', '/v3/webhooks', { token: writer })).status).toBe(403)
    expect((await register({}, writer)).status).toBe(201)

    for (const token of [none, reader, writer]) {
      const log = await t.request('GET', '/v3/webhook-event-logs', { token })
      expect(log.status).toBe(403)
      expect(log.body).toEqual({ message: expect.any(String), code: expect.any(String) })
    }
    const logReader = await t.tokenFor({ scopes: ['webhookEventLog:read'] })
    expect((await t.request('GET', '/v3/webhook-event-logs', { token: logReader })).status).toBe(200)
    expect((await t.request('GET', '/v3/webhooks', { token: none })).status).toBe(403)
    expect((await t.request('GET', '/v3/webhooks')).status).toBe(401)
    expect((await t.request('GET', '/v3/webhooks', { token: 'not.a.jwt' })).status).toBe(401)
  })
})

describe('reach', () => {
  it('binds a reseller token’s endpoints to its reseller and hides every other endpoint from it', async () => {
    const r1 = await t.createReseller()
    const r2 = await t.createReseller()
    const scopes = ['webhook:read', 'webhook:write', 'webhookEventLog:read']
    const r1Token = await t.tokenFor({ role: 'reseller', resellerId: r1.id, scopes })

    const own = await register({ name: 'R1 own' }, r1Token)
    expect(own.status, own.text).toBe(201)
    expect(own.body.resellerId).toBe(r1.id)
    const explicit = await register({ resellerId: r1.id }, r1Token)
    expect(explicit.status).toBe(201)
    expect((await register({ resellerId: r2.id }, r1Token)).status).toBe(403)

    const r2Hook = await register({ resellerId: r2.id })
    expect(r2Hook.status, r2Hook.text).toBe(201)
    expect(r2Hook.body.resellerId).toBe(r2.id)
    const unbound = await register({})

    const listed = await t.request('GET', '/v3/webhooks?limit=100', { token: r1Token })
    expect(listed.status).toBe(200)
    expect(listed.body.map((w: Json) => w.id).sort()).toEqual([own.body.id, explicit.body.id].sort())
    expect(listed.headers.get('pagination-count')).toBe('2')

    for (const other of [r2Hook.body.id, unbound.body.id]) {
      expect((await t.request('GET', `/v3/webhooks/${other}`, { token: r1Token })).status).toBe(404)
      expect(
        (await t.request('PATCH', `/v3/webhooks/${other}`, { token: r1Token, body: { name: 'taken' } }))
          .status,
      ).toBe(404)
      expect((await t.request('DELETE', `/v3/webhooks/${other}`, { token: r1Token })).status).toBe(404)
      expect((await t.request('POST', `/v3/webhooks/${other}/test`, { token: r1Token })).status).toBe(404)
    }
    const moved = await t.request('PATCH', `/v3/webhooks/${own.body.id}`, {
      token: r1Token,
      body: { resellerId: r2.id },
    })
    expect(moved.status).toBe(403)
    expect((await t.request('GET', `/v3/webhooks/${r2Hook.body.id}`, { token: t.cspToken })).body.name).toBe(
      r2Hook.body.name,
    )

    const cspList = await t.request('GET', '/v3/webhooks?limit=100', { token: t.cspToken })
    const cspIds = cspList.body.map((w: Json) => w.id)
    for (const id of [own.body.id, explicit.body.id, r2Hook.body.id, unbound.body.id])
      expect(cspIds).toContain(id)

    // A csp token may bind to a reseller of its tenant only.
    const missing = await register({ resellerId: '0190a000-0000-7000-8000-000000000000' })
    expect(missing.status).toBe(400)
    expect((await register({ resellerId: 'not-a-uuid' })).status).toBe(400)
    const unbind = await t.request('PATCH', `/v3/webhooks/${r2Hook.body.id}`, {
      token: t.cspToken,
      body: { resellerId: null },
    })
    expect(unbind.status, unbind.text).toBe(200)
    expect(unbind.body.resellerId).toBeNull()
  })

  it('never shows one tenant’s endpoints to another', async () => {
    const mine = await register({})
    const other = await t.createTenant(`${unique('tenant')}.example.net`)
    expect((await t.request('GET', `/v3/webhooks/${mine.body.id}`, { token: other.token })).status).toBe(404)
    const list = await t.request('GET', '/v3/webhooks?limit=100', { token: other.token })
    expect(list.body).toEqual([])
    expect(list.headers.get('pagination-count')).toBe('0')
    const foreign = await t.createReseller()
    const bound = await register({ resellerId: foreign.id }, other.token)
    expect(bound.status).toBe(400)
  })
})

describe('SSRF refusals at registration', () => {
  const internal = [
    'http://127.0.0.1/hook',
    'http://127.1.2.3:8080/hook',
    'http://[::1]/hook',
    'http://10.0.0.1/hook',
    'http://172.16.0.1/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/hook',
    'http://[fd00:ec2::254]/hook',
    'http://[fe80::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:169.254.169.254]/hook',
    'http://localhost/hook',
    'http://localhost:3000/hook',
    'http://0.0.0.0/hook',
    'http://[::]/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://100.64.0.1/hook',
    // IPv6 spellings that carry an internal IPv4 address: compatible, SIIT, 6to4, NAT64, Teredo
    'http://[::127.0.0.1]/hook',
    'http://[::ffff:0:127.0.0.1]/hook',
    'http://[2002:7f00:1::]/hook',
    'http://[2002:a9fe:a9fe::]/hook',
    'http://[64:ff9b::10.0.0.1]/hook',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook',
  ]

  it.each(internal)('refuses %s', async (url) => {
    const before = await t.count('webhook_endpoints')
    const response = await register({ url })
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toMatch(/internal address/)
    expect(await t.count('webhook_endpoints')).toBe(before)
  })

  it.each([
    ['ftp://files.example.com/hook', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://user:secret@93.184.215.14/hook', /credentials/],
    ['https://user@93.184.215.14/hook', /credentials/],
  ])('refuses %s', async (url, message) => {
    const response = await register({ url })
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toMatch(message)
  })

  it('refuses an internal URL on update too, leaving the endpoint as it was', async () => {
    const created = await register({})
    for (const url of ['http://10.0.0.1/hook', 'http://[::1]:8080/x', 'ftp://93.184.215.14/x']) {
      const response = await t.request('PATCH', `/v3/webhooks/${created.body.id}`, {
        token: t.cspToken,
        body: { url },
      })
      expect(response.status, url).toBe(400)
    }
    const got = await t.request('GET', `/v3/webhooks/${created.body.id}`, { token: t.cspToken })
    expect(got.body.url).toBe(PUBLIC_URL)
  })
})

describe('SSRF refusal at connection', () => {
  let receiver: Receiver
  beforeAll(async () => {
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await receiver?.close()
  })

  it('fails a delivery to a loopback address without any request reaching it', async () => {
    const tenant = await t.createTenant(`${unique('ssrf')}.example.org`)
    const port = new URL(receiver.url).port
    // Registration refuses these, so they go in with SQL, as a DNS rebinding or an old row would have them.
    const urls = [receiver.url, `http://localhost:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]
    const ids: string[] = []
    for (const url of urls) {
      const id = crypto.randomUUID()
      ids.push(id)
      await t.db.query(
        `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
           created_at, updated_at)
         VALUES ($1, $2, 'sneaky', $3, $5, 'cryptlex', true, $4, now(), now())`,
        [
          id,
          tenant.tenantId,
          url,
          ['reseller.created'],
          encryptSecret(t.deps.keyring, 'secret-secret-secret', endpointSecretAad(id)),
        ],
      )
    }
    // Nothing but these loopback endpoints may be delivered to from this file.
    await t.db.query('UPDATE webhook_endpoints SET enabled = false WHERE NOT (id = ANY($1::uuid[]))', [ids])

    const reseller = await t.createReseller({}, tenant.token)
    expect(reseller.id).toBeTruthy()
    const dispatcher = createDispatcher(t.db, t.deps.config, pino({ level: 'silent' }), t.deps.keyring)
    try {
      await dispatcher.drain()
    } finally {
      await dispatcher.stop()
    }
    const log = await t.request('GET', '/v3/webhook-event-logs?limit=100', { token: tenant.token })
    expect(log.status).toBe(200)
    expect(log.body).toHaveLength(urls.length)
    for (const delivery of log.body) {
      expect(delivery).toMatchObject({
        event: 'reseller.created',
        status: 'failed',
        attempts: 1,
        responseStatusCode: null,
        responseBody: '',
      })
      expect(delivery.errorMessage).toMatch(/not allowed/)
    }
    expect(receiver.received).toHaveLength(0)
  })
})
