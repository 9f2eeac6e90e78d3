import fs from 'node:fs'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildOpenapiDocument } from '../../scripts/openapi-document.ts'
import { loggerOptions } from '../../src/logging.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const logLines: string[] = []
const logStream = new Writable({
  write(chunk, _encoding, callback) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean))
    callback()
  },
})

const METRICS_TOKEN = 'metrics-token-0123456789'
let t: TestApp
beforeAll(async () => {
  const options = loggerOptions('info') as Record<string, unknown>
  t = await startTestApp({ METRICS_TOKEN }, { logger: { ...options, stream: logStream } })
})
afterAll(async () => {
  await t?.close()
})

describe('health', () => {
  it('answers live', async () => {
    const response = await t.request('GET', '/health/live')
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ status: 'ok' })
  })

  it('answers ready when the database is reachable and migrated', async () => {
    const response = await t.request('GET', '/health/ready')
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ status: 'ok' })
  })

  it('is not ready while a migration is pending', async () => {
    await t.db.query("DELETE FROM schema_migrations WHERE name = '0001_init.sql'")
    try {
      const response = await t.request('GET', '/health/ready')
      expect(response.status).toBe(503)
      expect((response.body as { details: string }).details).toContain('0001_init.sql')
    } finally {
      await t.db.query("INSERT INTO schema_migrations (name) VALUES ('0001_init.sql')")
    }
  })
})

describe('metrics', () => {
  it('counts requests by route pattern and status, never by raw URL', async () => {
    const reseller = await t.createReseller()
    await t.request('GET', `/v3/resellers/${reseller.id}`, { token: t.cspToken })
    await t.request('GET', '/v3/resellers/not-a-reseller', { token: t.cspToken })
    const response = await t.request('GET', '/metrics', { token: METRICS_TOKEN })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    expect(response.text).toMatch(
      /http_requests_total\{method="GET",route="\/v3\/resellers\/:id",status="200"\} 1/,
    )
    expect(response.text).toMatch(
      /http_requests_total\{method="GET",route="\/v3\/resellers\/:id",status="404"\} 1/,
    )
    expect(response.text).toContain('http_request_duration_seconds_bucket')
    expect(response.text).not.toContain(reseller.id)
  })
})

describe('OpenAPI', () => {
  it('publishes an OpenAPI 3.1 document with every route', async () => {
    const response = await t.request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
    )
    expect(response.status).toBe(200)
    expect(response.body.openapi).toBe('3.1.0')
    const operations = Object.entries(response.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    )
    for (const operation of [
      'POST /oauth/token',
      'GET /.well-known/jwks.json',
      'POST /v3/resellers/{resellerId}/users',
      'GET /v3/resellers/{resellerId}/users/{id}',
      'POST /v1/reseller/{resellerId}/users',
      'GET /v1/users/groups',
      'GET /v3/event-logs',
      'POST /v3/clients',
    ])
      expect(operations).toContain(operation)
  })

  it('documents the scope each v3 operation requires and a response for every error status', async () => {
    const response = await t.request<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
      'GET',
      '/openapi.json',
    )
    const create = response.body.paths['/v3/resellers/{resellerId}/users']?.post as Record<string, unknown>
    expect(create['x-required-scope']).toBe('reseller:user:create')
    expect(Object.keys(create.responses as object)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '409', '422', '500']),
    )
  })

  it('matches the committed openapi.json (run npm run openapi after changing a route)', async () => {
    const committed = JSON.parse(fs.readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'))
    expect(await buildOpenapiDocument()).toEqual(committed)
  })

  it('serves the interactive reference at /docs', async () => {
    const response = await fetch(`${t.url}/docs`, { redirect: 'follow' })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('swagger')
  })
})

describe('logs', () => {
  it('writes JSON lines that carry the correlation id and never a secret', async () => {
    const correlationId = '0193b0c4-0000-7000-8000-000000000abc'
    const reseller = await t.createReseller()
    const response = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      headers: { 'x-correlation-id': correlationId },
      body: {
        firstName: 'Log',
        email: 'log@example.com',
        role: 'user',
        allowCustomerPortalAccess: false,
        password: 'SuperSecretPassword1',
      },
    })
    expect(response.status).toBe(201)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>)
    const ofRequest = lines.filter((line) => line.correlationId === correlationId)
    expect(ofRequest.length).toBeGreaterThanOrEqual(2)
    const all = logLines.join('\n')
    expect(all).not.toContain('SuperSecretPassword1')
    expect(all).not.toContain(t.cspToken)
  })
})
