// What every load and every baseline reduces to, and the closed loop that baselines run: N workers, each
// repeating one operation back to back until the time is up (the same shape as N keep-alive connections).
import { percentile } from './service.ts'

export interface Measured {
  /** Operations that succeeded. */
  ok: number
  /** Operations that failed (errors, timeouts, non-2xx answers). */
  errors: number
  /** Wall-clock seconds the measurement took. */
  seconds: number
  /** Successful operations per second. */
  rps: number
  /** Latency percentiles of the successful operations, in ms. */
  p50: number
  p99: number
  max: number
}

export function summarize(latencies: number[], errors: number, seconds: number): Measured {
  const sorted = Float64Array.from(latencies).sort()
  const list = Array.from(sorted)
  return {
    ok: list.length,
    errors,
    seconds,
    rps: list.length / seconds,
    p50: percentile(list, 50),
    p99: percentile(list, 99),
    max: list.length ? (list[list.length - 1] as number) : Number.NaN,
  }
}

export interface LoopOptions {
  concurrency: number
  seconds: number
  /** Seconds run first and not counted. */
  warmupSeconds?: number
  /** An upper bound on the operations counted. */
  maxOperations?: number
}

/** Runs op with `concurrency` workers back to back for `seconds` (after the warm-up). */
export async function closedLoop(options: LoopOptions, op: (i: number) => Promise<void>): Promise<Measured> {
  let i = 0
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = []
    let errors = 0
    const started = performance.now()
    const deadline = started + seconds * 1000
    const max = options.maxOperations ?? Number.POSITIVE_INFINITY
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline && latencies.length + errors < max) {
          const t = performance.now()
          try {
            await op(i++)
            latencies.push(performance.now() - t)
          } catch {
            errors++
          }
        }
      }),
    )
    return record ? summarize(latencies, errors, (performance.now() - started) / 1000) : null
  }
  if (options.warmupSeconds) await run(options.warmupSeconds, false)
  return (await run(options.seconds, true)) as Measured
}
