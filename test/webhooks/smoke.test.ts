import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type Receiver, startReceiver } from './receiver.ts'

let t: TestApp
let receiver: Receiver
beforeAll(async () => {
  t = await startTestApp(
    { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE: '0.2,0.2', WEBHOOK_POLL_MS: '50' },
    { dispatcher: true },
  )
  receiver = await startReceiver()
})
afterAll(async () => {
  await t?.close()
  await receiver?.close()
})

it('delivers signed events in both schemes, retrying with the same Webhook-Id', async () => {
  const a = await t.request('POST', '/v3/webhooks', {
    token: t.cspToken,
    body: { name: 'A', url: receiver.url, events: ['reseller.user.created'] },
  })
  expect(a.status, a.text).toBe(201)
  const b = await t.request('POST', '/v3/webhooks', {
    token: t.cspToken,
    body: {
      name: 'B',
      url: receiver.url,
      events: ['reseller.user.created'],
      signatureScheme: 'standard-webhooks',
    },
  })
  expect(b.body.token).toMatch(/^whsec_/)
  const listed = await t.request('GET', `/v3/webhooks/${a.body.id}`, { token: t.cspToken })
  expect(listed.body.token).toBe(`********${a.body.token.slice(-4)}`)
  receiver.script.push(503)
  const reseller = await t.createReseller()
  const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
    token: t.cspToken,
    body: {
      firstName: 'W',
      email: 'w@example.com',
      role: 'user',
      allowCustomerPortalAccess: true,
      password: 'password1',
    },
  })
  const got = await receiver.waitFor(3)
  const byScheme = (prefix: boolean) =>
    got.filter((r) => String(r.headers['webhook-signature']).startsWith('v1,') === prefix)
  const cryptlex = byScheme(false)
  const standard = byScheme(true)
  expect(standard).toHaveLength(1)
  for (const r of cryptlex)
    expect(r.headers['webhook-signature']).toBe(
      createHmac('sha256', a.body.token).update(r.body).digest('base64'),
    )
  const verified = new Webhook(b.body.token).verify(standard[0]?.body as string, {
    'webhook-id': String(standard[0]?.headers['webhook-id']),
    'webhook-timestamp': String(standard[0]?.headers['webhook-timestamp']),
    'webhook-signature': String(standard[0]?.headers['webhook-signature']),
  }) as { event: string; data: { id: string } }
  expect(verified.event).toBe('reseller.user.created')
  expect(verified.data).toEqual(user.body)
  const logs = await t.request('GET', `/v3/webhook-event-logs?webhookId=${a.body.id}`, { token: t.cspToken })
  expect(logs.body[0]).toMatchObject({ status: 'succeeded', attempts: 2, responseStatusCode: 200 })
  if (cryptlex.length === 2)
    expect(cryptlex[0]?.headers['webhook-id']).toBe(cryptlex[1]?.headers['webhook-id'])
})
