// Passwords: argon2id with at least OWASP's parameters, hashed on worker threads of low CPU priority, never on
// the event loop, a bounded number at once.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { hash, verify } from '@node-rs/argon2'
import { defaultHashConcurrency } from '../config.ts'

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. Algorithm 2 is Argon2id (a const enum upstream).
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

// Hashing threads each run at nice 10 (Linux sets the priority of the calling thread alone): when the cores
// are all busy, the event loop and the database go first. hashSync there rather than hash() here, because
// hash() also does part of its work (about 0.3 ms, growing with the memory cost) on the calling thread before
// it leaves for libuv's. How many hash at once is bounded (PASSWORD_HASH_CONCURRENCY; see
// defaultHashConcurrency): nice alone does not leave a core to reads, it only orders who waits, and a burst
// of creates would hold every core; past the bound, passwords wait in a queue (first come, first hashed).

let concurrency = defaultHashConcurrency()
const NICE = 10
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
if (process.platform === 'linux') {
  try { require('node:os').setPriority(0, workerData.nice) } catch {}
}
const { hashSync, verifySync } = require(workerData.argon2)
parentPort.on('message', ({ id, password, hashed }) => {
  try {
    if (hashed === undefined) parentPort.postMessage({ id, hash: hashSync(password, workerData.options) })
    else parentPort.postMessage({ id, matches: verifySync(hashed, password) })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) })
  }
})`

interface Task {
  id: number
  password: string
  /** A stored hash to verify the password against; undefined: hash the password. */
  hashed?: string
  /** The new hash, or whether the password matched. */
  resolve: (result: string | boolean) => void
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
/** Hashes running now (on threads or libuv's pool), and the most that ever ran at once. */
let inFlight = 0
let peakInFlight = 0
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
  worker.on('message', (message: { id: number; hash?: string; matches?: boolean; error?: string }) => {
    const task = hasher.task
    if (task) release(hasher)
    worker.unref()
    if (task?.id === message.id) {
      const result = message.hash ?? message.matches
      if (result !== undefined) {
        hasher.hasHashed = true
        task.resolve(result)
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
    const task = hasher.task
    if (task) release(hasher)
    if (!hasher.hasHashed) {
      if (task) queue.unshift(task)
      useLibuv()
      return
    }
    task?.reject(error)
    dispatch()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`argon2 hashing thread exited with ${code}`)))
  return hasher
}

/** A hasher's task is done (or handed back): its slot is free. */
function release(hasher: Hasher): void {
  hasher.task = null
  inFlight--
}

/** Worker threads cannot be used: every queued password and every later one is hashed on libuv's pool. */
function useLibuv(): void {
  isWorkerless = true
  dispatch()
}

function dispatch(): void {
  while (queue.length > 0 && inFlight < concurrency) {
    if (isWorkerless) {
      const task = queue.shift() as Task
      begin()
      ;(task.hashed === undefined ? hash(task.password, ARGON2_OPTIONS) : verify(task.hashed, task.password))
        .then(task.resolve, task.reject)
        .finally(() => {
          inFlight--
          dispatch()
        })
      continue
    }
    let hasher = hashers.find((h) => h.task === null)
    if (!hasher) {
      try {
        hasher = startHasher()
      } catch {
        useLibuv()
        return
      }
      hashers.push(hasher)
    }
    const task = queue.shift() as Task
    hasher.task = task
    begin()
    hasher.worker.ref()
    hasher.worker.postMessage({ id: task.id, password: task.password, hashed: task.hashed })
  }
}

function begin(): void {
  inFlight++
  peakInFlight = Math.max(peakInFlight, inFlight)
}

export function hashPassword(password: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    queue.push({ id: nextId++, password, resolve: (result) => resolve(result as string), reject })
    dispatch()
  })
}

/**
 * Whether the password is the one a stored argon2id hash was made from: on the same threads and queue as
 * hashing (a verification costs what a hash does), so a burst of sign-ins waits its turn like a burst of
 * creates. A hash that cannot be read is no match.
 */
export function verifyPassword(password: string, hashed: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    queue.push({
      id: nextId++,
      password,
      hashed,
      resolve: (result) => resolve(result === true),
      reject: () => resolve(false),
    })
    dispatch()
  })
}

/**
 * What a password is checked against when there is no hash to check it against (an unknown email, a user with
 * no password yet), so that the answer takes as long as for a known user: an argon2id hash of a random value
 * nobody kept, made with ARGON2_OPTIONS (test/auth/passwords.test.ts holds its parameters to them).
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$Bs/mbTJcb5yNT/vA3Iyw7Q$YbfeO8wcG5MQy/zxSnObCFHfG/KQ78rw5KC8Xabroxg'

/** How many passwords may hash at once (PASSWORD_HASH_CONCURRENCY, set at start); queued ones wait. */
export function setHashConcurrency(value: number): void {
  concurrency = Math.max(1, Math.floor(value))
  dispatch()
}

/** The hashing queue now: for the metrics, and for tests to see the bound held. */
export function hashingState(): {
  concurrency: number
  inFlight: number
  queued: number
  peakInFlight: number
} {
  return { concurrency, inFlight, queued: queue.length, peakInFlight }
}

/** Forget the highest in-flight count seen so far (tests measure a burst from here). */
export function resetPeakInFlight(): void {
  peakInFlight = inFlight
}
