// The newcomer's path: start the real process on a fresh DATA_DIR, run the banner's own curl lines.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, SERVER_URL } from '../support/database.ts'
import { freePort, killChildren, ROOT, type Spawned, spawnNode, waitForOutput } from '../support/process.ts'

const exec = promisify(execFile)
// A first start creates the embedded database on disk: slow on a busy machine.
vi.setConfig({ testTimeout: 120_000 })

/** What `npm start` runs after its prestart build. */
const start = (env: Record<string, string>): Spawned =>
  spawnNode(['dist/main.js'], { LOG_LEVEL: 'warn', ...env })
// A first start creates the embedded database on disk: slow on a busy machine.
const waitFor = (started: Spawned, text: string) => waitForOutput(started, text, 90_000)

beforeAll(async () => {
  // npm start's prestart step: bundle the service into dist/.
  await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT })
})

afterAll(killChildren)

describe('first start on the embedded database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-'))
  let keyFile = ''

  it('creates tenant localhost, prints working credentials and curl lines, and saves them', async () => {
    const port = await freePort()
    const started = start({ PORT: String(port), DATA_DIR: dataDir })
    await waitFor(started, 'curl -s -H')
    const banner = started.output()
    expect(banner).toContain(`http://127.0.0.1:${port}/docs`)
    const secret = banner.match(/client_secret: (\S+)/)?.[1] as string
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'))
    expect(saved.clientSecret).toBe(secret)
    expect(fs.statSync(path.join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600)
    // The key-encryption key of the embedded default: made on the first start, owner-only.
    expect(fs.statSync(path.join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600)
    keyFile = fs.readFileSync(path.join(dataDir, 'encryption.key'), 'utf8')

    // Run the banner's two lines exactly as printed.
    const lines = banner
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('TOKEN=') || line.startsWith('curl '))
    expect(lines).toHaveLength(2)
    const { stdout } = await exec('bash', ['-c', lines.join('\n')])
    const reseller = JSON.parse(stdout)
    expect(reseller).toMatchObject({ name: 'Acme', email: 'ops@acme.example', allowedUsers: -1 })

    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })

  it('starts again on the same DATA_DIR with the same credentials and data', async () => {
    const port = await freePort()
    const started = start({ PORT: String(port), DATA_DIR: dataDir })
    await waitFor(started, 'curl -s -H')
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'))
    expect(started.output()).toContain(saved.clientSecret)
    const token = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: saved.clientId,
        client_secret: saved.clientSecret,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>)
    const resellers = await fetch(`http://127.0.0.1:${port}/v3/resellers`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    }).then((r) => r.json() as Promise<unknown[]>)
    expect(resellers).toHaveLength(1)
    // The same key file, reused (the signing key and webhook secrets it encrypts open again).
    expect(fs.readFileSync(path.join(dataDir, 'encryption.key'), 'utf8')).toBe(keyFile)
    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })
})

describe('start-up refusals', () => {
  it('stops with a message naming a bad variable', async () => {
    const started = start({ PORT: 'eighty', DATABASE_URL: 'memory://' })
    expect(await started.exited).not.toBe(0)
    expect(started.output()).toContain('PORT')
  })
})

describe.runIf(SERVER_URL)('start on a PostgreSQL server with BOOTSTRAP_*', () => {
  it('creates the bootstrap tenant and client, idempotently across restarts', async () => {
    const database = await createTestDatabase()
    try {
      const env = {
        DATABASE_URL: database.url,
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        BOOTSTRAP_TENANT_DOMAIN: 'partner.example.com',
        BOOTSTRAP_CLIENT_ID: 'partner-admin',
        BOOTSTRAP_CLIENT_SECRET: 'a-long-enough-bootstrap-secret',
      }
      for (let round = 0; round < 2; round++) {
        const port = await freePort()
        const started = start({ ...env, PORT: String(port) })
        await waitFor(started, 'BOOTSTRAP_CLIENT_ID')
        const response = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('partner-admin:a-long-enough-bootstrap-secret').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        })
        expect(response.status).toBe(200)
        started.child.kill('SIGTERM')
        expect(await started.exited).toBe(0)
      }
    } finally {
      await database.drop()
    }
  })
})
