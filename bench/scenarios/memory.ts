// 7. Memory: the service's RSS idle (started, one token issued, then left alone; the highest sample over
// SAMPLE_MS, once at STARTED_MS and once at SETTLED_MS) against a bare Fastify process with the same pool, idle
// alike; and the highest peak RSS under the loads of the scenarios run before this one. Target: RSS < 150 MB
// idle, settled. Settled: V8 keeps the heap that start-up grew (its young generation at its largest, among
// others) until its memory reducer runs, about 25 s into an idle spell; before that the RSS says more about
// start-up than about a service left alone (on PostgreSQL 193 MB at 5 s, 127 MB from 25 s on).
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Scenario } from '../lib/context.ts'
import { startChildServer } from '../lib/processes.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { RssSampler } from '../lib/rss.ts'
import { startService, tokenOf } from '../lib/service.ts'

const STARTED_MS = 5_000
const SETTLED_MS = 35_000
const SAMPLE_MS = 3_000
const TARGET_MB = 150

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())))

/** A process's idle RSS in bytes: the highest sample over SAMPLE_MS from STARTED_MS on, and from SETTLED_MS on. */
type IdleRss = { started: number; settled: number }

async function idleRss(sampler: RssSampler): Promise<IdleRss> {
  const from = performance.now()
  const peakFrom = async (ms: number) => {
    await sleepUntil(from + ms)
    sampler.reset()
    await sleepUntil(from + ms + SAMPLE_MS)
    return sampler.peak
  }
  const started = await peakFrom(STARTED_MS)
  return { started, settled: await peakFrom(SETTLED_MS) }
}

const settledMetric = (what: string) =>
  `${what}, settled (${SETTLED_MS / 1000} s alone: V8's memory reducer has run); just started (${STARTED_MS / 1000} s)`

const rssPair = (rss: IdleRss) => `${fmt.mb(rss.settled).replace(' MB', '')} / ${fmt.mb(rss.started)}`

export const memory: Scenario = {
  name: 'memory',
  title: '7. memory',
  async run(ctx) {
    const service = await ctx.service('scratch')
    const idle = await idleRss(service.rss)
    await service.stop()

    const bare = await startChildServer('bench/lib/baselines/bare-get.ts', service.database.env)
    const bareSampler = new RssSampler(bare.child.pid as number)
    let bareIdle: IdleRss
    try {
      // One request that reaches the database, as the service's token request did.
      await (await fetch(`${bare.url}/users/${randomUUID()}/${randomUUID()}`)).arrayBuffer()
      bareIdle = await idleRss(bareSampler)
    } finally {
      bareSampler.stop()
      await bare.stop()
    }
    ctx.report({
      metric: settledMetric('RSS idle (started, one token issued, then idle)'),
      value: rssPair(idle),
      baseline: rssPair(bareIdle),
      ratio: ratioOf(idle.settled, bareIdle.settled),
      target: `< ${TARGET_MB} MB settled`,
      met: idle.settled < TARGET_MB * 1024 * 1024,
      data: { idle, bareIdle },
    })
    // The README's way to run it: `npm start` with no DATABASE_URL, the embedded database in DATA_DIR. Started
    // twice on one fresh directory, measured on the second start (the first one also runs initdb).
    if (!ctx.options.embedded) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reseller-api-bench-rss-'))
      try {
        const env = { DATABASE_URL: '', DATA_DIR: dataDir }
        await (await startService('', env)).stop()
        const embedded = await startService('', env)
        const sampler = new RssSampler(embedded.child.pid as number)
        let embeddedIdle: IdleRss
        try {
          await tokenOf(embedded)
          embeddedIdle = await idleRss(sampler)
        } finally {
          sampler.stop()
          await embedded.stop()
        }
        ctx.report({
          metric: settledMetric(
            'RSS idle on the embedded database (npm start defaults, DATA_DIR, second start)',
          ),
          value: rssPair(embeddedIdle),
          baseline: rssPair(idle),
          ratio: ratioOf(embeddedIdle.settled, idle.settled),
          target: '< 110 MB settled',
          met: embeddedIdle.settled < 110 * 1024 * 1024,
          data: { embeddedIdle },
        })
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true })
      }
    }
    const peaks = ctx.peaks.filter((p) => p.bytes !== null)
    const highest = peaks.reduce<(typeof peaks)[number] | null>(
      (a, b) => (a === null || (b.bytes ?? 0) > (a.bytes ?? 0) ? b : a),
      null,
    )
    if (highest) {
      ctx.report({
        metric: `highest peak RSS under load this run (${highest.scenario})`,
        value: fmt.mb(highest.bytes),
        baseline: fmt.mb(idle.settled),
        ratio: ratioOf(highest.bytes, idle.settled),
        target: '',
        met: null,
        data: { peaks },
      })
    }
    ctx.note(
      `memory: RSS is VmRSS of the service process (/proc/<pid>/status), sampled every 100 ms; idle = the highest sample over ${SAMPLE_MS / 1000} s, ${SETTLED_MS / 1000} s after start-up (settled: V8 releases the heap start-up grew when its memory reducer runs, about 25 s into an idle spell) and ${STARTED_MS / 1000} s after it (just started). Baseline = the bare Fastify route process (node --import tsx, the same openDatabase pool) idle alike. With --embedded the database itself lives in the service process, and in its RSS; on PostgreSQL a second row starts the service as the README does (embedded database in a fresh DATA_DIR), against the idle RSS on PostgreSQL.`,
    )
  },
}
