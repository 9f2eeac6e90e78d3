// The benchmark: starts the real service (as it ships) on the PostgreSQL server — or, with --embedded, on
// the embedded database — seeds it, drives it from this process over loopback, measures each scenario
// against a baseline taken in the same run on the same machine, prints one table and writes
// bench/results/latest.md and latest.json. Targets are reported as met or not; they never fail the run.
//
//   npm run bench [-- --only create-user,get-user] [--users 1000000] [--duration 20] [--warmup 3]
//       [--connections 10] [--embedded] [--database-url postgres://…] [--seeded-database-url postgres://…]
//       [--reseed]
//
// Never part of npm test (vitest runs test/**/*.test.ts only).
import os from 'node:os'
import type {
  Context,
  LoadTarget,
  Options,
  RunningService,
  Scenario,
  ScenarioLoadOptions,
} from './lib/context.ts'
import {
  type DatabaseEnv,
  embeddedTarget,
  postgresTarget,
  type Scratch,
  type Target,
} from './lib/databases.ts'
import { type Fixtures, readFixtures } from './lib/fixtures.ts'
import { runLoad } from './lib/load.ts'
import { describeMachine } from './lib/machine.ts'
import { killAll } from './lib/processes.ts'
import { type Report, type Row, table, writeResults } from './lib/report.ts'
import { RssSampler } from './lib/rss.ts'
import { startService, tokenOf } from './lib/service.ts'
import { idempotency, tokenThrottling } from './scenarios/abuse.ts'
import { consoleScenario } from './scenarios/console.ts'
import { createUser } from './scenarios/create-user.ts'
import { eventLoop } from './scenarios/event-loop.ts'
import { exportUsersScenario } from './scenarios/export-users.ts'
import { getUser } from './scenarios/get-user.ts'
import { listUsersScenario } from './scenarios/list-users.ts'
import { memory } from './scenarios/memory.ts'
import { retentionScenario } from './scenarios/retention.ts'
import { signIn } from './scenarios/sign-in.ts'
import { tokens } from './scenarios/tokens.ts'
import { webhooks } from './scenarios/webhooks.ts'

