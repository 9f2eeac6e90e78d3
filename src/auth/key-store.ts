// The signing keys a process holds, kept current: reloaded every minute (which also rotates them when due and
// drops expired ones), and when a token names a key this process has not seen (another process rotated
// first): at once, or, a second after the last such reload, so that tokens with made-up kids cost at most
// one reload a second and a real one is never refused for the wait.
import type { Db } from '../db/connection.ts'
import type { Keyring } from '../secrets/keyring.ts'
import { type KeyPolicy, loadSigningKeys, type SigningKeys } from './keys.ts'

export const RELOAD_INTERVAL_MS = 60_000
const UNKNOWN_KID_RELOAD_GAP_MS = 1_000

export interface KeyStore {
  current(): SigningKeys
  /** Reloads now (rotating when due); tests and the unknown-kid path. */
  reload(): Promise<SigningKeys>
  /** Reloads for a token with an unknown kid: at most once a second (waiting for its turn); answers the keys. */
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
  let inFlight: Promise<SigningKeys> | null = null
  let lastUnknownKidReload = 0
  let unknownKidReload: Promise<SigningKeys> | null = null

  const reload = (): Promise<SigningKeys> => {
    inFlight ??= loadSigningKeys(db, keyring, policy, keys)
      .then((loaded) => {
        keys = loaded
        return loaded
      })
      .finally(() => {
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
    reloadForUnknownKid() {
      unknownKidReload ??= (async () => {
        const wait = lastUnknownKidReload + UNKNOWN_KID_RELOAD_GAP_MS - Date.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        lastUnknownKidReload = Date.now()
        return reload()
      })()
        .catch((error) => {
          onError(error)
          return keys
        })
        .finally(() => {
          unknownKidReload = null
        })
      return unknownKidReload
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
