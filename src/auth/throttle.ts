// Token endpoint throttling: failed client authentications are counted per client id and source IP, and per
// source IP; past the threshold that pair (or that IP) is refused — the right secret too — until the window
// that began with its first failure has passed.
import { createHash } from 'node:crypto'
import type { Counter, Window } from '../http/rate-limit.ts'

export interface TokenThrottle {
  /** Seconds until this client id may try again from this IP; 0 when it may now. */
  blockedFor(clientId: string, ip: string): Promise<number>
  /** Counts one failed authentication of the client id from the IP. */
  recordFailure(clientId: string, ip: string): Promise<void>
}

/** A client id is whatever the caller sent: the key holds a digest of it, bounded in size. */
const digest = (clientId: string) => createHash('sha256').update(clientId).digest('base64url').slice(0, 22)

export function createTokenThrottle(
  count: Counter,
  { maxFailures, windowSeconds }: { maxFailures: number; windowSeconds: number },
): TokenThrottle {
  const window: Window = { max: maxFailures, windowSeconds }
  const keys = (clientId: string, ip: string) => [`tf:pair:${ip}:${digest(clientId)}`, `tf:ip:${ip}`]
  return {
    async blockedFor(clientId, ip) {
      const counts = await Promise.all(
        keys(clientId, ip).map((key) => count(key, window, { isReadOnly: true })),
      )
      const blocking = counts.filter((c) => c.isExceeded).map((c) => c.resetInMs)
      return blocking.length === 0 ? 0 : Math.max(1, Math.ceil(Math.max(...blocking) / 1000))
    },
    async recordFailure(clientId, ip) {
      await Promise.all(keys(clientId, ip).map((key) => count(key, window)))
    },
  }
}

export interface IpThrottle {
  /** Seconds until this IP may try again; 0 when it may now. */
  blockedFor(ip: string): Promise<number>
  recordFailure(ip: string): Promise<void>
}

/**
 * Failed sign-ins per source IP, whatever the account: one address trying many accounts (each below its own
 * lock) is stopped here. Its own keys (`prefix`), apart from the token endpoint's.
 */
export function createIpThrottle(
  count: Counter,
  prefix: string,
  { maxFailures, windowSeconds }: { maxFailures: number; windowSeconds: number },
): IpThrottle {
  const window: Window = { max: maxFailures, windowSeconds }
  return {
    async blockedFor(ip) {
      const counted = await count(`${prefix}:ip:${ip}`, window, { isReadOnly: true })
      return counted.isExceeded ? Math.max(1, Math.ceil(counted.resetInMs / 1000)) : 0
    },
    async recordFailure(ip) {
      await count(`${prefix}:ip:${ip}`, window)
    },
  }
}
