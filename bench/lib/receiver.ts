// A lean webhook receiver on 127.0.0.1 for scenario 5: answers 200 at once and keeps, per request, only its
// arrival time, its Webhook-Id and the body's triggeredAt (the outbox row's triggered_at).
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Arrival {
  /** Date.now() with sub-millisecond precision when the whole body has arrived. */
  at: number
  webhookId: string
  /** The event's triggeredAt, in ms since the epoch (NaN if the body had none). */
  triggeredAt: number
}

export interface Receiver {
  url: string
  arrivals: Arrival[]
  /** One body as received, to size the baseline's posts alike. */
  sampleBody: string | null
  reset(): void
  /** Resolves once `count` requests have arrived, or after timeoutMs with what has. */
  waitFor(count: number, timeoutMs: number): Promise<Arrival[]>
  close(): Promise<void>
}

const now = () => performance.timeOrigin + performance.now()

export async function startReceiver(): Promise<Receiver> {
  let arrivals: Arrival[] = []
  let sampleBody: string | null = null
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const at = now()
      const body = Buffer.concat(chunks).toString('utf8')
      sampleBody ??= body
      let triggeredAt = Number.NaN
      const match = body.match(/"triggeredAt":"([^"]+)"/)
      if (match?.[1]) triggeredAt = Date.parse(match[1])
      arrivals.push({ at, webhookId: String(request.headers['webhook-id'] ?? ''), triggeredAt })
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
      response.end('ok')
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get arrivals() {
      return arrivals
    },
    get sampleBody() {
      return sampleBody
    },
    reset() {
      arrivals = []
    },
    async waitFor(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (arrivals.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      return arrivals
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
