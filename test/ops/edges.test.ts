// The edges answer in the language of the API they sit in: bad URLs, unknown routes, wrong content types,
// bodies over the limit (and one of exactly the limit accepted), malformed JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const v3Shape = { message: expect.any(String), code: expect.any(String) }
const v1Shape = (statusCode: number) => ({
  statusCode,
  type: expect.any(String),
  description: expect.any(String),
  correlationId: expect.any(String),
  errors: expect.any(Array),
})
const LIMIT = 1_048_576

describe('error shapes at the edges', () => {
  it.each([
    ['/v3/resellers/%E0%A4%A', v3Shape],
    ['/v1/users/%E0%A4%A', v1Shape(400)],
    ['/platform/tenants/%E0%A4%A', v3Shape],
    ['/%E0%A4%A', v3Shape],
  ])('a malformed URL (%s) is a 400 in its API’s shape', async (path, shape) => {
    const response = await t.request('GET', path, { token: t.cspToken })
    expect(response.status).toBe(400)
    expect(response.body).toEqual(shape)
  })

  it('an unknown route is a 404 in the shape of its API, and outside any', async () => {
    const v3 = await t.request('GET', '/v3/nowhere', { token: t.cspToken })
    expect(v3.status).toBe(404)
    expect(v3.body).toEqual(v3Shape)
    const v1 = await t.v1('GET', '/v1/nowhere', { token: t.cspToken })
    expect(v1.status).toBe(404)
    expect(v1.body).toEqual(v1Shape(404))
    const outside = await t.request('GET', '/nowhere')
    expect(outside.status).toBe(404)
    expect(outside.body).toEqual({ message: 'Route GET /nowhere not found.', code: 'NOT_FOUND' })
  })

  it('an unsupported content type is a 415 in each API’s shape', async () => {
    const v3 = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      headers: { 'content-type': 'text/xml' },
      body: '<reseller/>',
    })
    expect(v3.status).toBe(415)
    expect(v3.body).toEqual(v3Shape)
    const v1 = await t.v1('POST', '/v1/reseller/0193b0c4-0000-7000-8000-00000000dead/users', {
      token: t.cspToken,
      headers: { 'content-type': 'text/xml' },
      body: '<user/>',
    })
    expect(v1.status).toBe(415)
    expect(v1.body).toEqual(v1Shape(415))
  })

  it('malformed JSON is a 400 in each API’s shape', async () => {
    const v3 = await t.request('POST', '/v3/resellers', { token: t.cspToken, body: '{"name":' })
    expect(v3.status).toBe(400)
    expect(v3.body).toEqual(v3Shape)
  })

  it('a body over the limit is a 413, one of exactly the limit is read', async () => {
    const over = `{"name":"${'a'.repeat(LIMIT)}"}`
    const v3 = await t.request('POST', '/v3/resellers', { token: t.cspToken, body: over })
    expect(v3.status).toBe(413)
    expect(v3.body).toEqual(v3Shape)
    const padding = LIMIT - '{"name":"","email":"a@example.com"}'.length
    const exact = `{"name":"${'a'.repeat(padding)}","email":"a@example.com"}`
    expect(Buffer.byteLength(exact)).toBe(LIMIT)
    const read = await t.request('POST', '/v3/resellers', { token: t.cspToken, body: exact })
    expect(read.status).toBe(400) // read and validated: the name is too long, not the body
    expect(read.body.code).toBe('VALIDATION_ERROR')
  })

  it('a 10 MB body to the token endpoint is a 413 in RFC 6749’s shape', async () => {
    const response = await t.request('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${'a'.repeat(10 * 1024 * 1024)}`,
    })
    expect(response.status).toBe(413)
    expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) })
  })
})
