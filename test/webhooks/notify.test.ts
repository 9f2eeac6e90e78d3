// When a change wakes the dispatcher: its NOTIFY goes out only if an endpoint would take the event (enabled,
// not deleted, subscribed to it, of the tenant and of no other reseller); the other events still leave the
// outbox, on the dispatcher's poll. Real app, real dispatcher, a real LISTEN on the outbox channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OUTBOX_CHANNEL } from '../../src/domain/webhooks/events.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'
import { type Receiver, startReceiver } from './receiver.ts'

const POLL_MS = 400

let t: TestApp
let receiver: Receiver
let heard: string[] = []
let unlisten: () => Promise<void>

beforeAll(async () => {
  t = await startTestApp(
    { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_MS: String(POLL_MS) },
    { dispatcher: true },
  )
  receiver = await startReceiver()
  unlisten = await t.db.listen(OUTBOX_CHANNEL, (payload) => heard.push(payload))
})
afterAll(async () => {
  await unlisten?.()
  await receiver?.close()
  await t?.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function createReseller(token: string): Promise<string> {
  const response = await t.request('POST', '/v3/resellers', {
    token,
    body: { name: unique('Reseller '), email: `${unique('r')}@example.com` },
  })
  expect(response.status, response.text).toBe(201)
  return response.body.id
}

async function hook(token: string, body: Record<string, unknown>): Promise<string> {
  const response = await t.request('POST', '/v3/webhooks', {
    token,
    body: { name: unique('Hook '), url: receiver.url, ...body },
  })
  expect(response.status, response.text).toBe(201)
  return response.body.id
}

/** The NOTIFYs heard while `act` runs, after giving the last one time to arrive. */
async function heardDuring(act: () => Promise<unknown>): Promise<string[]> {
  heard = []
  await act()
  await sleep(150)
  return heard
}

describe('NOTIFY only for events an endpoint takes', () => {
  it('a tenant without endpoints: no NOTIFY, and the event still leaves the outbox on the poll', async () => {
    const { tenantId, token } = await t.createTenant(`${unique('quiet')}.example.com`)
    expect(await heardDuring(() => createReseller(token))).toEqual([])
    const pending = () => t.count('outbox_events', 'tenant_id = $1 AND processed_at IS NULL', [tenantId])
    const deadline = Date.now() + 5 * POLL_MS
    while ((await pending()) > 0 && Date.now() < deadline) await sleep(50)
    expect(await pending()).toBe(0)
  })

  it('an endpoint subscribed to the event: NOTIFY, and the delivery arrives', async () => {
    const { token } = await t.createTenant(`${unique('loud')}.example.com`)
    await hook(token, { events: ['reseller.created'] })
    const before = receiver.received.length
    expect(await heardDuring(() => createReseller(token))).toEqual(['reseller.created'])
    await receiver.waitFor(before + 1)
  })

  it('endpoints that would not take it: another event, disabled, deleted, another reseller’s, another tenant’s', async () => {
    const { token } = await t.createTenant(`${unique('picky')}.example.com`)
    const other = await t.createTenant(`${unique('other')}.example.com`)
    await hook(other.token, { events: ['reseller.created', 'reseller.updated'] })
    const resellerId = await createReseller(token)
    const elsewhere = await createReseller(token)
    await hook(token, { events: ['reseller.deleted'] })
    await hook(token, { events: ['reseller.updated'], enabled: false })
    await hook(token, { events: ['reseller.updated'], resellerId: elsewhere })
    const deleted = await hook(token, { events: ['reseller.updated'] })
    expect((await t.request('DELETE', `/v3/webhooks/${deleted}`, { token })).status).toBe(204)
    const rename = () =>
      t.request('PATCH', `/v3/resellers/${resellerId}`, { token, body: { name: unique('Renamed ') } })
    expect(await heardDuring(rename)).toEqual([])
    // The same change once an endpoint of the reseller takes it.
    await hook(token, { events: ['reseller.updated'], resellerId })
    expect(await heardDuring(rename)).toEqual(['reseller.updated'])
  })
})

describe('a delivery made due by hand goes out at once, not on the next poll', () => {
  // A dispatcher that polls once a minute: only the NOTIFY of a resend or a test event can start the send.
  let slow: TestApp
  beforeAll(async () => {
    slow = await startTestApp(
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_MS: '60000' },
      { dispatcher: true },
    )
  })
  afterAll(async () => {
    await slow?.close()
  })

  it('a resend and a test event arrive within seconds', async () => {
    const { token } = await slow.createTenant(`${unique('manual')}.example.com`)
    const created = await slow.request('POST', '/v3/webhooks', {
      token,
      body: { name: unique('Hook '), url: receiver.url, events: ['reseller.created'] },
    })
    expect(created.status, created.text).toBe(201)
    const before = receiver.received.length
    const reseller = await slow.request('POST', '/v3/resellers', {
      token,
      body: { name: unique('Reseller '), email: `${unique('r')}@example.com` },
    })
    expect(reseller.status, reseller.text).toBe(201)
    await receiver.waitFor(before + 1, 5000)
    // Past the endpoint worker's linger: nothing but a NOTIFY can wake the dispatcher now.
    await sleep(600)
    const logs = await slow.request('GET', `/v3/webhook-event-logs?webhookId=${created.body.id}`, { token })
    expect(logs.status, logs.text).toBe(200)
    const resent = await slow.request('POST', `/v3/webhook-event-logs/${logs.body[0].id}/resend`, { token })
    expect(resent.status, resent.text).toBeLessThan(300)
    await receiver.waitFor(before + 2, 5000)
    await sleep(600)
    const tested = await slow.request('POST', `/v3/webhooks/${created.body.id}/test`, { token })
    expect(tested.status, tested.text).toBeLessThan(300)
    await receiver.waitFor(before + 3, 5000)
  })
})
