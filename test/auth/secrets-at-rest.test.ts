// Secrets at rest: the database (or a backup of it) holds no signing key, webhook token or pepper in clear; a
// wrong key fails loudly; a database from before is sealed at start; a rotated key-encryption key leaves
// every value under the new key id, and the service still signs tokens and webhooks.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { type Config, ConfigError, loadConfig, parseKey } from '../../src/config.ts'
import { type Db, openDatabase } from '../../src/db/connection.ts'
import { listMigrations, splitStatements } from '../../src/db/migrate.ts'
import { createDispatcher } from '../../src/delivery/dispatcher.ts'
import { endpointSecretAad } from '../../src/domain/webhooks/endpoints.ts'
import { decryptSecret, encryptSecret, SecretUnavailable } from '../../src/secrets/envelope.ts'
import { keyIdOf, makeKeyring } from '../../src/secrets/keyring.ts'
import { countByKid, reencryptAll } from '../../src/secrets/stored.ts'
import { prepareServices } from '../../src/services.ts'
import { ENCRYPTION_KEY, type Json, startTestApp, type TestApp, unique } from '../support/app.ts'
import { createTestDatabase } from '../support/database.ts'
import { startReceiver } from '../webhooks/receiver.ts'

let t: TestApp
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
})
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
  await t?.close()
})

const newKey = () => randomBytes(32).toString('base64')
const keyOf = (text: string) => parseKey(text) as NonNullable<ReturnType<typeof parseKey>>

/** Every row of a table as text (every column of it), to search for a secret in clear. */
async function rowsAsText(db: Db, table: string): Promise<string> {
  const { rows } = await db.query<{ row: string }>(`SELECT r::text AS row FROM ${table} r`)
  return rows.map((r) => r.row).join('\n')
}

async function registerHook(token = t.cspToken, url = 'https://93.184.215.14/hooks') {
  const created = await t.request('POST', '/v3/webhooks', {
    token,
    body: { name: unique('Hook '), url, events: ['reseller.created'] },
  })
  expect(created.status, created.text).toBe(201)
  return created.body as Json
}

/** The private JWK's `d` of every signing key, opened with the test app's key. */
async function privateScalars(db: Db, keyring = t.deps.keyring): Promise<string[]> {
  const { rows } = await db.query<{ kid: string; private_jwk: string }>(
    'SELECT kid, private_jwk FROM signing_keys',
  )
  return rows.map(
    (row) => JSON.parse(decryptSecret(keyring, row.private_jwk, `signing_keys.private_jwk:${row.kid}`)).d,
  )
}

/** The service of `config` over `db`, listening: another process of the same database. */
async function serve(config: Config, db: Db) {
  const deps = await prepareServices(config, db)
  const app = await buildApp(deps, { logger: false })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  closers.push(() => app.close())
  const token = async (clientId: string, clientSecret: string) => {
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    })
    return { status: response.status, body: (await response.json()) as Json }
  }
  return { deps, app, url, token }
}

describe('the database holds no secret in clear', () => {
  it('keeps webhook tokens, private signing keys and the pepper only encrypted', async () => {
    const hook = await registerHook()
    const token: string = hook.token
    expect(token.length).toBeGreaterThanOrEqual(32)
    const scalars = await privateScalars(t.db)
    expect(scalars.length).toBeGreaterThan(0)
    const pepper = t.deps.pepper.export().toString('base64url')
    for (const table of [
      'webhook_endpoints',
      'signing_keys',
      'server_secrets',
      'api_clients',
      'audit_events',
      'outbox_events',
    ]) {
      const text = await rowsAsText(t.db, table)
      expect(text, table).not.toContain(token)
      for (const d of scalars) expect(text, table).not.toContain(d)
      expect(text, table).not.toContain(pepper)
    }
    const stored = await t.db.query<{ secret: string }>(
      'SELECT secret FROM webhook_endpoints WHERE id = $1',
      [hook.id],
    )
    expect(stored.rows[0]?.secret).toMatch(/^enc:v1:[0-9a-f]{16}:[\w-]{16}:[\w-]+$/)
    // Shown once, masked ever after, from the encrypted value.
    const got = await t.request('GET', `/v3/webhooks/${hook.id}`, { token: t.cspToken })
    expect(got.body.token).toBe(`********${token.slice(-4)}`)
    expect(got.text).not.toContain(token)
  })

  it('encrypts the same secret differently each time, under the current key id', async () => {
    const keyring = t.deps.keyring
    const a = encryptSecret(keyring, 'same secret', 'x:1')
    const b = encryptSecret(keyring, 'same secret', 'x:1')
    expect(a).not.toBe(b)
    expect(a.split(':')[2]).toBe(keyIdOf(keyOf(ENCRYPTION_KEY)))
    expect(decryptSecret(keyring, a, 'x:1')).toBe('same secret')
  })
})

