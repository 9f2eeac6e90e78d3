// One delivery attempt over HTTP: a guarded connection (no internal addresses, the vetted address pinned),
// no redirects, a per-attempt timeout, and a bounded read of the response.
import type { Agent } from 'undici'
import { assertLiteralAllowed, ForbiddenAddressError, guardedLookup } from './ssrf.ts'

export const RESPONSE_BODY_LIMIT = 4096

export interface AttemptResult {
  statusCode: number | null
  responseBody: string | null
  errorMessage: string | null
  isSuccess: boolean
  /** 5xx, 429, timeouts and connection errors are retried; other answers are final. */
  isRetryable: boolean
}

export interface Sender {
  send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult>
  close(): Promise<void>
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= RESPONSE_BODY_LIMIT) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8')
}

export function createSender(options: { timeoutMs: number; allowPrivate: boolean }): Sender {
  // undici is loaded with the first delivery: 20 MB of memory that a service with no webhook endpoint (or
  // before its first event) does not hold.
  let client: Promise<{ agent: Agent; request: typeof import('undici').request }> | null = null
  const clientOf = () => {
    client ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({
        connect: { lookup: guardedLookup(options.allowPrivate), timeout: options.timeoutMs },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        keepAliveTimeout: 30_000,
        connections: 64,
      }),
      request,
    }))
    return client
  }
  return {
    async send(url, headers, body) {
      try {
        assertLiteralAllowed(new URL(url), options.allowPrivate)
        const { agent, request } = await clientOf()
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        })
        const responseBody = await readBounded(response.body).catch(() => null)
        const statusCode = response.statusCode
        const isSuccess = statusCode >= 200 && statusCode < 300
        return {
          statusCode,
          responseBody,
          errorMessage: isSuccess
            ? null
            : statusCode >= 300 && statusCode < 400
              ? `Redirect (${statusCode}) not followed.`
              : `The endpoint answered ${statusCode}.`,
          isSuccess,
          isRetryable: statusCode >= 500 || statusCode === 429,
        }
      } catch (error) {
        const forbiddenAddress =
          error instanceof ForbiddenAddressError ||
          (error as { cause?: unknown })?.cause instanceof ForbiddenAddressError
        const message =
          (error as Error)?.name === 'TimeoutError' || (error as { code?: string })?.code?.includes('TIMEOUT')
            ? `Timed out after ${options.timeoutMs} ms.`
            : forbiddenAddress
              ? ((error as { cause?: Error }).cause?.message ?? (error as Error).message)
              : `Connection failed: ${(error as Error)?.message ?? String(error)}`
        // An internal address is a final refusal, not a network hiccup.
        return {
          statusCode: null,
          responseBody: null,
          errorMessage: message,
          isSuccess: false,
          isRetryable: !forbiddenAddress,
        }
      }
    },
    async close() {
      if (client) await (await client).agent.close()
    },
  }
}
