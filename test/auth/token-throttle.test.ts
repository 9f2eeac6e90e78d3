// Token endpoint throttling, end to end: wrong secrets from one address lock that client id out from that
// address (the right secret too) with 429 and Retry-After; every failure is audited without the secret; the
// same client from another address still gets its token.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../../src/domain/actor.ts'
import { createClient } from '../../src/domain/clients.ts'
import { newId } from '../../src/domain/ids.ts'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
const OTHER_ADDRESS = '127.0.0.2'
const METRICS_TOKEN = 'metrics-token-for-the-throttle-test'

beforeAll(async () => {
  t = await startTestApp({
    TOKEN_THROTTLE_MAX_FAILURES: '10',
    TOKEN_THROTTLE_WINDOW_S: '300',
    METRICS_TOKEN: METRICS_TOKEN,
  })
})
afterAll(async () => {
  await t?.close()
})

async function newClient(): Promise<{ clientId: string; clientSecret: string; id: string }> {
  const { client, clientSecret } = await t.db.transaction((tx) =>
    createClient(
      tx,
      systemActor(t.tenantId, newId()),
      { name: unique('client'), role: 'csp', resellerId: null, scopes: ['reseller:read'] },
      t.deps.pepper,
    ),
  )
  return { clientId: client.clientId, clientSecret, id: client.id }
}

/** A token request over HTTP, from a given loopback source address (127.0.0.1 by default). */
function token(clientId: string, clientSecret: string, from = '127.0.0.1') {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  })
  const url = new URL(`${t.url}/oauth/token`)
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Json }>((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (response) => {
        let text = ''
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }),
        )
      },
    )
    request.on('error', reject)
    request.end(body.toString())
  })
}

describe('throttling failed client authentications', () => {
  it('answers 401 for the first 10 wrong secrets, then 429 with Retry-After for the rest of 120, audited, never the secret', async () => {
    const victim = await newClient()
    const statuses: number[] = []
    let retryAfter: string | string[] | undefined
    for (let i = 0; i < 120; i++) {
      const response = await token(victim.clientId, `wrong-secret-${i}-xxxxxxxxxxxx`)
      statuses.push(response.status)
      if (response.status === 429) {
        retryAfter = response.headers['retry-after']
        expect(response.body.error).toBe('too_many_requests')
      } else expect(response.body.error).toBe('invalid_client')
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401))
    expect(statuses.slice(10)).toEqual(Array(110).fill(429))
    expect(Number(retryAfter)).toBeGreaterThan(200)
    expect(Number(retryAfter)).toBeLessThanOrEqual(300)

    // The right secret from the same address is refused too, until the window has passed.
    const right = await token(victim.clientId, victim.clientSecret)
    expect(right.status).toBe(429)
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0)

    // Each failure that was checked is an audit event in the client's tenant, in both dialects; no secret.
    const v3 = await t.request(
      'GET',
      `/v3/event-logs?action=client.authentication.failed&resourceId=${victim.id}&limit=100`,
      { token: t.cspToken },
    )
    expect(v3.status, v3.text).toBe(200)
    expect(v3.body).toHaveLength(10)
    expect(v3.body[0]).toMatchObject({ action: 'client.authentication.failed', ipAddress: '127.0.0.1' })
    expect(v3.text).not.toContain('wrong-secret')
    const v1 = await t.v1('GET', '/v1/AuditLogs?Status=Failed&PageSize=100', { token: t.cspToken })
    expect(v1.status, v1.text).toBe(200)
    const v1Failures = v1.body.items.filter((event: Json) => event.resourceId === victim.id)
    expect(v1Failures).toHaveLength(10)
    for (const event of v1.body.items)
      expect(event).toMatchObject({ operation: 'client.authentication.failed', status: 'Failed' })
    expect(v1.text).not.toContain('wrong-secret')
  })

  it('still issues the client its token from another address', async () => {
    const victim = await newClient()
    for (let i = 0; i < 12; i++) await token(victim.clientId, 'wrong-secret-yyyyyyyyyyyy')
    expect((await token(victim.clientId, victim.clientSecret)).status).toBe(429)
    const elsewhere = await token(victim.clientId, victim.clientSecret, OTHER_ADDRESS)
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200)
    expect(elsewhere.body.access_token).toEqual(expect.any(String))
  })

  it('counts failures per address across client ids: spraying many ids is throttled too', async () => {
    const from = '127.0.0.3'
    const statuses: number[] = []
    for (let i = 0; i < 15; i++)
      statuses.push((await token(`rc_sprayed_${i}`, 'guess-guess-guess', from)).status)
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401))
    expect(statuses.slice(10)).toEqual(Array(5).fill(429))
  })

  it('lets the right secret through below the threshold, and a success does not reset an attacker', async () => {
    const client = await newClient()
    const from = '127.0.0.4'
    for (let i = 0; i < 9; i++)
      expect((await token(client.clientId, 'nope-nope-nope-nope', from)).status).toBe(401)
    expect((await token(client.clientId, client.clientSecret, from)).status).toBe(200)
    expect((await token(client.clientId, 'nope-nope-nope-nope', from)).status).toBe(401)
    expect((await token(client.clientId, client.clientSecret, from)).status).toBe(429)
  })

  it('does the same work for an unknown client id as for a wrong secret: one audit row each', async () => {
    const from = '127.0.0.5'
    const client = await newClient()
    const before = await t.count('audit_events', "action = 'client.authentication.failed'")
    expect((await token(client.clientId, 'not-the-secret-zzzz', from)).status).toBe(401)
    expect((await token('rc_no_such_client_here', 'not-the-secret-zzzz', from)).status).toBe(401)
    expect(await t.count('audit_events', "action = 'client.authentication.failed'")).toBe(before + 2)
    // The unknown one belongs to no tenant: no tenant's log shows it.
    expect(
      await t.count(
        'audit_events',
        "action = 'client.authentication.failed' AND tenant_id IS NULL AND actor_id = 'rc_no_such_client_here'",
      ),
    ).toBe(1)
  })

  it('counts throttled requests and failures in /metrics', async () => {
    const metrics = await t.request('GET', '/metrics', { token: METRICS_TOKEN })
    expect(metrics.status).toBe(200)
    expect(metrics.text).toMatch(/reseller_api_token_throttled_total \d+/)
    expect(metrics.text).toMatch(
      /reseller_api_token_authentication_failures_total\{reason="invalid_secret"\} \d+/,
    )
  })
})
