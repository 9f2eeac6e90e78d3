// The web console: the files `npm run build` writes to dist/console, served at /console under a strict CSP, with
// every other path under /console answered by index.html (the console routes in the browser).
import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * Only the console's own files run, style, load and connect; nothing frames it; no inline script or style (React
 * sets no inline style here). Set for /console only: /docs (Swagger UI) keeps helmet's default.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ')

/** dist/console beside the bundle (dist/main.js), or the project's dist/console when run from src/ (tests). */
export function consoleDirectory(): string | null {
  const candidates = [
    path.join(import.meta.dirname, 'console'),
    path.resolve(import.meta.dirname, '../../dist/console'),
  ]
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The console has not been built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload.</p></body></html>`

// Not an API operation: kept out of the OpenAPI document.
const HIDDEN = { schema: { hide: true } }

export interface ConsoleOptions {
  root?: string | null
  /** The configured OpenID Connect providers, offered as "Sign in with …" (ids and names: nothing secret). */
  identityProviders: { id: string; name: string }[]
}

export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions) {
  const root = options.root === undefined ? consoleDirectory() : options.root
  // Runs after the root's security headers (helmet's default CSP, set on the reply), so this policy replaces it.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('Content-Security-Policy', CONSOLE_CSP)
    done()
  })
  const settings = { identityProviders: options.identityProviders.map(({ id, name }) => ({ id, name })) }
  app.get('/console/config.json', HIDDEN, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(settings),
  )
  if (!root) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
    app.get('/console', HIDDEN, notBuilt)
    app.get('/console/*', HIDDEN, notBuilt)
    return
  }
  await app.register(fastifyStatic, { root, serve: false })
  const sendIndex = async (_request: unknown, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false })
  app.get('/console', HIDDEN, sendIndex)
  // Hashed file names: a file never changes under its name.
  app.get<{ Params: { '*': string } }>('/console/assets/*', HIDDEN, async (request, reply) =>
    reply.sendFile(path.posix.join('assets', request.params['*']), root, {
      immutable: true,
      maxAge: 31_536_000_000,
    }),
  )
  app.get('/console/*', HIDDEN, sendIndex)
}
