// The OpenID Connect configuration: providers, the Google shortcut and the returnTo allow-list.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { GOOGLE_ISSUER, isAllowedReturnTo } from '../../src/config-oidc.ts'

const provider = { id: 'corp', issuer: 'https://id.example.com', clientId: 'abc', clientSecret: 's3cret' }
const providers = (...entries: unknown[]) => ({ OIDC_PROVIDERS: JSON.stringify(entries) })

describe('the OpenID Connect configuration', () => {
  it('has no provider by default, and the console of PUBLIC_URL to return to', () => {
    const { oidc } = loadConfig({ PUBLIC_URL: 'https://api.example.com/' })
    expect(oidc.providers).toEqual([])
    expect(oidc.returnTo).toEqual([{ origin: 'https://api.example.com', path: '/console' }])
  })

  it('reads OIDC_PROVIDERS and the Google shortcut', () => {
    const { oidc } = loadConfig({
      ...providers(provider, { id: 'local', issuer: 'http://127.0.0.1:9000/realm/', clientId: 'public' }),
      OIDC_GOOGLE_CLIENT_ID: 'g.apps.googleusercontent.com',
      OIDC_GOOGLE_CLIENT_SECRET: 'gsecret',
    })
    expect(oidc.providers).toEqual([
      { ...provider, name: 'corp' },
      {
        id: 'local',
        name: 'local',
        issuer: 'http://127.0.0.1:9000/realm',
        clientId: 'public',
        clientSecret: null,
      },
      {
        id: 'google',
        name: 'Google',
        issuer: GOOGLE_ISSUER,
        clientId: 'g.apps.googleusercontent.com',
        clientSecret: 'gsecret',
      },
    ])
  })

  it.each([
    [{ OIDC_PROVIDERS: '{' }, 'OIDC_PROVIDERS'],
    [{ OIDC_PROVIDERS: '{}' }, 'OIDC_PROVIDERS'],
    [providers({ ...provider, id: 'Bad Id' }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, issuer: 'http://id.example.com' }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, issuer: 'https://id.example.com/?q=1' }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, issuer: 'not a url' }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, clientId: '' }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, clientSecret: 42 }), 'OIDC_PROVIDERS'],
    [providers({ ...provider, extra: 1 }), 'OIDC_PROVIDERS'],
    [providers(provider, provider), 'OIDC_PROVIDERS'],
    [{ OIDC_GOOGLE_CLIENT_ID: 'g' }, 'OIDC_GOOGLE_CLIENT_SECRET'],
    [{ OIDC_GOOGLE_CLIENT_SECRET: 'g' }, 'OIDC_GOOGLE_CLIENT_ID'],
    [
      {
        ...providers({ ...provider, id: 'google' }),
        OIDC_GOOGLE_CLIENT_ID: 'g',
        OIDC_GOOGLE_CLIENT_SECRET: 's',
      },
      'OIDC_PROVIDERS',
    ],
    [{ OIDC_RETURN_TO: 'console.example.com' }, 'OIDC_RETURN_TO'],
    [{ OIDC_RETURN_TO: 'https://console.example.com/#x' }, 'OIDC_RETURN_TO'],
    [{ OIDC_RETURN_TO: 'ftp://console.example.com' }, 'OIDC_RETURN_TO'],
  ])('refuses %j, naming %s', (env, variable) => {
    try {
      loadConfig(env as Record<string, string>)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(variable)
      // A refusal never repeats a secret it was given.
      expect((error as Error).message).not.toContain('s3cret')
    }
  })

  it('matches returnTo by origin, and by whole path segments under a prefix', () => {
    const { oidc } = loadConfig({
      PUBLIC_URL: 'https://api.example.com',
      OIDC_RETURN_TO: 'https://a.example.com, https://b.example.com/app/',
    })
    const allowed = (url: string) => isAllowedReturnTo(oidc.returnTo, url)
    expect(allowed('https://a.example.com/anything?x=1')).toBe(true)
    expect(allowed('https://A.EXAMPLE.COM:443/x')).toBe(true)
    expect(allowed('https://b.example.com/app/')).toBe(true)
    expect(allowed('https://b.example.com/app/x')).toBe(true)
    expect(allowed('https://b.example.com/apps')).toBe(false)
    expect(allowed('https://b.example.com/app/../admin')).toBe(false)
    expect(allowed('https://api.example.com/console')).toBe(true)
    expect(allowed('https://api.example.com/console/x')).toBe(true)
    expect(allowed('https://api.example.com/consoles')).toBe(false)
    expect(allowed('https://a.example.com.evil.com/')).toBe(false)
    expect(allowed('https://a.example.com@evil.com/')).toBe(false)
    expect(allowed('https://a.example.com/#x')).toBe(false)
    expect(allowed('http://a.example.com/')).toBe(false)
    expect(allowed('//a.example.com/')).toBe(false)
  })
})
