// API clients' secrets are kept as salted HMACs under the server pepper: two clients with one secret have
// different hashes, a legacy unsalted SHA-256 hash still authenticates once and is upgraded, and the platform
// operator's secret is compared as digests.
import { createHash, createSecretKey, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashClientSecret, secretsEqual, verifyClientSecret } from '../../src/auth/client-secrets.ts'
import { bootstrap } from '../../src/bootstrap.ts'
import { systemActor } from '../../src/domain/actor.ts'
import { createClient } from '../../src/domain/clients.ts'
import { newId } from '../../src/domain/ids.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const legacyHash = (secret: string) => createHash('sha256').update(secret).digest('hex')

async function newClient(clientSecret = randomBytes(32).toString('base64url')) {
  const clientId = unique('hash-client-')
  await t.db.transaction((tx) =>
    createClient(
      tx,
      systemActor(t.tenantId, newId()),
      { name: clientId, role: 'csp', resellerId: null, scopes: ['reseller:read'] },
      t.deps.pepper,
      { clientId, clientSecret },
    ),
  )
  return { clientId, clientSecret }
}

const hashOf = async (clientId: string) =>
  (
    await t.db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_clients WHERE client_id = $1', [
      clientId,
    ])
  ).rows[0]?.secret_hash as string

const grant = (clientId: string, clientSecret: string) =>
  t.request('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  })

describe('client secret hashes', () => {
  it('salts each hash: two clients with the same secret store different hashes, and both authenticate', async () => {
    const secret = randomBytes(32).toString('base64url')
    const [a, b] = [await newClient(secret), await newClient(secret)]
    const [hashA, hashB] = [await hashOf(a.clientId), await hashOf(b.clientId)]
    expect(hashA).toMatch(/^hmac-sha256\$[\w-]{22}\$[0-9a-f]{64}$/)
    expect(hashA).not.toBe(hashB)
    expect(hashA).not.toContain(legacyHash(secret))
    expect((await grant(a.clientId, secret)).status).toBe(200)
    expect((await grant(b.clientId, secret)).status).toBe(200)
    expect((await grant(a.clientId, `${secret}x`)).status).toBe(401)
  })

  it('hashes under the pepper: the same salt and secret under another pepper do not verify', () => {
    const hash = hashClientSecret(t.deps.pepper, 'some secret')
    expect(verifyClientSecret(t.deps.pepper, 'some secret', hash)).toEqual({ matches: true, isLegacy: false })
    const otherPepper = createSecretKey(randomBytes(32))
    expect(verifyClientSecret(otherPepper, 'some secret', hash).matches).toBe(false)
    expect(verifyClientSecret(t.deps.pepper, 'some secret', 'md5$x$y').matches).toBe(false)
  })

  it('still authenticates a legacy SHA-256 hash, and upgrades it to a salted one', async () => {
    const { clientId, clientSecret } = await newClient()
    await t.db.query('UPDATE api_clients SET secret_hash = $1 WHERE client_id = $2', [
      legacyHash(clientSecret),
      clientId,
    ])
    expect((await grant(clientId, `${clientSecret}x`)).status).toBe(401)
    expect(await hashOf(clientId)).toBe(legacyHash(clientSecret))
    expect((await grant(clientId, clientSecret)).status).toBe(200)
    expect(await hashOf(clientId)).toMatch(/^hmac-sha256\$/)
    expect((await grant(clientId, clientSecret)).status).toBe(200)
  })

  it('upgrades the bootstrap client’s legacy hash at bootstrap, which knows the secret, auditing nothing', async () => {
    const { clientId, clientSecret } = t.deps.config.bootstrap as { clientId: string; clientSecret: string }
    await t.db.query('UPDATE api_clients SET secret_hash = $1 WHERE client_id = $2', [
      legacyHash(clientSecret),
      clientId,
    ])
    const audits = await t.count('audit_events')
    await bootstrap(t.db, t.deps.config, t.deps.pepper)
    expect(await hashOf(clientId)).toMatch(/^hmac-sha256\$/)
    expect(await t.count('audit_events')).toBe(audits)
    expect((await grant(clientId, clientSecret)).status).toBe(200)
  })

  it('compares the platform secret as digests, whatever the lengths', () => {
    expect(secretsEqual('a'.repeat(40), 'a'.repeat(40))).toBe(true)
    expect(secretsEqual('a'.repeat(40), 'a'.repeat(39))).toBe(false)
    expect(secretsEqual('a'.repeat(40), 'b'.repeat(4000))).toBe(false)
  })
})
