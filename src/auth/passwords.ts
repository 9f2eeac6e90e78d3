// Passwords: argon2id with at least OWASP's parameters, hashed on worker threads of low CPU priority, never on
// the event loop.
import { createRequire } from 'node:module'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { hash } from '@node-rs/argon2'

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. Algorithm 2 is Argon2id (a const enum upstream).
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

// One hashing thread per core: more cannot hash faster. Each runs at nice 10 (Linux sets the priority of the
// calling thread alone): when the cores are all busy, the event loop and the database go first, so a GET
// does not wait behind a password. hashSync there rather than hash() here, because hash() also does part of
// its work (about 0.3 ms, growing with the memory cost) on the calling thread before it leaves for libuv's.
// At most four, as libuv's pool had: Node 20 counts the host's cores, not a container's CPU quota, and each
// hash holds 19 MiB while it runs.
const SIZE = Math.max(1, Math.min(os.availableParallelism(), 4))
const NICE = 10
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
if (process.platform === 'linux') {
  try { require('node:os').setPriority(0, workerData.nice) } catch {}
}
const { hashSync } = require(workerData.argon2)
parentPort.on('message', ({ id, password }) => {
  try {
    parentPort.postMessage({ id, hash: hashSync(password, workerData.options) })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) })
  }
})`

interface Task {
  id: number
  password: string
  resolve: (hash: string) => void
  reject: (error: Error) => void
}

interface Hasher {
  worker: Worker
  task: Task | null
  /** It has answered a hash: a later death is its task's failure, not a sign that threads cannot hash. */
  hasHashed: boolean
}

const queue: Task[] = []
const hashers: Hasher[] = []
let nextId = 0
/** Worker threads could not be started (a restricted runtime): hash on libuv's pool instead. */
let isWorkerless = false

function startHasher(): Hasher {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      argon2: createRequire(import.meta.url).resolve('@node-rs/argon2'),
      options: ARGON2_OPTIONS,
      nice: NICE,
    },
  })
  // Idle hashers do not keep the process alive.
  worker.unref()
  const hasher: Hasher = { worker, task: null, hasHashed: false }
  worker.on('message', (message: { id: number; hash?: string; error?: string }) => {
    const task = hasher.task
    hasher.task = null
    worker.unref()
    if (task?.id === message.id) {
      if (message.hash !== undefined) {
        hasher.hasHashed = true
        task.resolve(message.hash)
      } else task.reject(new Error(`argon2 hashing failed: ${message.error}`))
    }
    dispatch()
  })
  let hasFailed = false
  const fail = (error: Error) => {
    if (hasFailed) return
    hasFailed = true
    const index = hashers.indexOf(hasher)
    if (index >= 0) hashers.splice(index, 1)
    // A thread that dies before its first hash (argon2 cannot load there): hash on libuv's pool from now on,
    // its task included, rather than start one failing thread per password.
    if (!hasher.hasHashed) {
      if (hasher.task) queue.unshift(hasher.task)
      hasher.task = null
      useLibuv()
      return
    }
    hasher.task?.reject(error)
    hasher.task = null
    dispatch()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`argon2 hashing thread exited with ${code}`)))
  return hasher
}

/** Worker threads cannot be used: every queued password and every later one is hashed on libuv's pool. */
function useLibuv(): void {
  isWorkerless = true
  for (const task of queue.splice(0)) hash(task.password, ARGON2_OPTIONS).then(task.resolve, task.reject)
}

function dispatch(): void {
  while (queue.length > 0 && !isWorkerless) {
    let hasher = hashers.find((h) => h.task === null)
    if (!hasher && hashers.length < SIZE) {
      try {
        hasher = startHasher()
      } catch {
        useLibuv()
        return
      }
      hashers.push(hasher)
    }
    if (!hasher) return
    const task = queue.shift() as Task
    hasher.task = task
    hasher.worker.ref()
    hasher.worker.postMessage({ id: task.id, password: task.password })
  }
}

export function hashPassword(password: string): Promise<string> {
  if (isWorkerless) return hash(password, ARGON2_OPTIONS)
  return new Promise<string>((resolve, reject) => {
    queue.push({ id: nextId++, password, resolve, reject })
    dispatch()
  })
}