/** In the order they run. */
const SCENARIOS: Scenario[] = [
  createUser,
  getUser,
  listUsersScenario,
  exportUsersScenario,
  tokens,
  tokenThrottling,
  idempotency,
  webhooks,
  eventLoop,
  memory,
  retentionScenario,
  signIn,
  consoleScenario,
]

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`)
    if (index < 0) return undefined
    const next = argv[index + 1]
    if (next === undefined || next.startsWith('--')) throw new Error(`--${name} needs a value`)
    return next
  }
  const positive = (name: string, fallback: number, isInteger = true): number => {
    const raw = value(name)
    if (raw === undefined) return fallback
    const n = Number(raw.replace(/_/g, ''))
    if (!(n > 0) || (isInteger && !Number.isInteger(n)))
      throw new Error(`--${name} must be a positive number`)
    return n
  }
  const known = new Set([
    '--embedded',
    '--reseed',
    '--only',
    '--users',
    '--duration',
    '--warmup',
    '--connections',
    '--database-url',
    '--seeded-database-url',
    '--help',
  ])
  const unknown = argv.find((arg) => arg.startsWith('--') && !known.has(arg))
  if (unknown) throw new Error(`unknown flag ${unknown}`)
  const only = value('only')
  const names = only ? only.split(',').map((s) => s.trim()) : null
  const missing = names?.find((name) => !SCENARIOS.some((s) => s.name === name))
  if (missing) throw new Error(`no scenario ${missing}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`)
  const seconds = positive('duration', 20, false)
  const raw = value('warmup')
  const warmup = raw === undefined ? Math.min(3, seconds / 4) : Number(raw)
  if (!(warmup >= 0)) throw new Error('--warmup must be a number of seconds')
  return {
    embedded: argv.includes('--embedded'),
    only: names,
    users: positive('users', 1_000_000),
    seconds,
    warmup,
    connections: positive('connections', 10),
    databaseUrl:
      value('database-url') ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    seededDatabaseUrl: value('seeded-database-url') ?? null,
    reseed: argv.includes('--reseed'),
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help')) {
    process.stdout.write(
      `Usage: npm run bench -- [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--users N] [--duration s]\n` +
        '         [--warmup s] [--connections N] [--embedded] [--database-url URL] [--seeded-database-url URL] [--reseed]\n',
    )
    return 0
  }
  const options = parseOptions(argv)
  const targetOptions = {
    users: options.users,
    reseed: options.reseed,
    databaseUrl: options.databaseUrl,
    seededDatabaseUrl: options.seededDatabaseUrl,
    log,
  }
  const target: Target = options.embedded ? embeddedTarget(targetOptions) : postgresTarget(targetOptions)
  const startedAt = new Date().toISOString()
  const machine = describeMachine(await target.describe())
  const rows: Row[] = []
  const notes = new Set<string>()
  const failures: Report['failures'] = []
  const peaks: Context['peaks'] = []
  let fixtures: Promise<Fixtures> | null = null

  // Whatever a scenario started is stopped when it ends; fresh databases go after their services.
  const running = new Set<RunningService>()
  const scratches = new Set<Scratch>()
  const cleanUp = async () => {
    for (const service of running) await service.stop().catch(() => {})
    for (const scratch of scratches) await scratch.dispose().catch(() => {})
    scratches.clear()
  }
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    log(`${signal}: stopping every process this run started`)
    killAll()
    void target
      .dispose()
      .catch(() => {})
      .finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const startOn = async (database: DatabaseEnv, env: Record<string, string>): Promise<RunningService> => {
    const service = await startService(database.env.DATABASE_URL ?? '', { ...database.env, ...env })
    const rss = new RssSampler(service.child.pid as number)
    let token: string
    try {
      token = await tokenOf(service)
    } catch (error) {
      rss.stop()
      await service.stop()
      throw error
    }
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    let stopped: Promise<void> | null = null
    const running_: RunningService = {
      ...service,
      database,
      rss,
      startRss: rss.sample(),
      token,
      headers,
      async api<T>(method: string, path: string, body?: unknown): Promise<T> {
        const response = await fetch(`${service.url}${path}`, {
          method,
          headers: body === undefined ? { authorization: headers.authorization } : headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        const text = await response.text()
        if (!response.ok)
          throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`)
        return (text ? JSON.parse(text) : {}) as T
      },
      stop() {
        stopped ??= (async () => {
          rss.sample()
          rss.stop()
          await service.stop()
          running.delete(running_)
        })()
        return stopped
      },
    }
    running.add(running_)
    return running_
  }

  const selected = SCENARIOS.filter((s) => !options.only || options.only.includes(s.name))
  log(
    `${selected.length} scenario(s) on the ${options.embedded ? 'embedded database' : 'PostgreSQL server'}; ` +
      `${options.seconds} s per load after ${options.warmup} s of warm-up; ${os.availableParallelism()} cores`,
  )
  for (const scenario of selected) {
    if (interrupted) break
    const ctx: Context = {
      scenario: scenario.title,
      options,
      target,
      log,
      peaks,
      report: (row) => rows.push({ scenario: scenario.title, ...row }),
      note: (text) => notes.add(text),
      async service(database, env = {}) {
        if (database === 'seeded') return startOn((await ctx.fixtures()).database, env)
        const scratch = await target.scratch()
        scratches.add(scratch)
        return startOn(scratch, env)
      },
      async load(on: LoadTarget, load: ScenarioLoadOptions) {
        const { warmup = options.warmup, seconds = options.seconds, ...rest } = load
        if (warmup > 0) await runLoad({ ...rest, url: on.url, seconds: warmup })
        on.rss?.reset()
        const result = await runLoad({ ...rest, url: on.url, seconds })
        return { ...result, peakRss: on.rss ? on.rss.peak : null }
      },
      fixtures() {
        fixtures ??= target.seeded().then(readFixtures)
        fixtures.catch(() => {
          fixtures = null
        })
        return fixtures
      },
    }
    const started = performance.now()
    log(`${scenario.name}: running`)
    try {
      await scenario.run(ctx)
      log(`${scenario.name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      log(`${scenario.name}: FAILED: ${error instanceof Error ? error.stack : message}`)
      failures.push({ scenario: scenario.name, error: message })
      rows.push({
        scenario: scenario.title,
        metric: `failed: ${message}`,
        value: '—',
        baseline: '—',
        ratio: null,
        target: '',
        met: false,
      })
    } finally {
      await cleanUp()
    }
  }
  await target.dispose()

  const report: Report = {
    machine,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    options: { ...options },
    startedAt,
    finishedAt: new Date().toISOString(),
    rows,
    notes: [
      'Every load runs over loopback from the benchmark process against the service in its own process (the bundle npm start builds, run with the node options of the start script in package.json), bounded in time and count. Latencies are per response, in ms; p50 / p99.',
      'ratio = value ÷ baseline (throughput, latency, memory); a target row says which way it must go.',
      ...notes,
    ],
    failures,
  }
  const files = writeResults(report)
  process.stdout.write(`\n${table(rows)}\n\n`)
  log(`wrote ${files.join(' and ')}`)
  return failures.length > 0 ? 1 : 0
}

main()
  .then((code) => {
    process.exitCode = code
  })
  .catch((error) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`)
    killAll()
    process.exitCode = 1
  })
  .finally(() => {
    // Nothing may keep the process (or a child) alive once the report is written.
    killAll()
    setTimeout(() => process.exit(), 1000).unref()
  })