describe('a wrong key never gives a wrong answer', () => {
  it('refuses to open a value under another key, of another row, or altered', () => {
    const keyring = t.deps.keyring
    const sealed = encryptSecret(keyring, 'webhook token', 'webhook_endpoints.secret:a')
    const other = makeKeyring(keyOf(newKey()))
    expect(() => decryptSecret(other, sealed, 'webhook_endpoints.secret:a')).toThrow(SecretUnavailable)
    expect(() => decryptSecret(keyring, sealed, 'webhook_endpoints.secret:b')).toThrow(SecretUnavailable)
    // The same key id but another key (a forged id): the tag does not verify.
    const forged = makeKeyring(keyOf(newKey()))
    const impostor = { current: keyring.current, byKid: new Map([[keyring.current.kid, forged.current]]) }
    expect(() => decryptSecret(impostor, sealed, 'webhook_endpoints.secret:a')).toThrow(/does not open/)
    // One character of the tag changed (tested on that character: it was the last one's, and one run in 64 the
    // "change" put back the same letter).
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.slice(-1)
    expect(flipped).not.toBe(sealed)
    expect(() => decryptSecret(keyring, flipped, 'webhook_endpoints.secret:a')).toThrow(SecretUnavailable)
    expect(() => decryptSecret(keyring, 'webhook token', 'webhook_endpoints.secret:a')).toThrow(
      SecretUnavailable,
    )
  })

  it('stops a start with another ENCRYPTION_KEY, naming the variable', async () => {
    const config = { ...t.deps.config, encryption: { key: parseKey(newKey()), previous: [] } }
    const failure = await prepareServices(config, t.db).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ConfigError)
    expect((failure as ConfigError).variable).toBe('ENCRYPTION_KEY')
    expect((failure as Error).message).not.toContain(ENCRYPTION_KEY)
  })

  it('answers an error, never a wrong token, for a webhook secret copied from another row', async () => {
    const [a, b] = [await registerHook(), await registerHook()]
    const own = await t.db.query<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = $1', [
      b.id,
    ])
    await t.db.query(
      'UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = $1) WHERE id = $2',
      [a.id, b.id],
    )
    const got = await t.request('GET', `/v3/webhooks/${b.id}`, { token: t.cspToken })
    expect(got.status).toBe(500)
    expect(got.text).not.toContain(a.token.slice(-4))
    await t.db.query('UPDATE webhook_endpoints SET secret = $1 WHERE id = $2', [own.rows[0]?.secret, b.id])
    expect((await t.request('GET', `/v3/webhooks/${b.id}`, { token: t.cspToken })).status).toBe(200)
  })
})

