// /metrics is served only when asked for: behind METRICS_TOKEN, on an internal listener (METRICS_PORT), or both.
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { loggerOptions } from '../../src/logging.ts'
import { isMetricsToken } from '../../src/ops/metrics-access.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const TOKEN = 'scrape-me-please-0123456789'

const scrape = (url: string, authorization?: string) =>
  fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} })

describe('with METRICS_TOKEN', () => {
  const logLines: string[] = []
  let t: TestApp
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(chunk.toString())
        callback()
      },
    })
    t = await startTestApp(
      { METRICS_TOKEN: TOKEN },
      { logger: { ...(loggerOptions('info') as Record<string, unknown>), stream } },
    )
  })
  afterAll(() => t?.close())

  it('refuses a scrape without a token: 401 with a Bearer challenge', async () => {
    const response = await scrape(t.url)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it.each([
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token under another scheme', `Basic ${TOKEN}`],
    ['the token with no scheme', TOKEN],
    ['an API token', 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.x'],
  ])('refuses %s: 401', async (_name, authorization) => {
    const response = await scrape(t.url, authorization)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
  })

  it('answers the right token with the request metrics', async () => {
    await t.request('GET', '/health/live')
    const response = await scrape(t.url, `Bearer ${TOKEN}`)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain('http_requests_total{method="GET",route="/health/live",status="200"}')
    expect(text).toContain('process_cpu_seconds_total')
  })

  it('never logs the token', async () => {
    await scrape(t.url, `Bearer ${TOKEN}`)
    await scrape(t.url, `Bearer ${TOKEN}x`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(logLines.length).toBeGreaterThan(0)
    expect(logLines.join('\n')).not.toContain(TOKEN)
  })
})

describe('with METRICS_PORT', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' })
  })
  afterAll(() => t?.close())

  it('has no /metrics on the API port', async () => {
    expect((await scrape(t.url)).status).toBe(404)
    expect((await scrape(t.url, `Bearer ${TOKEN}`)).status).toBe(404)
  })

  it('serves /metrics on the internal listener, and nothing else there', async () => {
    const listener = t.app.metricsListener()
    expect(listener).not.toBeNull()
    const { address, port } = listener?.address() ?? { address: '', port: 0 }
    expect(address).toBe('127.0.0.1')
    await t.request('GET', '/health/live')
    const response = await scrape(`http://127.0.0.1:${port}`)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain(
      'http_requests_total{method="GET",route="/health/live",status="200"}',
    )
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405)
  })

  it('closes the internal listener with the app', async () => {
    const other = await startTestApp({ METRICS_PORT: '0' })
    const port = other.app.metricsListener()?.address().port
    expect((await scrape(`http://127.0.0.1:${port}`)).status).toBe(200)
    await other.close()
    await expect(scrape(`http://127.0.0.1:${port}`)).rejects.toThrow()
  })
})

describe('with METRICS_PORT and METRICS_TOKEN', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN })
  })
  afterAll(() => t?.close())

  it('asks the internal listener for the token too, and keeps the API port without /metrics', async () => {
    const port = t.app.metricsListener()?.address().port
    const internal = `http://127.0.0.1:${port}`
    expect((await scrape(internal)).status).toBe(401)
    expect((await scrape(internal)).headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
    expect((await scrape(internal, `Bearer ${TOKEN}x`)).status).toBe(401)
    expect((await scrape(internal, `Bearer ${TOKEN}`)).status).toBe(200)
    expect((await scrape(t.url, `Bearer ${TOKEN}`)).status).toBe(404)
  })
})

describe('with neither', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t?.close())

  it('has no /metrics', async () => {
    expect((await scrape(t.url)).status).toBe(404)
    expect(t.app.metricsListener()).toBeNull()
  })

  it('still counts requests, and the app carries the counters other modules increment', async () => {
    t.app.counters.throttled.inc()
    t.app.counters.rateLimited.inc({ policy: 'client' })
    t.app.counters.idempotentReplays.inc()
    const text = await t.app.metrics.metrics()
    expect(text).toContain('reseller_api_token_throttled_total 1')
    expect(text).toContain('reseller_api_rate_limited_total{policy="client"} 1')
    expect(text).toContain('reseller_api_idempotent_replays_total 1')
  })

  it('counts no statements unless METRICS_QUERY_COUNTS is on (the count costs every request)', async () => {
    await t.request('GET', '/v3/resellers', { token: t.cspToken })
    const text = await t.app.metrics.metrics()
    expect(text).toContain('http_requests_total{method="GET",route="/v3/resellers",status="200"}')
    expect(text).not.toContain('reseller_api_db_queries_total')
    expect(loadConfig({ METRICS_QUERY_COUNTS: 'true' }).metrics.queryCounts).toBe(true)
    expect(() => loadConfig({ METRICS_QUERY_COUNTS: 'sometimes' })).toThrow(/METRICS_QUERY_COUNTS/)
  })
})

describe('the metrics configuration', () => {
  it('refuses a METRICS_TOKEN shorter than 16 characters', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'x'.repeat(15) })).toThrow(ConfigError)
    expect(() => loadConfig({ METRICS_TOKEN: 'x'.repeat(15) })).toThrow(/METRICS_TOKEN/)
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).metrics.token).toBe('x'.repeat(16))
  })

  it('refuses a METRICS_TOKEN a Bearer header cannot carry, and a bad METRICS_PORT', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'has a space in it!!' })).toThrow(/METRICS_TOKEN/)
    expect(() => loadConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT/)
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/)
  })

  it('is off by default; the internal listener binds to 127.0.0.1 unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({}).metrics).toEqual({ token: null, port: null, host: '127.0.0.1', queryCounts: false })
    expect(loadConfig({ HOST: '0.0.0.0', METRICS_PORT: '9100' }).metrics).toEqual({
      token: null,
      port: 9100,
      host: '127.0.0.1',
      queryCounts: false,
    })
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' }).metrics.host).toBe('0.0.0.0')
  })

  it('compares tokens whole', () => {
    expect(isMetricsToken(`Bearer ${TOKEN}`, TOKEN)).toBe(true)
    expect(isMetricsToken(`bearer ${TOKEN}`, TOKEN)).toBe(true)
    expect(isMetricsToken(`Bearer ${TOKEN} extra`, TOKEN)).toBe(false)
    expect(isMetricsToken('Bearer ', TOKEN)).toBe(false)
    expect(isMetricsToken(undefined, TOKEN)).toBe(false)
  })
})
