// The one event catalogue: every action the domain records is catalogued, subscribable, written to the outbox
// with its audit row, and delivered to a real receiver on 127.0.0.1, with no secret in its data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_CATALOGUE } from '../../src/domain/catalogue.ts'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'
import { type Receiver, startReceiver } from './receiver.ts'

let t: TestApp
let r: Receiver
beforeAll(async () => {
  t = await startTestApp(
    { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_MS: '50' },
    { dispatcher: true },
  )
  r = await startReceiver()
})
afterAll(async () => {
  await r?.close()
  await t?.close()
})

async function call(method: string, path: string, token: string, body?: unknown, status = 200) {
  const response = await t.request(method, path, { token, body })
  expect(response.status, `${method} ${path}: ${response.text}`).toBe(status)
  return response.body as Json
}

describe('the event catalogue', () => {
  it('lists every catalogued action under GET /v3/webhooks/events, each subscribable (20 per endpoint)', async () => {
    const { token } = await t.createTenant(`${unique('cat')}.example.com`)
    const groups = await call('GET', '/v3/webhooks/events', token)
    const names = Object.values(groups as Record<string, string[]>).flat()
    expect(names).toEqual(EVENT_CATALOGUE.map((e) => e.action))
    for (let i = 0; i < names.length; i += 20)
      await call(
        'POST',
        '/v3/webhooks',
        token,
        { name: 'All', url: r.url, events: names.slice(i, i + 20) },
        201,
      )
    const refused = await t.request('POST', '/v3/webhooks', {
      token,
      body: { name: 'Bad', url: r.url, events: ['role.exploded'] },
    })
    expect(refused.status).toBe(400)
  })

  it('writes an outbox event for every audited action and delivers each subscribed one, secrets never', async () => {
    const { tenantId, token } = await t.createTenant(`${unique('cat')}.example.com`)
    const names: string[] = EVENT_CATALOGUE.map((e) => e.action)
    const webhookEvents = names.filter((n) => n.startsWith('webhook.') || n.startsWith('client.'))
    const otherEvents = names.filter((n) => !webhookEvents.includes(n)).slice(0, 20)
    const counts = async (table: string, column: string) => {
      const { rows } = await t.db.query<{ name: string; n: string }>(
        `SELECT ${column} AS name, count(*) AS n FROM ${table} WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
        [tenantId],
      )
      return Object.fromEntries(rows.map((row) => [row.name, Number(row.n)]))
    }
    const before = await counts('audit_events', 'action')
    await call('POST', '/v3/webhooks', token, { name: 'A', url: r.url, events: webhookEvents }, 201)
    await call('POST', '/v3/webhooks', token, { name: 'B', url: r.url, events: otherEvents }, 201)

    // A broad scenario: every kind of change a tenant's client can make.
    const reseller = await call('POST', '/v3/resellers', token, { name: 'Cat', email: 'c@example.com' }, 201)
    const user = await call(
      'POST',
      `/v3/resellers/${reseller.id}/users`,
      token,
      {
        firstName: 'P',
        email: 'p@example.com',
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'password1',
      },
      201,
    )
    await call(
      'POST',
      `/v3/resellers/${reseller.id}/users/${user.id}/password`,
      token,
      { password: 'password2' },
      204,
    )
    const role = await call('POST', '/v3/roles', token, { name: 'temp', claims: ['reseller:read'] }, 201)
    const roleBefore = await call('GET', `/v3/roles/${role.id}`, token)
    await call('DELETE', `/v3/roles/${role.id}`, token, undefined, 204)
    const hookSecret = 'hook-secret-never-sent-0123456789'
    const hook = await call(
      'POST',
      '/v3/webhooks',
      token,
      { name: 'C', url: r.url, events: ['role.created'], token: hookSecret },
      201,
    )
    await call('PATCH', `/v3/webhooks/${hook.id}`, token, { name: 'C2' })
    await call('DELETE', `/v3/webhooks/${hook.id}`, token, undefined, 204)
    const client = await call(
      'POST',
      '/v3/clients',
      token,
      { name: 'k', role: 'csp', scopes: ['reseller:read'] },
      201,
    )
    const issue = (secret: string) =>
      t.request('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret },
      })
    expect((await issue(client.clientSecret)).status).toBe(200)
    const wrongSecret = 'wrong-secret-never-sent-9876543210'
    expect((await issue(wrongSecret)).status).toBe(401)
    await call('DELETE', `/v3/clients/${client.id}`, token, undefined, 204)

    // Every audited action is catalogued and has its outbox event, one for one.
    const audited = await counts('audit_events', 'action')
    for (const action of Object.keys(audited)) expect(names).toContain(action)
    expect(await counts('outbox_events', 'event')).toEqual(audited)
    for (const action of [
      'reseller.user.password.changed',
      'role.deleted',
      'webhook.created',
      'webhook.updated',
      'webhook.deleted',
      'client.created',
      'client.token.issued',
      'client.authentication.failed',
      'client.deleted',
    ])
      expect(audited[action], action).toBeGreaterThan(0)

    // Delivered: every subscribed event the scenario made, to the receiver.
    const subscribed = [...webhookEvents, ...otherEvents]
    const expected = Object.entries(audited)
      .filter(([action]) => subscribed.includes(action))
      .reduce((sum, [action, n]) => sum + n - (before[action] ?? 0), 0)
    const wanted = Object.keys(audited).filter(
      (action) => subscribed.includes(action) && audited[action] !== before[action],
    )
    const deliveredOf = () =>
      r.received
        .map((hit) => JSON.parse(hit.body) as Json)
        .filter((body) => body.triggeredAt && subscribed.includes(body.event))
    const deadline = Date.now() + 15_000
    while (!wanted.every((action) => deliveredOf().some((body) => body.event === action))) {
      if (Date.now() > deadline) throw new Error(`delivered: ${deliveredOf().map((b) => b.event)}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(expected).toBeGreaterThanOrEqual(wanted.length)
    const mine = deliveredOf()
    const deleted = mine.find((body) => body.event === 'role.deleted')
    expect(deleted.data).toEqual(roleBefore)
    const hookDeleted = mine.find((body) => body.event === 'webhook.deleted')
    expect(hookDeleted.data).toMatchObject({ id: hook.id, name: 'C2', token: '' })
    expect(mine.find((body) => body.event === 'client.deleted').data).toMatchObject({ id: client.id })
    const failed = mine.find((body) => body.event === 'client.authentication.failed')
    expect(failed.data).toEqual({ id: client.id, clientId: client.clientId, reason: 'invalid_secret' })
    const all = r.received.map((hit) => hit.body).join('\n')
    for (const secret of [hookSecret, client.clientSecret, wrongSecret, 'password2'])
      expect(all).not.toContain(secret)
  })
})
