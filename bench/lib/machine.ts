// The machine a run was taken on: CPU model (/proc/cpuinfo), cores, memory, OS, Node, the database.
import fs from 'node:fs'
import os from 'node:os'
import { defaultHashConcurrency } from '../../src/config.ts'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: string
  os: string
  node: string
  database: string
  loadAverage: string
}

function cpuModel(): string {
  try {
    const model = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1]
    if (model) return model.trim()
  } catch {}
  return os.cpus()[0]?.model.trim() || 'unknown CPU'
}

export function describeMachine(database: string): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    database,
    loadAverage: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  }
}

/** How many passwords the service hashes at once (PASSWORD_HASH_CONCURRENCY, default cores − 1, at least 1). */
export const serviceHashBound = (): number =>
  Number(process.env.PASSWORD_HASH_CONCURRENCY) || defaultHashConcurrency()
