// What a scenario gets: the options, the database target, a way to start the real service (its RSS
// sampled), to drive a load at it, to read the seeded database's facts, and to report rows.

import type { DatabaseEnv, Target } from './databases.ts'
import type { Fixtures } from './fixtures.ts'
import type { LoadOptions, LoadResult } from './load.ts'
import type { Row } from './report.ts'
import type { RssSampler } from './rss.ts'
import type { Service } from './service.ts'

export interface Options {
  embedded: boolean
  only: string[] | null
  users: number
  /** Seconds of each measured load. */
  seconds: number
  /** Seconds of warm-up before a load (not counted). */
  warmup: number
  /** Concurrency of the throughput loads (create, get, tokens) and of their baselines. */
  connections: number
  databaseUrl: string
  seededDatabaseUrl: string | null
  reseed: boolean
}

export interface RunningService extends Service {
  /** The database it runs on (a fresh one is dropped when the scenario ends, not before). */
  database: DatabaseEnv
  rss: RssSampler
  /** RSS right after start and a first token request: the service idle, warmed by nothing else. */
  startRss: number
  token: string
  /** Authorization and content-type headers for JSON requests. */
  headers: Record<string, string>
  /** A JSON request that must answer 2xx; resolves to the parsed body. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>
}

/** Anything a load can be driven at: the service, or a bare baseline server. */
export interface LoadTarget {
  url: string
  rss?: RssSampler
}

export type ScenarioLoadOptions = Omit<LoadOptions, 'url' | 'seconds'> & {
  seconds?: number
  /** Warm-up seconds before the measured run; the run's default (--warmup) when absent. */
  warmup?: number
}

export interface Context {
  /** The running scenario's name. */
  scenario: string
  options: Options
  target: Target
  log(message: string): void
  report(row: Omit<Row, 'scenario'>): void
  /** A line for the notes under the table (each distinct line once). */
  note(text: string): void
  /** Starts the real service on a fresh database or on the seeded one; stopped at the latest when the scenario ends. */
  service(database: 'scratch' | 'seeded', env?: Record<string, string>): Promise<RunningService>
  /** Warm-up, then the measured load; peakRss is the target's peak RSS during the measured part. */
  load(target: LoadTarget, options: ScenarioLoadOptions): Promise<LoadResult & { peakRss: number | null }>
  /** Facts of the seeded database (seeding it first when needed). */
  fixtures(): Promise<Fixtures>
  /** Peak RSS of the service under each load so far in this run (shared by all scenarios). */
  peaks: { scenario: string; label: string; bytes: number | null }[]
}

export interface Scenario {
  name: string
  /** The heading in the table. */
  title: string
  run(ctx: Context): Promise<void>
}
