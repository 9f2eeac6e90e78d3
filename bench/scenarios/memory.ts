// 7. Memory: the service's RSS idle (started, one token issued, then left alone for SETTLE_MS; the highest
// sample over SAMPLE_MS after that) against a bare Fastify process with the same pool, idle alike; and the
// highest peak RSS under the loads of the scenarios run before this one. Target: RSS < 150 MB idle.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Scenario } from '../lib/context.ts'
import { startChildServer } from '../lib/processes.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { RssSampler } from '../lib/rss.ts'
import { startService, tokenOf } from '../lib/service.ts'

const SETTLE_MS = 5_000
const SAMPLE_MS = 3_000
const TARGET_MB = 150

async function idleRss(sampler: RssSampler): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  sampler.reset()
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))
  return sampler.peak
}

export const memory: Scenario = {
  name: 'memory',
  title: '7. memory',
  async run(ctx) {
    const service = await ctx.service('scratch')
    const idle = await idleRss(service.rss)
    await service.stop()

    const bare = await startChildServer('bench/lib/baselines/bare-get.ts', service.database.env)
    const bareSampler = new RssSampler(bare.child.pid as number)
    let bareIdle: number
    try {
      // One request that reaches the database, as the service's token request did.
      await (await fetch(`${bare.url}/users/${randomUUID()}/${randomUUID()}`)).arrayBuffer()
      bareIdle = await idleRss(bareSampler)
    } finally {
      bareSampler.stop()
      await bare.stop()
    }
    ctx.report({
      metric: 'RSS idle (started, one token issued, then idle)',
      value: fmt.mb(idle),
      baseline: fmt.mb(bareIdle),
      ratio: ratioOf(idle, bareIdle),
      target: `< ${TARGET_MB} MB`,
      met: idle < TARGET_MB * 1024 * 1024,
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
        let embeddedIdle: number
        try {
          await tokenOf(embedded)
          embeddedIdle = await idleRss(sampler)
        } finally {
          sampler.stop()
          await embedded.stop()
        }
        ctx.report({
          metric: 'RSS idle on the embedded database (npm start defaults, DATA_DIR, second start)',
          value: fmt.mb(embeddedIdle),
          baseline: fmt.mb(idle),
          ratio: ratioOf(embeddedIdle, idle),
          target: '< 110 MB',
          met: embeddedIdle < 110 * 1024 * 1024,
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
        baseline: fmt.mb(idle),
        ratio: ratioOf(highest.bytes, idle),
        target: '',
        met: null,
        data: { peaks },
      })
    }
    ctx.note(
      'memory: RSS is VmRSS of the service process (/proc/<pid>/status), sampled every 100 ms. Baseline = the bare Fastify route process (node --import tsx, the same openDatabase pool) idle alike. With --embedded the database itself lives in the service process, and in its RSS; on PostgreSQL a second row starts the service as the README does (embedded database in a fresh DATA_DIR), against the idle RSS on PostgreSQL.',
    )
  },
}
