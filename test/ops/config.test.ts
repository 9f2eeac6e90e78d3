import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({})
    expect(config.port).toBe(3000)
    expect(config.host).toBe('127.0.0.1')
    expect(config.publicUrl).toBe('http://127.0.0.1:3000')
    expect(config.database.kind).toBe('pglite-disk')
    expect(config.webhookRetrySchedule).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000])
    expect(config.webhookTimeoutMs).toBe(15000)
    expect(config.webhookAllowPrivateNetworks).toBe(false)
    expect(config.bootstrap).toBeNull()
    expect(config.platform).toBeNull()
  })

  it.each([
    ['memory://', 'pglite-memory'],
    ['postgres://u@127.0.0.1:5432/db', 'postgres'],
    ['postgresql://u@127.0.0.1/db', 'postgres'],
  ])('reads DATABASE_URL %s as %s', (url, kind) => {
    const key = randomBytes(32).toString('base64')
    expect(loadConfig({ DATABASE_URL: url, ENCRYPTION_KEY: key }).database.kind).toBe(kind)
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WEBHOOK_RETRY_SCHEDULE: '5,x' }, 'WEBHOOK_RETRY_SCHEDULE'],
    [{ WEBHOOK_TIMEOUT_MS: '-1' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'],
    [{ BOOTSTRAP_CLIENT_ID: 'abc', BOOTSTRAP_CLIENT_SECRET: 'x'.repeat(16) }, 'BOOTSTRAP_TENANT_DOMAIN'],
    [{ BOOTSTRAP_TENANT_DOMAIN: 'a.example.com' }, 'BOOTSTRAP_CLIENT_ID'],
    [
      {
        BOOTSTRAP_TENANT_DOMAIN: 'not a domain',
        BOOTSTRAP_CLIENT_ID: 'abc',
        BOOTSTRAP_CLIENT_SECRET: 'x'.repeat(16),
      },
      'BOOTSTRAP_TENANT_DOMAIN',
    ],
    [{ PLATFORM_CLIENT_ID: 'operator' }, 'PLATFORM_CLIENT_SECRET'],
    [{ PLATFORM_CLIENT_ID: 'operator', PLATFORM_CLIENT_SECRET: 'short' }, 'PLATFORM_CLIENT_SECRET'],
    [{ SMTP_URL: 'http://mail.example.com', MAIL_FROM: 'a@example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://', MAIL_FROM: 'a@example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'not a url', MAIL_FROM: 'a@example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://mail.example.com:587' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'Acme <a@example.com>\r\nBcc: x@example.com' }, 'MAIL_FROM'],
  ])('refuses %j, naming %s', (env, variable) => {
    try {
      loadConfig(env)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(variable)
      expect((error as Error).message).toContain(variable)
    }
  })

  it('logs mail without SMTP_URL, under a default sender, and takes an SMTP server with its sender', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: null, from: 'Reseller API <no-reply@localhost>' })
    expect(
      loadConfig({
        SMTP_URL: 'smtps://user:pass@mail.example.com:465',
        MAIL_FROM: 'Acme <no-reply@acme.example>',
      }).mail,
    ).toEqual({ smtpUrl: 'smtps://user:pass@mail.example.com:465', from: 'Acme <no-reply@acme.example>' })
  })

  it('accepts a secret of 16 characters and refuses one of 15', () => {
    expect(
      loadConfig({ PLATFORM_CLIENT_ID: 'operator', PLATFORM_CLIENT_SECRET: 'x'.repeat(16) }).platform,
    ).not.toBeNull()
    expect(() =>
      loadConfig({ PLATFORM_CLIENT_ID: 'operator', PLATFORM_CLIENT_SECRET: 'x'.repeat(15) }),
    ).toThrow(ConfigError)
  })

  it('accepts a client id of 3 characters and refuses one of 2', () => {
    const secret = 'x'.repeat(16)
    expect(loadConfig({ PLATFORM_CLIENT_ID: 'abc', PLATFORM_CLIENT_SECRET: secret }).platform?.clientId).toBe(
      'abc',
    )
    expect(() => loadConfig({ PLATFORM_CLIENT_ID: 'ab', PLATFORM_CLIENT_SECRET: secret })).toThrow(
      ConfigError,
    )
  })
})
