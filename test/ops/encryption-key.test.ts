// The key-encryption key: required on a PostgreSQL server (the process refuses to start, saying how to make
// one), a key file on the embedded default (made once, owner-only, reused), checked for its form; and
// `npm run rotate-encryption-key` on both kinds of database.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ConfigError, loadConfig, parseKey } from '../../src/config.ts'
import { type Db, openDatabase } from '../../src/db/connection.ts'
import { decryptSecret, encryptSecret } from '../../src/secrets/envelope.ts'
import { KEY_FILE, type Keyring, keyIdOf, openKeyring, PREVIOUS_KEY_FILE } from '../../src/secrets/keyring.ts'
import { countByKid } from '../../src/secrets/stored.ts'
import { prepareServices } from '../../src/services.ts'
import { createTestDatabase, SERVER_URL } from '../support/database.ts'
import { killChildren, ROOT, spawnNode } from '../support/process.ts'

const exec = promisify(execFile)
vi.setConfig({ testTimeout: 120_000 })

beforeAll(async () => {
  await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
})
afterAll(killChildren)

const newKey = () => randomBytes(32).toString('base64')
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-key-'))

describe('ENCRYPTION_KEY', () => {
  it.each([['dist/main.js'], ['dist/worker.js']])(
    '%s refuses to start on PostgreSQL without it, saying how to make one (exit 78)',
    async (entry) => {
      // No server is reached: the configuration is refused first.
      const started = spawnNode([entry], {
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
        LOG_LEVEL: 'warn',
      })
      expect(await started.exited).toBe(78)
      expect(started.output()).toContain('ENCRYPTION_KEY')
      expect(started.output()).toContain('openssl rand -base64 32')
    },
  )

  it.each([
    ['short', { ENCRYPTION_KEY: randomBytes(16).toString('base64') }, 'ENCRYPTION_KEY'],
    ['long', { ENCRYPTION_KEY: randomBytes(48).toString('base64') }, 'ENCRYPTION_KEY'],
    ['not base64', { ENCRYPTION_KEY: `${'!'.repeat(43)}=` }, 'ENCRYPTION_KEY'],
    [
      'a bad previous key',
      { ENCRYPTION_KEY: newKey(), ENCRYPTION_KEY_PREVIOUS: `${newKey()},nope` },
      'ENCRYPTION_KEY_PREVIOUS',
    ],
    ['postgres without it', { DATABASE_URL: 'postgres://u@127.0.0.1/db' }, 'ENCRYPTION_KEY'],
  ])('refuses %s, naming the variable and never echoing a key', (_, env, variable) => {
    try {
      loadConfig(env as Record<string, string>)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(variable)
      for (const value of Object.values(env)) expect((error as Error).message).not.toContain(value)
    }
  })

  it('takes a key in base64 or base64url, and previous keys comma-separated', () => {
    const bytes = randomBytes(32)
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      ENCRYPTION_KEY: bytes.toString('base64url'),
      ENCRYPTION_KEY_PREVIOUS: `${newKey()}, ${newKey()}`,
    })
    expect(config.encryption.key?.export()).toEqual(bytes)
    expect(config.encryption.previous).toHaveLength(2)
    // A logged config shows no key.
    expect(JSON.stringify(config)).not.toContain(bytes.toString('base64'))
  })
})

describe('the key file of the embedded default', () => {
  it('is made on the first start, owner-only in an owner-only directory, and reused after', () => {
    const dataDir = path.join(tempDir(), 'data')
    const config = loadConfig({ DATA_DIR: dataDir })
    const first = openKeyring(config)
    const file = path.join(dataDir, KEY_FILE)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700)
    const text = fs.readFileSync(file, 'utf8')
    expect(openKeyring(config).current.kid).toBe(first.current.kid)
    expect(fs.readFileSync(file, 'utf8')).toBe(text)
    expect(first.current.kid).toBe(keyIdOf(parseKey(text) as NonNullable<ReturnType<typeof parseKey>>))
  })

  it('is not used when ENCRYPTION_KEY is set, and a damaged one stops the start', () => {
    const dataDir = tempDir()
    openKeyring(loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: newKey() }))
    expect(fs.existsSync(path.join(dataDir, KEY_FILE))).toBe(false)
    fs.writeFileSync(path.join(dataDir, KEY_FILE), 'not a key\n', { mode: 0o600 })
    expect(() => openKeyring(loadConfig({ DATA_DIR: dataDir }))).toThrow(ConfigError)
  })

  it('is one key per in-memory database process, never a fixed one', () => {
    const config = loadConfig({ DATABASE_URL: 'memory://' })
    expect(openKeyring(config).current.kid).not.toBe(openKeyring(config).current.kid)
  })
})

