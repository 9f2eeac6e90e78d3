// Security headers on every response, HSTS only over https, and bodies that repeat a key refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duplicateKey } from '../../src/http/json-body.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let https: TestApp
beforeAll(async () => {
  t = await startTestApp()
  https = await startTestApp({ PUBLIC_URL: 'https://api.example.com' })
})
afterAll(async () => {
  await t?.close()
  await https?.close()
})

describe('security headers', () => {
  it.each(['/health/live', '/v3/resellers', '/v1/users', '/oauth/token', '/v3/nowhere'])(
    'are on %s',
    async (path) => {
      const response = await t.request('GET', path, { token: t.cspToken })
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('strict-transport-security')).toBeNull()
    },
  )

  it('include HSTS when the public URL is https', async () => {
    const response = await https.request('GET', '/health/live')
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/)
    expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests')
  })

  it('leave the interactive reference working', async () => {
    const page = await t.request('GET', '/docs/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBeTruthy()
    const script = page.text.match(/src="\.?\/?([^"]*swagger-ui-bundle\.js)"/)?.[1]
    expect(script).toBeTruthy()
    expect((await t.request('GET', `/docs/${script?.replace(/^docs\//, '')}`)).status).toBe(200)
  })
})

describe('duplicate JSON keys', () => {
  it('are refused in v3, in its error shape, and change nothing', async () => {
    const before = await t.count('resellers')
    const response = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      headers: { 'content-type': 'application/json' },
      body: '{"name":"A","email":"a@example.com","name":"B"}',
    })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ message: expect.stringContaining('name'), code: expect.any(String) })
    expect(await t.count('resellers')).toBe(before)
  })

  it('are found however the key is spelled, and only within one object', () => {
    expect(duplicateKey('{"email":"a","email":"b"}')).toBe('email')
    expect(duplicateKey('{"email":"a","\\u0065mail":"b"}')).toBe('email')
    expect(duplicateKey('{"a":{"x":1},"b":{"x":2}}')).toBeNull()
    expect(duplicateKey('[{"x":1},{"x":2}]')).toBeNull()
    expect(duplicateKey('{"a":1,"b":{"a":2,"b":3}}')).toBeNull()
  })

  it('leave a body with distinct keys alone', async () => {
    const response = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      body: { name: unique('Dup '), email: 'ok@example.com' },
    })
    expect(response.status).toBe(201)
  })
})
