// The retention job: purgeOnce (one run, also what the benchmark calls) and the loop that runs it every
// RETENTION_INTERVAL_S beside the webhook dispatcher, in the API process and in npm run worker alike.
import type { FastifyBaseLogger } from 'fastify'
import type { RetentionConfig } from '../config.ts'
import type { Db } from '../db/connection.ts'
import { purgeAuditEvents } from './audit.ts'
import {
  inBatches,
  purgeAccountLinksBatch,
  purgeDeliveriesBatch,
  purgeIdempotencyBatch,
  purgeOutboxBatch,
  purgeRefreshTokensBatch,
  purgeSessionsBatch,
} from './purge.ts'

export interface PurgeCounts {
  outboxEvents: number
  deliveries: number
  idempotencyKeys: number
  accountLinks: number
  refreshTokens: number
  sessions: number
  auditEvents: number
}

export type PurgeRules = Pick<RetentionConfig, 'batchSize' | 'outboxHours' | 'deliveriesDays' | 'auditDays'>

/**
 * One purge run: everything due, batch after batch, until nothing more is due or `isStopping` says so.
 * Any number of runs may go at once, in one process or many: each row is deleted by one of them.
 */
export async function purgeOnce(
  db: Db,
  rules: PurgeRules,
  isStopping: () => boolean = () => false,
): Promise<PurgeCounts> {
  const { batchSize } = rules
  const outboxEvents = await inBatches(batchSize, isStopping, () =>
    purgeOutboxBatch(db, rules.outboxHours, batchSize),
  )
  const deliveries =
    rules.deliveriesDays === 0
      ? 0
      : await inBatches(batchSize, isStopping, () =>
          purgeDeliveriesBatch(db, rules.deliveriesDays, batchSize),
        )
  const idempotencyKeys = await inBatches(batchSize, isStopping, () => purgeIdempotencyBatch(db, batchSize))
  const accountLinks = await inBatches(batchSize, isStopping, () => purgeAccountLinksBatch(db, batchSize))
  // Tokens first: a session goes once it has none left.
  const refreshTokens = await inBatches(batchSize, isStopping, () => purgeRefreshTokensBatch(db, batchSize))
  const sessions = await inBatches(batchSize, isStopping, () => purgeSessionsBatch(db, batchSize))
  const auditEvents =
    rules.auditDays === 0 ? 0 : await purgeAuditEvents(db, rules.auditDays, batchSize, isStopping)
  return { outboxEvents, deliveries, idempotencyKeys, accountLinks, refreshTokens, sessions, auditEvents }
}

export interface Retention {
  start(): void
  /** Stops after the batch in progress; resolves when the run (if any) has ended. */
  stop(): Promise<void>
  /** One run now (tests); never at once with the loop's own run. */
  runOnce(): Promise<PurgeCounts>
}

type Log = Pick<FastifyBaseLogger, 'info' | 'debug' | 'error'>

export function createRetention(db: Db, config: RetentionConfig, log: Log): Retention {
  let isStopping = false
  let timer: NodeJS.Timeout | null = null
  let current: Promise<PurgeCounts> | null = null

  const run = (): Promise<PurgeCounts> => {
    current ??= (async () => {
      const started = performance.now()
      try {
        const purged = await purgeOnce(db, config, () => isStopping)
        const ms = Math.round(performance.now() - started)
        // One line per run, with the counts; a run that found nothing is only worth a debug line.
        const total = Object.values(purged).reduce((sum, n) => sum + n, 0)
        if (total > 0) log.info({ purged, ms }, 'retention purge')
        else log.debug({ purged, ms }, 'retention purge: nothing due')
        return purged
      } finally {
        current = null
      }
    })()
    return current
  }

  const schedule = (delayMs: number): void => {
    if (isStopping) return
    timer = setTimeout(() => {
      run()
        .catch((error) => log.error({ err: error }, 'retention purge failed'))
        .finally(() => schedule(config.intervalSeconds * 1000))
    }, delayMs)
    timer.unref()
  }

  return {
    start() {
      // The first run soon after start, apart from the start's own work.
      schedule(Math.min(5_000, config.intervalSeconds * 1000))
    },
    async stop() {
      isStopping = true
      if (timer) clearTimeout(timer)
      await current?.catch(() => {})
    },
    runOnce: run,
  }
}
