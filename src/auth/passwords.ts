// Passwords: argon2id with at least OWASP's parameters, hashed on libuv's thread pool, never on the event loop.
import os from 'node:os'
import { hash } from '@node-rs/argon2'

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. Algorithm 2 is Argon2id (a const enum upstream).
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

// At most one hash per core at a time: more cannot hash faster, and libuv's four threads on two cores
// would take the event loop's share of the CPU, so every other request would wait behind the hashing.
const MAX_CONCURRENT = Math.max(1, os.availableParallelism())
let running = 0
const waiting: (() => void)[] = []

async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await task()
  } finally {
    running--
    waiting.shift()?.()
  }
}

export const hashPassword = (password: string): Promise<string> =>
  limited(() => hash(password, ARGON2_OPTIONS))
