// Who may read /metrics: a bearer token (METRICS_TOKEN) compared in constant time, and the internal listener
// (METRICS_PORT) that serves /metrics alone, apart from the API's address.
import { createHash, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { MetricsConfig } from '../config.ts'

export const METRICS_CHALLENGE = 'Bearer realm="metrics"'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Whether an Authorization header carries the token. Both sides are hashed first, so the comparison takes the
 * same time whatever the length or the first differing byte of what was sent.
 */
export function isMetricsToken(header: string | undefined, token: string): boolean {
  const sent = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? ''
  return timingSafeEqual(digest(sent), digest(token))
}

export interface MetricsListener {
  /** The bound address (its port when METRICS_PORT is 0). */
  address(): AddressInfo
  close(): Promise<void>
}

/** The internal listener: GET /metrics and nothing else, behind the token too when one is set. */
export async function listenForMetrics(registry: Registry, config: MetricsConfig): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    void answer(registry, config.token, request, response)
  })
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port ?? 0, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // A scraper's idle keep-alive connection would hold close() open.
        server.closeIdleConnections()
      }),
  }
}

async function answer(
  registry: Registry,
  token: string | null,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const path = (request.url ?? '').split('?')[0]
  const reply = (status: number, headers: Record<string, string>, body: string) => {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
    response.end(request.method === 'HEAD' ? undefined : body)
  }
  if (path !== '/metrics') return reply(404, {}, 'Not found\n')
  if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, { allow: 'GET, HEAD' }, '')
  if (token !== null && !isMetricsToken(request.headers.authorization, token))
    return reply(401, { 'www-authenticate': METRICS_CHALLENGE }, 'A valid metrics token is required.\n')
  try {
    reply(200, { 'content-type': registry.contentType }, await registry.metrics())
  } catch {
    reply(500, {}, 'Metrics could not be collected.\n')
  }
}
