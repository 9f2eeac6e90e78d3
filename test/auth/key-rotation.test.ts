// Signing keys rotate on a schedule: a new kid signs once the newest key is older than
// SIGNING_KEY_ROTATION_DAYS (made once, however many processes reload at once); the old key stays in the JWKS
// and verifies its tokens until they have expired, then is dropped; another process picks the new key up.
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyStore } from '../../src/auth/key-store.ts'
import { prepareServices } from '../../src/services.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const TTL_SECONDS = 60

let t: TestApp
beforeAll(async () => {
  // A retired key is kept as long as the longest-lived token it may have signed: users' tokens too.
  t = await startTestApp({
    SIGNING_KEY_ROTATION_DAYS: '1',
    TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    USER_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
  })
})
afterAll(async () => {
  await t?.close()
})

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string
const jwksKids = async () =>
  ((await t.request('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid).sort()
const keyRows = async () =>
  (
    await t.db.query<{ kid: string; is_live: boolean }>(
      'SELECT kid, retired_at IS NULL AS is_live FROM signing_keys ORDER BY created_at',
    )
  ).rows
/** The newest live key made `days` ago, as if time had passed. */
const age = (days: number) =>
  t.db.query(
    `UPDATE signing_keys SET created_at = now() - make_interval(days => $1) WHERE retired_at IS NULL`,
    [days],
  )
const resellers = (token: string) => t.request('GET', '/v3/resellers', { token })

describe('signing key rotation', () => {
  it('keeps the key while it is younger than the period', async () => {
    const before = await keyRows()
    await t.deps.tokens.keys.reload()
    expect(await keyRows()).toEqual(before)
    expect(before.filter((k) => k.is_live)).toHaveLength(1)
  })

  it('signs with a new kid once the newest key is due, the old token verifying still, both in the JWKS', async () => {
    // Another process, started before the rotation: it has only the old key.
    const other = await prepareServices(t.deps.config, t.db)
    const oldToken = t.cspToken
    const oldKid = kidOf(oldToken)
    await age(2)
    // Several processes reloading at once make one key between them.
    const stores = await Promise.all(
      [1, 2, 3].map(() =>
        createKeyStore(t.db, t.deps.keyring, { rotationSeconds: 86_400, retainSeconds: 3600 }, () => {}),
      ),
    )
    await Promise.all([t.deps.tokens.keys.reload(), ...stores.map((store) => store.reload())])
    for (const store of stores) store.stop()
    const rows = await keyRows()
    expect(rows.filter((k) => k.is_live)).toHaveLength(1)
    expect(rows.filter((k) => !k.is_live).map((k) => k.kid)).toContain(oldKid)
    const newKid = rows.find((k) => k.is_live)?.kid as string
    expect(newKid).not.toBe(oldKid)
    expect(new Set(stores.map((store) => store.current().kid))).toEqual(new Set([newKid]))

    const newToken = await t.tokenFor({})
    expect(kidOf(newToken)).toBe(newKid)
    expect((await resellers(newToken)).status).toBe(200)
    expect((await resellers(oldToken)).status).toBe(200)
    expect(await jwksKids()).toEqual(expect.arrayContaining([oldKid, newKid]))

    // The other process has not reloaded: a token with the kid it does not know makes it look once.
    expect(other.tokens.keys.current().kid).toBe(oldKid)
    await expect(other.tokens.verify(newToken)).resolves.toMatchObject({ sub: expect.any(String) })
    expect(other.tokens.keys.current().kid).toBe(newKid)
    // And it now signs with the new key too.
    const issued = await other.tokens.issue({ sub: 'x', tid: t.tenantId, role: 'csp', rid: null, scope: [] })
    expect(kidOf(issued.token)).toBe(newKid)
    other.tokens.keys.stop()
  })

  it('drops the retired key once its last token has expired: gone from the JWKS, its tokens refused', async () => {
    const oldKid = kidOf(t.cspToken)
    expect(await jwksKids()).toContain(oldKid)
    // Retired more than TTL + skew + a reload interval ago.
    await t.db.query(
      `UPDATE signing_keys SET retired_at = now() - make_interval(secs => $1) WHERE retired_at IS NOT NULL`,
      [TTL_SECONDS + 60 + 60 + 1],
    )
    await t.deps.tokens.keys.reload()
    expect(await jwksKids()).not.toContain(oldKid)
    expect((await keyRows()).map((k) => k.kid)).not.toContain(oldKid)
    // This process, which verified the token before, refuses it now its key is gone; so does one that never saw it.
    await expect(t.deps.tokens.verify(t.cspToken)).rejects.toThrow(/not signed by this service/)
    const fresh = await prepareServices(t.deps.config, t.db)
    await expect(fresh.tokens.verify(t.cspToken)).rejects.toThrow(/not signed by this service/)
    fresh.tokens.keys.stop()
  })

  it('rotates again at the next reload with a period of one second', async () => {
    const tiny = { ...t.deps.config, signingKeyRotationDays: 1 / 86_400 } // one second
    const deps = await prepareServices(tiny, t.db)
    const first = deps.tokens.keys.current().kid
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await deps.tokens.keys.reload()
    expect(deps.tokens.keys.current().kid).not.toBe(first)
    deps.tokens.keys.stop()
  })
})
