// HTTP load over loopback with autocannon's programmatic API. Bodies and paths that must differ per request
// (unique emails, random ids) come from setupRequest: autocannon then sizes Content-Length from the body it
// is given (its --idReplacement flag would send a wrong one). Latencies are taken from each response's own
// timing, in fractional ms (autocannon's histogram keeps whole ms). Always bounded: by duration, by count
// and by a wall-clock guard that stops the run.
import autocannon from 'autocannon'
import { type Measured, summarize } from './measure.ts'

export interface LoadOptions {
  /** The base URL; must be a loopback address. */
  url: string
  method?: 'GET' | 'POST' | 'PATCH'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Per-request variation: a new path, body and/or headers (added to `headers`) for each request. */
  setup?: () => { path?: string; body?: string; headers?: Record<string, string> }
  connections: number
  /** Seconds; the run stops then even if `amount` is not reached. */
  seconds: number
  /** At most this many requests. */
  amount?: number
  /** Requests per second across all connections (open loop); unlimited when absent. */
  overallRate?: number
  /** Seconds a single request may take before it counts as a timeout. */
  timeoutSeconds?: number
  /** Return each successful request's latency too (for combineLoads; not kept in the results file). */
  keepLatencies?: boolean
}

export interface LoadResult extends Measured {
  non2xx: number
  timeouts: number
  statuses: Record<string, number>
  /** With keepLatencies: every successful request's latency, in ms. */
  latencies?: number[]
}

/**
 * Rounds of one load, taken apart in time (interleaved with another target's), as one result: requests and
 * seconds added up, percentiles over every round's latencies (kept with keepLatencies), the highest peak RSS.
 */
export function combineLoads<R extends LoadResult & { peakRss: number | null }>(rounds: R[]): R {
  const latencies = rounds.flatMap((r) => r.latencies ?? [])
  const errors = rounds.reduce((n, r) => n + r.errors, 0)
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0)
  const statuses: Record<string, number> = {}
  for (const r of rounds)
    for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  const peaks = rounds.map((r) => r.peakRss).filter((p): p is number => p !== null)
  return {
    ...(rounds[0] as R),
    ...summarize(latencies, errors, seconds),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    timeouts: rounds.reduce((n, r) => n + r.timeouts, 0),
    statuses,
    latencies: undefined,
    peakRss: peaks.length > 0 ? Math.max(...peaks) : null,
  }
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]')
    throw new Error(`load generation is loopback only, not ${host}`)
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  assertLoopback(options.url)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  const request: autocannon.Request = {
    method: options.method ?? 'GET',
    path: options.path,
    headers: options.headers ?? {},
  }
  if (options.body !== undefined) request.body = options.body
  const setup = options.setup
  if (setup) {
    request.setupRequest = (req) => {
      const next = setup()
      return {
        ...req,
        ...(next.path === undefined ? {} : { path: next.path }),
        ...(next.body === undefined ? {} : { body: next.body }),
        ...(next.headers === undefined ? {} : { headers: { ...req.headers, ...next.headers } }),
      }
    }
  }
  const opts: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: options.timeoutSeconds ?? 30,
    requests: [request],
  }
  if (options.amount !== undefined) opts.amount = options.amount
  if (options.overallRate !== undefined) opts.overallRate = options.overallRate
  const started = performance.now()
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (error, result) => {
      clearTimeout(guard)
      if (error) reject(error)
      else resolve(result)
    })
    // With `amount`, autocannon ignores the duration: stop it then (and a little later in any case).
    const guard = setTimeout(() => instance.stop(), (options.seconds + (options.timeoutSeconds ?? 30)) * 1000)
    if (options.amount !== undefined) setTimeout(() => instance.stop(), options.seconds * 1000).unref()
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
    })
  })
  const seconds = (performance.now() - started) / 1000
  const measured = summarize(latencies, result.errors + result.non2xx, seconds)
  return {
    ...measured,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    statuses,
    ...(options.keepLatencies ? { latencies } : {}),
  }
}
