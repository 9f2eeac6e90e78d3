// Nothing lost across a crash: the real service as a child process, its receiver down while events are made,
// killed with SIGKILL, restarted with the receiver up — every event arrives, with the Webhook-Id it had.
// On a fresh PostgreSQL database when TEST_DATABASE_URL is set, else on the embedded PGlite in a temp DATA_DIR.
import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { Webhook } from 'standardwebhooks'
import { afterAll, expect, it } from 'vitest'
import type { Json } from '../support/app.ts'
import { createTestDatabase, SERVER_URL, type TestDatabase } from '../support/database.ts'
import { freePort, killChildren, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'
import { type Received, type Receiver, startReceiver } from './receiver.ts'

const CLIENT_ID = 'crash-test-csp'
const CLIENT_SECRET = randomBytes(24).toString('hex')

let receiver: Receiver | null = null
let database: TestDatabase | null = null
let dataDir: string | null = null
const closers: (() => Promise<void>)[] = []

afterAll(async () => {
  killChildren()
  await receiver?.close()
  for (const close of closers) await close()
  await database?.drop()
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
})

/** A receiver on a given port whose answers the test writes; it records every request. */
async function listen(port: number, answer: (response: http.ServerResponse) => void) {
  const hits: Received[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      hits.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      answer(response)
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { hits }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Service extends Spawned {
  url: string
}

async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freePort()
  const service = spawnNode(['--import', 'tsx', 'src/main.ts'], {
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  })
  await waitForOutput(service, 'Reseller API is ready')
  return { ...service, url: `http://127.0.0.1:${port}` }
}

async function kill(service: Service): Promise<void> {
  service.child.kill('SIGKILL')
  await service.exited
}

async function api(service: Service, token: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${service.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Json, text }
}

async function tokenOf(service: Service): Promise<string> {
  const response = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }),
  })
  const body = (await response.json()) as { access_token: string }
  return body.access_token
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

