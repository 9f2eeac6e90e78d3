// The knobs a bare baseline process gets from the benchmark, through its environment.
export function numberFromEnv(name: string, fallback?: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (value === undefined || !Number.isFinite(value)) throw new Error(`${name} must be a number`)
  return value
}

export const loopOptions = () => ({
  concurrency: numberFromEnv('BENCH_CONCURRENCY'),
  seconds: numberFromEnv('BENCH_SECONDS'),
  warmupSeconds: numberFromEnv('BENCH_WARMUP', 0),
})
