// The webhook dispatcher: wakes fan-out and the endpoint scan, and runs endpoint workers. Any number may run
// against one database: fan-out takes a transaction-level try-lock, and each endpoint is worked by one
// dispatcher at a time under a session advisory lock, which the server drops if the process dies.
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { DELIVERY_DUE, OUTBOX_CHANNEL } from '../domain/webhooks/events.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { dueCount, dueEndpoints } from './due.ts'
import { createEndpointWorker } from './endpoint-worker.ts'
import { FANOUT_BATCH, fanOut } from './fan-out.ts'
import { createSender } from './sender.ts'

/** The least time between the starts of two fan-out rounds (see fanning). */
const FANOUT_GAP_MS = 20

export interface Dispatcher {
  start(): Promise<void>
  /** Stops claiming, lets in-flight attempts finish, releases what was claimed but not attempted. */
  stop(): Promise<void>
  /** Runs fan-out and delivery until no work is due (tests and benchmarks). */
  drain(): Promise<void>
}

/** Runs `run` again and again while triggered, never twice at once. */
function serial(run: () => Promise<void>, onError: (error: unknown) => void, isStopping: () => boolean) {
  let current: Promise<void> | null = null
  let isTriggeredAgain = false
  return {
    trigger(): void {
      if (isStopping()) return
      if (current) {
        isTriggeredAgain = true
        return
      }
      current = (async () => {
        do {
          isTriggeredAgain = false
          try {
            await run()
          } catch (error) {
            onError(error)
          }
        } while (isTriggeredAgain && !isStopping())
      })().finally(() => {
        current = null
      })
    },
    settled: (): Promise<void> => current ?? Promise.resolve(),
  }
}

/** A promise that each `announce` resolves and replaces: wakes whoever waits for the next one. */
function announcements() {
  let resolveCurrent = () => {}
  let current = new Promise<void>((resolve) => {
    resolveCurrent = resolve
  })
  return {
    next: () => current,
    announce(): void {
      const resolve = resolveCurrent
      current = new Promise<void>((done) => {
        resolveCurrent = done
      })
      resolve()
    },
  }
}

/** `keyring` opens the endpoints' signing secrets (they are kept encrypted). */
export function createDispatcher(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  keyring: Keyring,
): Dispatcher {
  const sender = createSender({
    timeoutMs: config.webhookTimeoutMs,
    allowPrivate: config.webhookAllowPrivateNetworks,
  })
  let stopping = false
  const isStopping = () => stopping
  let timer: NodeJS.Timeout | null = null
  let unlisten: (() => Promise<void>) | null = null
  const arrivals = announcements()
  const endpoints = createEndpointWorker({
    db,
    config,
    keyring,
    sender,
    isStopping,
    nextArrival: arrivals.next,
  })
  const workers = new Set<Promise<void>>()

  // Fan-out runs as soon as a change commits (NOTIFY), apart from delivery, so a new event never waits for a
  // round of sends; it then wakes the scan, which starts a worker for each endpoint with due work. Rounds
  // start at least FANOUT_GAP_MS apart: under a steady stream a round takes a few milliseconds' events at once.
  let lastRound = 0
  const fanning = serial(
    async () => {
      const wait = lastRound + FANOUT_GAP_MS - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      lastRound = performance.now()
      let total = 0
      // A round that claimed less than a full batch left nothing behind: a later event has its own NOTIFY.
      for (let count = FANOUT_BATCH; count >= FANOUT_BATCH && !stopping; ) {
        count = await fanOut(db)
        total += count
        if (count > 0) arrivals.announce()
      }
      if (total > 0) scanning.trigger()
    },
    (error) => log.error({ err: error }, 'webhook fan-out failed'),
    isStopping,
  )
  const scanning = serial(
    async () => {
      for (const endpointId of await dueEndpoints(db)) {
        if (stopping || workers.size >= config.webhookConcurrency) break
        if (endpoints.isWorking(endpointId)) continue
        const work: Promise<void> = endpoints
          .work(endpointId)
          .catch((error) => log.error({ err: error, endpointId }, 'webhook delivery failed'))
          .finally(() => {
            workers.delete(work)
            // A freed slot, or deliveries that arrived as this worker finished: look again.
            scanning.trigger()
          })
        workers.add(work)
      }
    },
    (error) => log.error({ err: error }, 'webhook scan failed'),
    isStopping,
  )
  const wake = (): void => {
    fanning.trigger()
    scanning.trigger()
  }

  return {
    async start() {
      // A NOTIFY is a new event (fan-out) or a delivery made due by hand (a resend, a test event: the scan).
      // The timer also scans for retries come due.
      unlisten = await db.listen(OUTBOX_CHANNEL, (payload) =>
        payload === DELIVERY_DUE ? scanning.trigger() : fanning.trigger(),
      )
      timer = setInterval(wake, config.webhookPollMs)
      timer.unref()
      wake()
    },
    async stop() {
      stopping = true
      if (timer) clearInterval(timer)
      await unlisten?.().catch(() => {})
      await fanning.settled()
      await scanning.settled()
      await Promise.all(workers)
      await sender.close()
    },
    async drain() {
      do {
        while (!stopping && (await fanOut(db)) > 0) {}
        await Promise.all(workers)
        await Promise.all((await dueEndpoints(db)).map((endpointId) => endpoints.work(endpointId)))
      } while (!stopping && ((await dueCount(db)) > 0 || (await pendingOutbox(db)) > 0))
    },
  }
}

async function pendingOutbox(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM outbox_events WHERE processed_at IS NULL`,
  )
  return rows[0]?.n ?? 0
}