it(`delivers every event after SIGKILL and a restart (${SERVER_URL ? 'PostgreSQL' : 'embedded PGlite'})`, async () => {
  const target: Record<string, string> = {}
  if (SERVER_URL) {
    database = await createTestDatabase()
    target.DATABASE_URL = database.url
    target.ENCRYPTION_KEY = randomBytes(32).toString('base64')
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-crash-'))
    target.DATA_DIR = dataDir
  }
  const receiverPort = await freePort() // nothing listens there until after the crash
  const hookUrl = `http://127.0.0.1:${receiverPort}/hook`
  const env = {
    ...target,
    BOOTSTRAP_TENANT_DOMAIN: 'crash.example.com',
    BOOTSTRAP_CLIENT_ID: CLIENT_ID,
    BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    // Retried every second for long enough to outlive the outage.
    WEBHOOK_RETRY_SCHEDULE: Array(60).fill('1').join(','),
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_POLL_MS: '100',
    // The outage's failed attempts must not suspend the endpoint (which would cancel its deliveries).
    WEBHOOK_SUSPEND_AFTER: '100000',
  }

  let service = await startService(env)
  let token = await tokenOf(service)
  const events = ['reseller.created', 'reseller.updated', 'reseller.organization.created']
  const cryptlex = await api(service, token, 'POST', '/v3/webhooks', {
    name: 'crash A',
    url: hookUrl,
    events,
  })
  expect(cryptlex.status, cryptlex.text).toBe(201)
  const standard = await api(service, token, 'POST', '/v3/webhooks', {
    name: 'crash B',
    url: hookUrl,
    events,
    signatureScheme: 'standard-webhooks',
  })
  expect(standard.status, standard.text).toBe(201)

  // Each change's v3 body, which the webhook's data must equal.
  const expected: { event: string; data: Json }[] = []
  for (let i = 0; i < 8; i++) {
    const created = await api(service, token, 'POST', '/v3/resellers', {
      name: `Crash ${i}`,
      email: `crash${i}@example.com`,
    })
    expect(created.status, created.text).toBe(201)
    expected.push({ event: 'reseller.created', data: created.body })
    const updated = await api(service, token, 'PATCH', `/v3/resellers/${created.body.id}`, {
      description: `before the crash ${i}`,
    })
    expect(updated.status, updated.text).toBe(200)
    expected.push({ event: 'reseller.updated', data: updated.body })
  }
  // Every delivery so far has been attempted against the closed port, and waits for its retry.
  const attempted = await until(
    'the first attempts against the closed port',
    async () => {
      const log = await api(service, token, 'GET', '/v3/webhook-event-logs?limit=100')
      return (
        log.body.length === expected.length * 2 &&
        log.body.every((d: Json) => d.status === 'retrying' && d.attempts >= 1) &&
        (log.body as Json[])
      )
    },
    20_000,
  )
  for (const delivery of attempted) expect(delivery.errorMessage).toMatch(/Connection failed/)
  // A few more, the last ones committed just before the kill: some not yet fanned out, or not yet attempted.
  const reseller = expected[0]?.data
  for (let i = 0; i < 4; i++) {
    const org = await api(service, token, 'POST', `/v3/resellers/${reseller.id}/organizations`, {
      name: `Late org ${i}`,
      email: `late${i}@example.com`,
    })
    expect(org.status, org.text).toBe(201)
    expected.push({ event: 'reseller.organization.created', data: org.body })
  }
  await kill(service)

  receiver = await startReceiver(receiverPort)
  service = await startService(env)
  token = await tokenOf(service)

  const signedBy = (hit: Received): 'cryptlex' | 'standard' | null => {
    const signature = String(hit.headers['webhook-signature'])
    if (signature === createHmac('sha256', cryptlex.body.token).update(hit.body).digest('base64'))
      return 'cryptlex'
    try {
      new Webhook(standard.body.token).verify(hit.body, {
        'webhook-id': String(hit.headers['webhook-id']),
        'webhook-timestamp': String(hit.headers['webhook-timestamp']),
        'webhook-signature': signature,
      })
      return 'standard'
    } catch {
      return null
    }
  }
  const wanted = expected.length * 2
  const received = receiver.received
  await until(
    'every delivery at the receiver',
    async () => new Set(received.map((h) => h.headers['webhook-id'])).size >= wanted,
    45_000,
  )
  await until(
    'every delivery to be logged as succeeded',
    async () => {
      const log = await api(service, token, 'GET', '/v3/webhook-event-logs?limit=100')
      return log.body.length === wanted && log.body.every((d: Json) => d.status === 'succeeded') && log
    },
    15_000,
  )

  // Every event arrived at each endpoint, correctly signed, with data equal to the API's body.
  for (const scheme of ['cryptlex', 'standard'] as const) {
    const bodies = received.filter((h) => signedBy(h) === scheme).map((h) => JSON.parse(h.body))
    const seen = [...new Map(bodies.map((b) => [String(b.event) + JSON.stringify(b.data), b])).values()]
    expect(seen.length, scheme).toBe(expected.length)
    for (const item of expected)
      expect(
        seen.some((b) => isDeepStrictEqual({ event: b.event, data: b.data }, item)),
        `${scheme} ${item.event} ${JSON.stringify(item.data)}`,
      ).toBe(true)
  }
  expect(received.every((h) => signedBy(h) !== null)).toBe(true)
  // The Webhook-Ids are the log's ids, the same before and after the crash.
  const log = await api(service, token, 'GET', '/v3/webhook-event-logs?limit=100')
  const receivedIds = new Set(received.map((h) => String(h.headers['webhook-id'])))
  expect(new Set(log.body.map((d: Json) => d.id))).toEqual(receivedIds)
  for (const delivery of attempted) expect(receivedIds.has(delivery.id)).toBe(true)
  // Each delivery's body is the same bytes at every attempt.
  for (const delivery of log.body as Json[]) {
    const hits = received.filter((h) => h.headers['webhook-id'] === delivery.id)
    for (const hit of hits) expect(hit.body).toBe(delivery.requestBody)
  }

  // A crash in the middle of an attempt: the receiver holds the request open, the service dies with it.
  await receiver.close()
  receiver = null
  let answer: 'never' | 'slowly' = 'never'
  const late = await listen(receiverPort, (response) => {
    if (answer === 'slowly') setTimeout(() => response.writeHead(200).end('ok'), 800)
  })
  const inFlight = await api(service, token, 'POST', '/v3/resellers', {
    name: 'In flight',
    email: 'f@example.com',
  })
  expect(inFlight.status, inFlight.text).toBe(201)
  await until('the attempts in flight', async () => late.hits.length >= 2, 15_000)
  const flightIds = new Set(late.hits.map((h) => String(h.headers['webhook-id'])))
  expect(flightIds.size).toBe(2)
  await kill(service)

  // Restarted, the orphaned attempts are made again with the same Webhook-Ids; a SIGTERM while they are in
  // flight lets them finish and records them before the process exits 0.
  answer = 'slowly'
  service = await startService(env)
  await until('the orphaned deliveries sent again', async () => late.hits.length >= 4, 15_000)
  expect(new Set(late.hits.map((h) => String(h.headers['webhook-id'])))).toEqual(flightIds)
  service.child.kill('SIGTERM')
  expect(await service.exited).toBe(0)
  expect(service.output()).not.toMatch(/"level":(50|60)/)

  service = await startService(env)
  token = await tokenOf(service)
  for (const id of flightIds) {
    const delivery = await api(service, token, 'GET', `/v3/webhook-event-logs/${id}`)
    expect(delivery.body).toMatchObject({ status: 'succeeded', attempts: 1, responseStatusCode: 200 })
    expect(JSON.parse(delivery.body.requestBody).data).toEqual(inFlight.body)
  }
  await sleep(1500)
  expect(late.hits).toHaveLength(4)

  // SIGTERM: a graceful stop, exit code 0.
  service.child.kill('SIGTERM')
  expect(await service.exited).toBe(0)
}, 150_000)
