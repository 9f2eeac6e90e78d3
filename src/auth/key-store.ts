// The signing keys a process holds, kept current: reloaded every minute (which also rotates them when due and
// drops expired ones), and at once, at most once a second, when a token names a key this process has not seen
// (another process rotated first).
import type { Db } from '../db/connection.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { type KeyPolicy, loadSigningKeys, type SigningKeys } from './keys.ts'

export const RELOAD_INTERVAL_MS = 60_000
const UNKNOWN_KID_RELOAD_GAP_MS = 1_000

export interface KeyStore {
  current(): SigningKeys
  /** Reloads now (rotating when due); tests and the unknown-kid path. */
  reload(): Promise<SigningKeys>
  /** Reloads unless a reload ran within the last second; answers the keys either way. */
  reloadForUnknownKid(): Promise<SigningKeys>
  /** Stops the periodic reload. */
  stop(): void
}

export async function createKeyStore(
  db: Db,
  keyring: Keyring,
  policy: KeyPolicy,
  onError: (error: unknown) => void,
): Promise<KeyStore> {
  let keys = await loadSigningKeys(db, keyring, policy)
  let lastReload = Date.now()
  let inFlight: Promise<SigningKeys> | null = null

  const reload = (): Promise<SigningKeys> => {
    inFlight ??= loadSigningKeys(db, keyring, policy, keys)
      .then((loaded) => {
        keys = loaded
        return loaded
      })
      .finally(() => {
        lastReload = Date.now()
        inFlight = null
      })
    return inFlight
  }

  // A failed reload keeps the keys this process has (and says so); the next one tries again.
  const timer = setInterval(() => {
    reload().catch(onError)
  }, RELOAD_INTERVAL_MS)
  timer.unref()

  return {
    current: () => keys,
    reload,
    async reloadForUnknownKid() {
      if (inFlight) return inFlight
      if (Date.now() - lastReload < UNKNOWN_KID_RELOAD_GAP_MS) return keys
      return reload().catch((error) => {
        onError(error)
        return keys
      })
    },
    stop: () => clearInterval(timer),
  }
}

/** Keys that never change, held in memory: for a benchmark's baseline that signs with no database. */
export function fixedKeyStore(keys: SigningKeys): KeyStore {
  return {
    current: () => keys,
    reload: async () => keys,
    reloadForUnknownKid: async () => keys,
    stop: () => {},
  }
}
