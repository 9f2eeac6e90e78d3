// Resident set size of another process: VmRSS of /proc/<pid>/status (Linux), `ps -o rss=` elsewhere.
// A sampler reads it every 100 ms and keeps the peak since its last reset.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'

/** Bytes, or null once the process is gone. */
export function readRss(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1]
    return kb === undefined ? null : Number(kb) * 1024
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync('/proc/self/status')) return null
  }
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim())
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : null
  } catch {
    return null
  }
}

export class RssSampler {
  /** The latest sample, in bytes. */
  current = 0
  /** The highest sample since the last reset, in bytes. */
  peak = 0
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample()
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
  }

  sample(): number {
    const rss = readRss(this.pid)
    if (rss !== null) {
      this.current = rss
      this.peak = Math.max(this.peak, rss)
    }
    return this.current
  }

  /** Starts a new peak from the current value. */
  reset(): void {
    this.peak = this.sample()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
