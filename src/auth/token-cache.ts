// Tokens whose signature this process has checked, so that a client's next request costs a map lookup, not an
// ES256 verify. Keyed by the token's SHA-256 (the bearer credential itself is never a key held in memory),
// least recently used first out, each entry gone when its token expires. Only what the signature proved is
// kept: whether the token may still be used (its key still held, its client still active) is asked anew on
// every request by the caller.
import { createHash } from 'node:crypto'

export interface CachedToken<T> {
  claims: T
  /** The key that signed it: a hit counts only while the process still holds that key. */
  kid: string
  /** When the token expires (ms since the epoch). */
  expiresAt: number
}

export function createTokenCache<T>(maxEntries: number) {
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recently used first.
  const entries = new Map<string, CachedToken<T>>()
  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url')
  return {
    get size() {
      return entries.size
    },
    keyOf,
    /** The entry of a token (by its key), or undefined; a hit moves it to the back. */
    get(key: string): CachedToken<T> | undefined {
      const entry = entries.get(key)
      if (entry) {
        entries.delete(key)
        entries.set(key, entry)
      }
      return entry
    },
    set(key: string, entry: CachedToken<T>): void {
      if (maxEntries <= 0) return
      entries.delete(key)
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, entry)
    },
    delete(key: string): void {
      entries.delete(key)
    },
  }
}
