// A request that never finishes does not hold its socket: the service closes it once the request timeout passes.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '800' })
})
afterAll(async () => {
  await t?.close()
})

/** Opens a socket, writes `head`, and resolves with what came back and how long until the server closed it. */
function hold(head: string, giveUpMs = 10_000): Promise<{ closedAfterMs: number | null; received: string }> {
  const { port } = new URL(t.url)
  return new Promise((resolve) => {
    const started = Date.now()
    let received = ''
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head))
    const giveUp = setTimeout(() => {
      socket.destroy()
      resolve({ closedAfterMs: null, received })
    }, giveUpMs)
    socket.on('data', (chunk) => {
      received += chunk.toString()
    })
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve({ closedAfterMs: Date.now() - started, received })
    })
    socket.on('error', () => {})
  })
}

describe('request timeouts', () => {
  it('closes a request that announces a body and never sends it', async () => {
    const { closedAfterMs, received } = await hold(
      'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    )
    expect(closedAfterMs).not.toBeNull()
    expect(closedAfterMs).toBeLessThan(5_000)
    // Node answers 408 when it can still write, or just closes.
    if (received) expect(received).toMatch(/^HTTP\/1\.1 408/)
  })

  it('closes a connection whose headers never end', async () => {
    const { closedAfterMs } = await hold('GET /health/live HTTP/1.1\r\nHost: x\r\n')
    expect(closedAfterMs).not.toBeNull()
    expect(closedAfterMs).toBeLessThan(5_000)
  })

  it('still serves a request that arrives whole', async () => {
    const { received } = await hold('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(received).toMatch(/^HTTP\/1\.1 200/)
  })
})