describe('a database from before secrets at rest', () => {
  it('is sealed at start: the clear signing key, webhook secret and client hash are encrypted and still work', async () => {
    const database = await createTestDatabase()
    closers.push(() => database.drop())
    const db = await openDatabase(database.target, 2)
    closers.push(() => db.close())
    // The schema as it was: every migration before 0011, applied as migrate() would have.
    await db.query(
      'CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    for (const migration of listMigrations().filter((m) => m.name < '0011')) {
      for (const statement of splitStatements(migration.sql)) await db.query(statement)
      await db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name])
    }
    // Rows as the old version wrote them: a private JWK and a webhook token in clear, an unsalted hash.
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const kid = 'legacy-key'
    const meta = { kid, alg: 'ES256', use: 'sig' }
    const privateJwk = { ...(await exportJWK(privateKey)), ...meta }
    await db.query('INSERT INTO signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)', [
      kid,
      JSON.stringify(privateJwk),
      JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
    ])
    const tenantId = crypto.randomUUID()
    await db.query("INSERT INTO tenants (id, domain, name) VALUES ($1, 'legacy.example.com', 'legacy')", [
      tenantId,
    ])
    const hookId = crypto.randomUUID()
    const hookSecret = `legacy-webhook-token-${randomBytes(8).toString('hex')}`
    await db.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
         created_at, updated_at)
       VALUES ($1, $2, 'legacy', 'https://93.184.215.14/h', $3, 'cryptlex', true, ARRAY['reseller.created'], now(), now())`,
      [hookId, tenantId, hookSecret],
    )
    const clientSecret = randomBytes(32).toString('base64url')
    await db.query(
      `INSERT INTO api_clients (id, tenant_id, client_id, secret_hash, name, role, scopes, created_at, updated_at)
       VALUES ($1, $2, 'legacy-client', $3, 'legacy', 'csp', ARRAY['reseller:read'], now(), now())`,
      [crypto.randomUUID(), tenantId, createHash('sha256').update(clientSecret).digest('hex')],
    )

    const config = { ...t.deps.config }
    const service = await serve(config, db)
    for (const table of ['signing_keys', 'webhook_endpoints']) {
      const text = await rowsAsText(db, table)
      expect(text).not.toContain(privateJwk.d as string)
      expect(text).not.toContain(hookSecret)
      expect(text).not.toContain('plain:')
    }
    // The sealed key still signs (it is the live one), the sealed token still opens in its row.
    const issued = await service.token('legacy-client', clientSecret)
    expect(issued.status).toBe(200)
    const header = JSON.parse(Buffer.from(issued.body.access_token.split('.')[0], 'base64url').toString())
    expect(header.kid).toBe(kid)
    const sealed = await db.query<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = $1', [
      hookId,
    ])
    expect(
      decryptSecret(service.deps.keyring, sealed.rows[0]?.secret as string, endpointSecretAad(hookId)),
    ).toBe(hookSecret)
    // The unsalted hash verified once and was replaced by a salted one.
    const hash = await db.query<{ secret_hash: string }>(
      "SELECT secret_hash FROM api_clients WHERE client_id = 'legacy-client'",
    )
    expect(hash.rows[0]?.secret_hash).toMatch(/^hmac-sha256\$[\w-]+\$[0-9a-f]{64}$/)
    expect((await service.token('legacy-client', clientSecret)).status).toBe(200)
    expect((await service.token('legacy-client', `${clientSecret}x`)).status).toBe(401)
    // A second start finds nothing left to seal and changes nothing.
    const before = await rowsAsText(db, 'webhook_endpoints')
    await prepareServices(config, db).then((deps) => deps.tokens.keys.stop())
    expect(await rowsAsText(db, 'webhook_endpoints')).toBe(before)
  })
})

describe('rotating the key-encryption key', () => {
  it('leaves every value under the new key id; the service with only the new key signs tokens and webhooks', async () => {
    const receiver = await startReceiver()
    closers.push(() => receiver.close())
    const hook = await registerHook(t.cspToken, receiver.url)
    const client = await t.request('POST', '/v3/clients', {
      token: t.cspToken,
      body: { name: unique('rotation '), role: 'csp', scopes: ['reseller:read', 'reseller:write'] },
    })
    expect(client.status, client.text).toBe(201)
    const hashesBefore = await rowsAsText(t.db, 'api_clients')

    const next = newKey()
    const nextKey = keyOf(next)
    const oldKey = keyOf(ENCRYPTION_KEY)
    const counts = await reencryptAll(t.db, makeKeyring(nextKey, [oldKey]), { batch: 2 })
    expect(counts['webhook_endpoints.secret']?.reencrypted).toBeGreaterThan(0)
    expect(counts['signing_keys.private_jwk']?.reencrypted).toBeGreaterThan(0)
    expect(counts['server_secrets.value']?.reencrypted).toBe(1)
    const newKid = keyIdOf(nextKey)
    // Every value under the new key (a column may hold none: no sign-in under way, no one enrolled in two-factor).
    for (const [column, kids] of Object.entries(await countByKid(t.db)))
      expect(
        Object.keys(kids).filter((kid) => kid !== newKid),
        column,
      ).toEqual([])
    // Run again: nothing left to do.
    const again = await reencryptAll(t.db, makeKeyring(nextKey, [oldKey]))
    expect(again['webhook_endpoints.secret']?.reencrypted).toBe(0)
    // The pepper is the same: no client secret hash changed.
    expect(await rowsAsText(t.db, 'api_clients')).toBe(hashesBefore)

    // A process with the new key alone: the old one is dropped.
    const config = loadConfig({
      PORT: '0',
      DATABASE_URL: 'memory://',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'silent',
      ENCRYPTION_KEY: next,
    })
    const service = await serve({ ...config, database: t.deps.config.database }, t.db)
    const dispatcher = createDispatcher(
      t.db,
      service.deps.config,
      pino({ level: 'silent' }),
      service.deps.keyring,
    )
    closers.push(() => dispatcher.stop())
    const issued = await service.token(client.body.clientId, client.body.clientSecret)
    expect(issued.status, JSON.stringify(issued.body)).toBe(200)
    const reseller = await fetch(`${service.url}/v3/resellers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: unique('Rotated '), email: `${unique('r')}@example.com` }),
    })
    expect(reseller.status).toBe(201)
    // Nothing but the receiver may be delivered to from this file.
    await t.db.query('UPDATE webhook_endpoints SET enabled = false WHERE id <> $1', [hook.id])
    await dispatcher.drain()
    const [hit] = await receiver.waitFor(1)
    expect(hit?.headers['webhook-signature']).toBe(
      createHmac('sha256', hook.token)
        .update(hit?.body as string)
        .digest('base64'),
    )

    // The old key alone opens nothing any more: a start with it stops.
    const stale = { ...t.deps.config, encryption: { key: oldKey, previous: [] } }
    await expect(prepareServices(stale, t.db)).rejects.toBeInstanceOf(ConfigError)
  })
})
