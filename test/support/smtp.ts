// A real SMTP server on 127.0.0.1 (smtp-server) that keeps every mail it receives, for tests of the mail the
// service sends: its envelope, headers, decoded text, and the links in it. Close it when the tests end.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  from: string
  to: string[]
  /** The raw message as it arrived. */
  raw: string
  subject: string
  /** The message decoded (quoted-printable undone): text and HTML parts alike. */
  decoded: string
}

export interface SmtpCatcher {
  /** smtp://127.0.0.1:<port> — for SMTP_URL. */
  url: string
  received: ReceivedMail[]
  /** Mails to this address so far. */
  to(address: string): ReceivedMail[]
  /** Waits until a mail to the address arrives (beyond `after` already received), or fails after timeoutMs. */
  waitFor(address: string, options?: { after?: number; timeoutMs?: number }): Promise<ReceivedMail>
  /** Refuse (true) or take (false) the mails that arrive from now on. */
  setRefusing(isRefusing: boolean): void
  close(): Promise<void>
}

/** Undoes quoted-printable: soft line breaks, then =XX bytes (the whole message: headers are unaffected). */
export function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '')
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  ).toString('utf8')
}

/** The console links a mail holds (its tokens at `#token=`), in order. */
export function linksIn(mail: ReceivedMail): { url: string; page: string; token: string }[] {
  return [...mail.decoded.matchAll(/(https?:\/\/[^\s"<>]+)(\/console\/[a-z-]+)#token=([A-Za-z0-9_-]+)/g)].map(
    (m) => ({ url: `${m[1]}${m[2]}#token=${m[3]}`, page: m[2] as string, token: m[3] as string }),
  )
}

export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const received: ReceivedMail[] = []
  let isRefusing = false
  const server = new SMTPServer({
    // Plain SMTP on loopback: no TLS to offer (the client would try it), no authentication to ask.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (isRefusing) {
          callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 450 }))
          return
        }
        const raw = Buffer.concat(chunks).toString('utf8')
        const decoded = decodeQuotedPrintable(raw)
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
          decoded,
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address()
  const to = (address: string) => received.filter((m) => m.to.includes(address.toLowerCase()))
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to,
    async waitFor(address, { after = 0, timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      while (to(address).length <= after) {
        if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return to(address)[after] as ReceivedMail
    },
    setRefusing(value) {
      isRefusing = value
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
