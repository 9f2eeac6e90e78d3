// Passwords: argon2id with at least OWASP's parameters, hashed on libuv's thread pool, never on the event loop.
import { hash, verify } from '@node-rs/argon2'

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. Algorithm 2 is Argon2id (a const enum upstream).
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2_OPTIONS)

export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  verify(passwordHash, password)