/** A database with a webhook secret sealed under `keyring`; answers the endpoint's id. */
async function withSealedHook(db: Db, keyring: Keyring, secret: string): Promise<string> {
  const tenantId = crypto.randomUUID()
  await db.query("INSERT INTO tenants (id, domain, name) VALUES ($1, $2, 'rotation')", [
    tenantId,
    `${tenantId}.example.com`,
  ])
  const id = crypto.randomUUID()
  await db.query(
    `INSERT INTO webhook_endpoints (id, tenant_id, name, url, secret, signature_scheme, enabled, events,
       created_at, updated_at)
     VALUES ($1, $2, 'h', 'https://93.184.215.14/h', $3, 'cryptlex', true, ARRAY['reseller.created'], now(), now())`,
    [id, tenantId, encryptSecret(keyring, secret, `webhook_endpoints.secret:${id}`)],
  )
  return id
}

const rotate = (env: Record<string, string>) =>
  spawnNode(['--import', 'tsx', 'scripts/rotate-encryption-key.ts'], { LOG_LEVEL: 'warn', ...env })

describe('npm run rotate-encryption-key', () => {
  it('on the embedded default: a new key file, every value under it, the old key gone', async () => {
    const dataDir = tempDir()
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
    let db = await openDatabase(config.database, 1)
    const deps = await prepareServices(config, db)
    deps.tokens.keys.stop()
    const oldKid = deps.keyring.current.kid
    const hookId = await withSealedHook(db, deps.keyring, 'embedded-webhook-secret')
    await db.close()

    const run = rotate({ DATA_DIR: dataDir })
    expect(await run.exited, run.output()).toBe(0)
    expect(run.output()).toMatch(/webhook_endpoints\.secret: 1 re-encrypted/)
    expect(run.output()).not.toContain(fs.readFileSync(path.join(dataDir, KEY_FILE), 'utf8').trim())
    expect(fs.existsSync(path.join(dataDir, PREVIOUS_KEY_FILE))).toBe(false)
    expect(fs.statSync(path.join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600)

    db = await openDatabase(config.database, 1)
    try {
      const after = await prepareServices(config, db)
      after.tokens.keys.stop()
      expect(after.keyring.current.kid).not.toBe(oldKid)
      // Every value under the new key (a column may hold none: no sign-in under way).
      for (const kids of Object.values(await countByKid(db)))
        expect(Object.keys(kids).filter((kid) => kid !== after.keyring.current.kid)).toEqual([])
      const { rows } = await db.query<{ secret: string }>(
        'SELECT secret FROM webhook_endpoints WHERE id = $1',
        [hookId],
      )
      expect(
        decryptSecret(after.keyring, rows[0]?.secret as string, `webhook_endpoints.secret:${hookId}`),
      ).toBe('embedded-webhook-secret')
    } finally {
      await db.close()
    }
  })

  it.runIf(SERVER_URL)('on PostgreSQL: ENCRYPTION_KEY=new, ENCRYPTION_KEY_PREVIOUS=old', async () => {
    const database = await createTestDatabase()
    try {
      const [oldKey, nextKey] = [newKey(), newKey()]
      const config = loadConfig({ DATABASE_URL: database.url, ENCRYPTION_KEY: oldKey, LOG_LEVEL: 'silent' })
      const db = await openDatabase(config.database, 2)
      try {
        const deps = await prepareServices(config, db)
        deps.tokens.keys.stop()
        await withSealedHook(db, deps.keyring, 'server-webhook-secret')
        // Without the old key the values cannot be opened: the run stops, naming the key id.
        const blind = rotate({ DATABASE_URL: database.url, ENCRYPTION_KEY: nextKey })
        expect(await blind.exited).not.toBe(0)
        expect(blind.output()).toContain(deps.keyring.current.kid)
        const run = rotate({
          DATABASE_URL: database.url,
          ENCRYPTION_KEY: nextKey,
          ENCRYPTION_KEY_PREVIOUS: oldKey,
        })
        expect(await run.exited, run.output()).toBe(0)
        const nextKid = keyIdOf(parseKey(nextKey) as NonNullable<ReturnType<typeof parseKey>>)
        for (const kids of Object.values(await countByKid(db)))
          expect(Object.keys(kids).filter((kid) => kid !== nextKid)).toEqual([])
        const restarted = await prepareServices(
          { ...config, encryption: { key: parseKey(nextKey), previous: [] } },
          db,
        )
        restarted.tokens.keys.stop()
      } finally {
        await db.close()
      }
    } finally {
      await database.drop()
    }
  })
})
