// Verified tokens are remembered (TOKEN_CACHE_MAX of them): a client's repeated requests check the ES256
// signature once. What makes a token unusable still refuses it when remembered: its expiry, its client's
// revocation, its signing key dropped; a token altered in any byte is never taken for a remembered one.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Json, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp({ TOKEN_CACHE_MAX: '3' })
})
afterAll(async () => {
  await t?.close()
})
afterEach(() => {
  vi.useRealTimers()
})

const clientIdOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).sub

/** Signatures checked, as /metrics would show them. */
async function verifications(): Promise<number> {
  const metric = (await t.app.metrics
    .getSingleMetric('reseller_api_token_verifications_total')
    ?.get()) as Json
  return metric.values[0]?.value ?? 0
}

const roles = (token: string) => t.request('GET', '/v3/roles', { token })

describe('the verified-token cache', () => {
  it('verifies a token once however many requests carry it', async () => {
    const token = await t.tokenFor({})
    const before = await verifications()
    for (let i = 0; i < 5; i++) expect((await roles(token)).status).toBe(200)
    expect((await verifications()) - before).toBe(1)
  })

  it('refuses a remembered token once its client is deleted', async () => {
    const token = await t.tokenFor({})
    expect((await roles(token)).status).toBe(200)
    const deleted = await t.request('DELETE', `/v3/clients/${clientIdOf(token)}`, { token: t.cspToken })
    expect(deleted.status, deleted.text).toBe(204)
    const before = await verifications()
    const refused = await roles(token)
    expect(refused.status).toBe(401)
    expect(refused.body.message).toMatch(/revoked/)
    // Refused by the revocation check, not because the cache forgot it.
    expect((await verifications()) - before).toBe(0)
  })

  it('refuses a remembered token once it has expired', async () => {
    const token = await t.tokenFor({})
    expect((await roles(token)).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + (t.deps.config.tokenTtlSeconds + 1) * 1000)
    const refused = await roles(token)
    expect(refused.status).toBe(401)
    expect(refused.body.message).toMatch(/expired/)
  })

  it('never answers a tampered token from the cache: each is verified, and refused', async () => {
    const token = await t.tokenFor({})
    expect((await roles(token)).status).toBe(200)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, role: 'csp', scope: 'x' })).toString('base64url'),
      signature,
    ]
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`
    for (const tampered of [forged.join('.'), `${header}.${payload}.${flipped}`]) {
      const before = await verifications()
      expect((await roles(tampered)).status).toBe(401)
      expect((await verifications()) - before).toBe(1)
    }
    // The genuine token is still remembered, and still good.
    const before = await verifications()
    expect((await roles(token)).status).toBe(200)
    expect((await verifications()) - before).toBe(0)
  })

  it('holds at most TOKEN_CACHE_MAX tokens, the least recently used leaving first', async () => {
    const tokens = await Promise.all(Array.from({ length: 4 }, () => t.tokenFor({})))
    for (const token of tokens) expect((await roles(token)).status).toBe(200)
    expect(t.deps.tokens.cachedCount()).toBe(3)
    // tokens[1..3] are remembered; tokens[0] was pushed out and is verified again.
    let before = await verifications()
    expect((await roles(tokens[3] as string)).status).toBe(200)
    expect((await verifications()) - before).toBe(0)
    before = await verifications()
    expect((await roles(tokens[0] as string)).status).toBe(200)
    expect((await verifications()) - before).toBe(1)
    expect(t.deps.tokens.cachedCount()).toBe(3)
  })
})
