// The console's serving, without a browser: an unbuilt console says how to build it, hashed assets are cached for
// good and only from the build's directory, client routes get index.html, and all under the console's CSP.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { CONSOLE_CSP, consoleRoutes } from '../../src/http/console.ts'

async function appWith(root: string | null) {
  const app = Fastify()
  await app.register(consoleRoutes, { root, identityProviders: [{ id: 'corp', name: 'Corp SSO' }] })
  return app
}

describe('the console’s routes', () => {
  it('answers 503 with how to build it when the console has not been built', async () => {
    const app = await appWith(null)
    for (const url of ['/console', '/console/users']) {
      const response = await app.inject({ url })
      expect(response.statusCode).toBe(503)
      expect(response.body).toContain('npm run build')
      expect(response.headers['content-security-policy']).toBe(CONSOLE_CSP)
    }
    await app.close()
  })

  it('serves index.html for client routes, immutable assets, and nothing outside the build', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'console-build-'))
    fs.mkdirSync(path.join(root, 'assets'))
    fs.writeFileSync(path.join(root, 'index.html'), '<div id="root"></div>')
    fs.writeFileSync(path.join(root, 'assets/app-1234.js'), 'console.log(1)')
    fs.writeFileSync(path.join(os.tmpdir(), 'secret-beside.txt'), 'secret')
    const app = await appWith(root)

    const page = await app.inject({ url: '/console/users/42?x=1' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toBe('<div id="root"></div>')
    expect(page.headers['cache-control']).toBe('no-cache')
    const asset = await app.inject({ url: '/console/assets/app-1234.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP)
    expect((await app.inject({ url: '/console/assets/missing.js' })).statusCode).toBe(404)
    for (const url of [
      '/console/assets/../../secret-beside.txt',
      '/console/assets/%2e%2e/%2e%2e/secret-beside.txt',
    ]) {
      const response = await app.inject({ url })
      expect(response.statusCode).toBe(404)
      expect(response.body).not.toBe('secret')
    }

    const settings = await app.inject({ url: '/console/config.json' })
    expect(settings.json()).toEqual({ identityProviders: [{ id: 'corp', name: 'Corp SSO' }] })
    await app.close()
  })
})
