// How busy the machine's CPUs were over an interval: from /proc/stat (Linux), the share of all cores'
// time not idle (idle + iowait), in cores. Null elsewhere. Shows whether a load really saturated the cores.
import fs from 'node:fs'

interface Ticks {
  busy: number
  total: number
}

function readTicks(): Ticks | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    return { busy: total - idle, total }
  } catch {
    return null
  }
}

/** Starts measuring; the returned function gives the busy cores (e.g. 1.9 of 2) since the start. */
export function cpuBusy(cores: number): () => number | null {
  const start = readTicks()
  return () => {
    const end = readTicks()
    if (!start || !end || end.total === start.total) return null
    return ((end.busy - start.busy) / (end.total - start.total)) * cores
  }
}
