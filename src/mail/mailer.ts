// Sending mail: over SMTP (nodemailer, SMTP_URL) or, with no SMTP server configured, into the log. Mail leaves
// in the background, after the answer, with a few retries; failures are logged (never the mail's text: it holds
// a link) and counted.
//
// Why in the background rather than before answering: (1) no request waits on a mail server, however slow;
// a timeout short enough for a request would give up on servers that are merely slow; (2) a password reset
// must answer the same, in the same time, whether or not the account exists, and awaiting SMTP only for the
// accounts that exist would show which do; (3) the link's token exists in clear only in this process's memory
// (the database keeps its hash), so a durable mail queue would have to store working links. The price: a mail
// whose process stops before it leaves is lost; the user asks again (a new link retires the old one).
import type { FastifyBaseLogger } from 'fastify'
import type { Transporter } from 'nodemailer'
import { Counter, type Registry } from 'prom-client'
import type { MailConfig } from '../config.ts'

export interface Mail {
  to: string
  subject: string
  text: string
  html: string
  /** What the mail is (its metric label), and for whom: what a log line names instead of the mail. */
  purpose: 'invitation' | 'password-reset'
  userId: string
}

export interface Mailer {
  /** Sends in the background, retrying; never throws. */
  send(mail: Mail): void
  /** Runs work the answer must not wait for (its failure is logged), after the current request's answer. */
  later(what: string, task: () => Promise<void>): void
  /** Resolves once every background task and mail has finished (tests; a graceful stop). */
  settled(): Promise<void>
  /** Stops retrying, waits (a little) for what is under way, and closes the SMTP connections. */
  close(): Promise<void>
}

/** Waits before the second, third and fourth attempt; then the mail is given up. */
const RETRY_DELAYS_MS = [2_000, 30_000, 300_000]
/** Bounds on one attempt, so that a server that stops answering frees its attempt. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }
/** How long close() waits for mail under way. */
const CLOSE_WAIT_MS = 5_000

function mailCounters(registry: Registry) {
  return {
    sent: new Counter({
      name: 'reseller_api_mail_sent_total',
      help: 'Mails handed to the SMTP server (or, with no SMTP_URL, to the log), by purpose.',
      labelNames: ['purpose'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'reseller_api_mail_failures_total',
      help: 'Failed attempts to send a mail, by purpose and whether the mail was then given up (final).',
      labelNames: ['purpose', 'final'] as const,
      registers: [registry],
    }),
  }
}

/** What of a sending error may be logged: its code and the server's reply code, never the mail. */
function errorFacts(error: unknown) {
  const e = (error ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown; message?: unknown }
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
    command: typeof e.command === 'string' ? e.command : undefined,
  }
}

export function createMailer(config: MailConfig, log: FastifyBaseLogger, registry: Registry): Mailer {
  const counters = mailCounters(registry)
  // nodemailer is loaded with the first mail (it is 15 MB of a process's memory, which a service that sends no
  // mail, or none yet, need not hold).
  const smtpUrl = config.smtpUrl
  let transport: Promise<Transporter> | null = null
  const transportOf = (url: string) => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url, ...SMTP_TIMEOUTS }, { from: config.from }),
    )
    return transport
  }
  const pending = new Set<Promise<void>>()
  const timers = new Set<NodeJS.Timeout>()
  let isClosing = false

  const track = (work: Promise<void>) => {
    pending.add(work)
    void work.finally(() => pending.delete(work))
  }

  async function deliver(mail: Mail): Promise<void> {
    if (!smtpUrl) {
      // The documented development convenience: with no SMTP server, the mail (its link too) is logged.
      log.info(
        { mail: { to: mail.to, from: config.from, subject: mail.subject, text: mail.text } },
        'mail not sent (no SMTP_URL is set): written to the log instead',
      )
      return
    }
    const smtp = await transportOf(smtpUrl)
    await smtp.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html })
  }

  function attempt(mail: Mail, number: number): void {
    const work = deliver(mail).then(
      () => {
        counters.sent.inc({ purpose: mail.purpose })
        log.info({ purpose: mail.purpose, userId: mail.userId, attempt: number + 1 }, 'mail sent')
      },
      (error: unknown) => {
        const delay = RETRY_DELAYS_MS[number]
        const isFinal = delay === undefined || isClosing
        counters.failures.inc({ purpose: mail.purpose, final: String(isFinal) })
        const facts = {
          purpose: mail.purpose,
          userId: mail.userId,
          attempt: number + 1,
          ...errorFacts(error),
        }
        if (isFinal) {
          log.error(facts, 'mail failed; given up')
          return
        }
        log.warn({ ...facts, retryInMs: delay }, 'mail failed; will retry')
        const timer = setTimeout(() => {
          timers.delete(timer)
          attempt(mail, number + 1)
        }, delay)
        timer.unref()
        timers.add(timer)
      },
    )
    track(work)
  }

  return {
    send(mail) {
      if (isClosing) {
        log.error({ purpose: mail.purpose, userId: mail.userId }, 'mail not sent: the service is stopping')
        return
      }
      attempt(mail, 0)
    },
    later(what, task) {
      track(
        new Promise<void>((resolve) => setImmediate(resolve))
          .then(task)
          .catch((error: unknown) => log.error({ err: error }, `${what} failed`)),
      )
    },
    async settled() {
      while (pending.size > 0 || timers.size > 0) {
        if (pending.size > 0) await Promise.allSettled([...pending])
        else await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async close() {
      isClosing = true
      if (timers.size > 0)
        log.error({ count: timers.size }, 'mails waiting for a retry given up: the service is stopping')
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      let waited: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise((resolve) => {
          waited = setTimeout(resolve, CLOSE_WAIT_MS)
          waited.unref()
        }),
      ])
      clearTimeout(waited)
      // A transport that failed to load has nothing to close.
      await transport?.then((smtp) => smtp.close()).catch(() => {})
    },
  }
}
