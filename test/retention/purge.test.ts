// Retention (retention/): what is due goes, in batches several purgers share; what is not due stays.
import { v7 } from 'uuid'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fanOut } from '../../src/delivery/fan-out.ts'
import { newId } from '../../src/domain/ids.ts'
import { createRetention, type PurgeRules, purgeOnce } from '../../src/retention/job.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const RULES: PurgeRules = { batchSize: 100, outboxHours: 24, deliveriesDays: 30, auditDays: 0 }

let t: TestApp
let webhookId: string

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
  const created = await t.request('POST', '/v3/webhooks', {
    token: t.cspToken,
    body: { name: 'retention', url: 'http://127.0.0.1:9/hook', events: ['reseller.created'] },
  })
  expect(created.status, created.text).toBe(201)
  webhookId = created.body.id
})
afterAll(() => t?.close())
beforeEach(async () => {
  await t.db.query('DELETE FROM webhook_deliveries')
  await t.db.query('DELETE FROM outbox_events')
})

/** A time-ordered id made `ago` ms ago, as newId() would have made it then. */
const idAgo = (ago: number) => v7({ msecs: Date.now() - ago })

/** A delivery written `ago` ms ago (its id and created_at), last changed `changedAgo` ms ago. */
async function delivery(status: string, ago: number, changedAgo = ago): Promise<string> {
  const id = idAgo(ago)
  await t.db.query(
    `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, order_key, event, url, request_body, status,
       created_at, updated_at)
     VALUES ($1, $2, $3, $1, 'reseller.created', 'http://127.0.0.1:9/hook', '{}', $4,
       now() - make_interval(secs => $5::float8 / 1000), now() - make_interval(secs => $6::float8 / 1000))`,
    [id, t.tenantId, webhookId, status, ago, changedAgo],
  )
  return id
}

/** An outbox event written `ago` ms ago, fanned out `processedAgo` ms ago (null: not yet). */
async function outboxEvent(ago: number, processedAgo: number | null): Promise<string> {
  const id = idAgo(ago)
  await t.db.query(
    `INSERT INTO outbox_events (id, tenant_id, event, resource_id, data, triggered_at, processed_at)
     VALUES ($1, $2, 'reseller.created', 'r', '{}', now() - make_interval(secs => $3::float8 / 1000),
       CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $4::float8 / 1000) END)`,
    [id, t.tenantId, ago, processedAgo],
  )
  return id
}

/** `count` deliveries that succeeded 40 days ago, in one statement (ids as newId made them then). */
async function oldDeliveries(count: number): Promise<void> {
  await t.db.query(
    `INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, order_key, event, url, request_body, status,
       created_at, updated_at)
     SELECT u, $2, $3, u, 'reseller.created', 'http://127.0.0.1:9/hook', '{}', 'succeeded',
       now() - interval '40 days', now() - interval '40 days'
     FROM (SELECT (lpad(to_hex(floor(extract(epoch FROM now() - interval '40 days') * 1000)::bigint), 12, '0')
       || '7' || substr(md5(i::text), 1, 19))::uuid AS u FROM generate_series(1, $1) i) s`,
    [count, t.tenantId, webhookId],
  )
}

const ids = async (table: string) =>
  new Set((await t.db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((row) => row.id))

describe('the purge', () => {
  it('deletes deliveries in a final state older than RETENTION_DELIVERIES_DAYS, and nothing else', async () => {
    const due = [
      await delivery('succeeded', 40 * DAY),
      await delivery('failed', 31 * DAY),
      await delivery('cancelled', 35 * DAY),
    ]
    const kept = [
      await delivery('pending', 40 * DAY),
      await delivery('retrying', 40 * DAY),
      await delivery('queued', 40 * DAY),
      // Written long ago, but resent and failed again yesterday: its log is kept from its last change.
      await delivery('failed', 40 * DAY, DAY),
      await delivery('succeeded', 29 * DAY),
      await delivery('succeeded', HOUR),
    ]
    const purged = await purgeOnce(t.db, RULES)
    expect(purged.deliveries).toBe(3)
    const left = await ids('webhook_deliveries')
    for (const id of due) expect(left.has(id)).toBe(false)
    for (const id of kept) expect(left.has(id)).toBe(true)
  })

  it('keeps every delivery when RETENTION_DELIVERIES_DAYS is 0', async () => {
    await delivery('succeeded', 400 * DAY)
    expect((await purgeOnce(t.db, { ...RULES, deliveriesDays: 0 })).deliveries).toBe(0)
    expect(await t.count('webhook_deliveries')).toBe(1)
  })

  it('deletes outbox events fanned out more than RETENTION_OUTBOX_HOURS ago, never one not fanned out', async () => {
    const due = await outboxEvent(3 * DAY, 2 * DAY)
    const waiting = await outboxEvent(3 * DAY, null)
    const recent = await outboxEvent(2 * HOUR, HOUR)
    expect((await purgeOnce(t.db, RULES)).outboxEvents).toBe(1)
    const left = await ids('outbox_events')
    expect(left.has(due)).toBe(false)
    expect(left.has(waiting)).toBe(true)
    expect(left.has(recent)).toBe(true)
    // 0 hours: as soon as it is fanned out.
    expect((await purgeOnce(t.db, { ...RULES, outboxHours: 0 })).outboxEvents).toBe(1)
    expect(await ids('outbox_events')).toEqual(new Set([waiting]))
  })

  it('deletes the outbox events fan-out marked done, and keeps their deliveries while they are young', async () => {
    await t.createReseller()
    await t.createReseller()
    // Fan out only: the endpoint's URL is never reached in this test.
    while ((await fanOut(t.db)) > 0) {}
    expect(await t.count('outbox_events', 'processed_at IS NULL')).toBe(0)
    const outbox = await t.count('outbox_events')
    expect(outbox).toBeGreaterThanOrEqual(2)
    const purged = await purgeOnce(t.db, { ...RULES, outboxHours: 0 })
    expect(purged.outboxEvents).toBe(outbox)
    expect(await t.count('outbox_events')).toBe(0)
    expect(await t.count('webhook_deliveries')).toBe(2)
  })

  it('runs in batches until nothing is due', async () => {
    await oldDeliveries(1050)
    await delivery('pending', 40 * DAY)
    const purged = await purgeOnce(t.db, { ...RULES, batchSize: 100 })
    expect(purged.deliveries).toBe(1050)
    expect(await t.count('webhook_deliveries')).toBe(1)
  })

  it('is shared by two purgers at once: both make progress, each row is deleted once, neither fails', async () => {
    await oldDeliveries(3000)
    const [a, b] = await Promise.all([
      purgeOnce(t.db, { ...RULES, batchSize: 50 }),
      purgeOnce(t.db, { ...RULES, batchSize: 50 }),
    ])
    expect(a.deliveries).toBeGreaterThan(0)
    expect(b.deliveries).toBeGreaterThan(0)
    expect(a.deliveries + b.deliveries).toBe(3000)
    expect(await t.count('webhook_deliveries')).toBe(0)
  })

  it('skips a delivery another transaction holds (a resend), without waiting for it', async () => {
    const held = await delivery('failed', 40 * DAY)
    const other = await delivery('failed', 40 * DAY)
    if (t.db.kind === 'pglite') return // one connection: no second transaction to hold a lock meanwhile
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked = () => {}
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const holder = t.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM webhook_deliveries WHERE id = $1 FOR UPDATE', [held])
      locked()
      await released
    })
    await isLocked
    const purged = await purgeOnce(t.db, RULES)
    release()
    await holder
    expect(purged.deliveries).toBe(1)
    expect(await ids('webhook_deliveries')).toEqual(new Set([held]))
    void other
  })

  it('purges expired idempotency records, and only those', async () => {
    await t.db.query(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, locked_until, expires_at, status, body)
       SELECT 'client:retention', 'k' || i, 'f', now(), now() + (i - 150) * interval '1 minute' + interval '30 seconds',
              201, '{}'
       FROM generate_series(1, 250) i`,
    )
    // 1..149 expired; 150 expires in 30 s; 151..250 later.
    expect((await purgeOnce(t.db, RULES)).idempotencyKeys).toBe(149)
    expect(await t.count('idempotency_keys', "scope = 'client:retention'")).toBe(101)
    expect(await t.count('idempotency_keys', "scope = 'client:retention' AND expires_at <= now()")).toBe(0)
  })
})

describe('the purge of account links', () => {
  it('deletes links a day past the longest a link lives (8 days), and no younger one', async () => {
    const reseller = await t.createReseller()
    const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'L',
        email: 'links@example.com',
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'password1',
      },
    })
    expect(user.status, user.text).toBe(201)
    const link = async (ago: number) => {
      const id = idAgo(ago)
      await t.db.query(
        `INSERT INTO account_links (id, tenant_id, user_id, purpose, token_hash, expires_at, created_at)
         VALUES ($1, $2, $3, 'invitation', $5, now() - make_interval(secs => $4::float8 / 1000) + interval '7 days',
           now() - make_interval(secs => $4::float8 / 1000))`,
        [id, t.tenantId, user.body.id, ago, `hash-${id}`],
      )
      return id
    }
    await link(9 * DAY)
    await link(30 * DAY)
    const kept = [await link(7 * DAY + HOUR), await link(HOUR)]
    expect((await purgeOnce(t.db, RULES)).accountLinks).toBe(2)
    expect(await ids('account_links')).toEqual(new Set(kept))
  })
})

describe('the purge of sessions and refresh tokens', () => {
  it('deletes refresh tokens a day past their expiry, then the sessions left without one; nothing live', async () => {
    const reseller = await t.createReseller()
    const user = await t.request('POST', `/v3/resellers/${reseller.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: 'S',
        email: 'sessions@example.com',
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'password1',
      },
    })
    expect(user.status, user.text).toBe(201)
    /** A session begun `ago` ms ago (revoked `revokedAgo` ago, or live), with tokens expiring at `expiresIn` ms. */
    const session = async (
      ago: number,
      tokens: { expiresIn: number; retired?: boolean }[],
      revokedAgo?: number,
    ) => {
      const id = idAgo(ago)
      await t.db.query(
        `INSERT INTO user_sessions (id, tenant_id, user_id, audience, method, created_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, 'reseller-api', 'password', now() - make_interval(secs => $4::float8 / 1000),
           now() - make_interval(secs => $4::float8 / 1000),
           CASE WHEN $5::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $5::float8 / 1000) END)`,
        [id, t.tenantId, user.body.id, ago, revokedAgo ?? null],
      )
      for (const [i, token] of tokens.entries())
        await t.db.query(
          `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, retired_at)
           VALUES ($1, $2, now(), now() + make_interval(secs => $3::float8 / 1000), CASE WHEN $4 THEN now() END)`,
          [`hash-${id}-${i}`, id, token.expiresIn, token.retired === true],
        )
      return id
    }
    const runOut = await session(40 * DAY, [{ expiresIn: -3 * DAY, retired: true }, { expiresIn: -2 * DAY }])
    const revokedLongAgo = await session(20 * DAY, [{ expiresIn: -5 * DAY }], 10 * DAY)
    // Kept: renewed lately (an old token retired, the newest alive); revoked, its token expired only 12 h ago;
    // begun an hour ago; and one with no token at all but begun only an hour ago.
    const renewed = await session(40 * DAY, [{ expiresIn: -2 * DAY, retired: true }, { expiresIn: 20 * DAY }])
    const revokedLately = await session(3 * DAY, [{ expiresIn: -12 * HOUR }], 2 * DAY)
    const fresh = await session(HOUR, [{ expiresIn: 30 * DAY }])
    const tokenless = await session(HOUR, [])

    const purged = await purgeOnce(t.db, RULES)
    expect(purged.refreshTokens).toBe(4)
    expect(purged.sessions).toBe(2)
    expect(await ids('user_sessions')).toEqual(new Set([renewed, revokedLately, fresh, tokenless]))
    const tokens = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens')
    expect(new Set(tokens.rows.map((row) => row.token_hash))).toEqual(
      new Set([`hash-${renewed}-1`, `hash-${revokedLately}-0`, `hash-${fresh}-0`]),
    )
    for (const gone of [runOut, revokedLongAgo]) expect((await ids('user_sessions')).has(gone)).toBe(false)
    // A second run finds nothing more.
    const again = await purgeOnce(t.db, RULES)
    expect([again.refreshTokens, again.sessions]).toEqual([0, 0])
  })
})

describe('the retention loop', () => {
  it('purges on its own, logs one line per run with the counts, and stops', async () => {
    await oldDeliveries(250)
    await outboxEvent(3 * DAY, 2 * DAY)
    const lines: { level: string; details: Record<string, unknown>; message: string }[] = []
    const log = {
      info: (details: Record<string, unknown>, message: string) =>
        lines.push({ level: 'info', details, message }),
      debug: (details: Record<string, unknown>, message: string) =>
        lines.push({ level: 'debug', details, message }),
      error: (details: Record<string, unknown>, message: string) =>
        lines.push({ level: 'error', details, message }),
    }
    const retention = createRetention(
      t.db,
      { ...RULES, intervalSeconds: 1, batchSize: 100 },
      log as unknown as Parameters<typeof createRetention>[2],
    )
    retention.start()
    const deadline = Date.now() + 20_000
    while ((await t.count('webhook_deliveries')) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await retention.stop()
    expect(await t.count('webhook_deliveries')).toBe(0)
    expect(await t.count('outbox_events')).toBe(0)
    expect(lines.filter((line) => line.level === 'error')).toEqual([])
    const infos = lines.filter((line) => line.level === 'info')
    // Three batches of deliveries, one line.
    expect(infos).toHaveLength(1)
    expect(infos[0]?.message).toBe('retention purge')
    expect(infos[0]?.details.purged).toEqual({
      outboxEvents: 1,
      deliveries: 250,
      idempotencyKeys: 0,
      accountLinks: 0,
      refreshTokens: 0,
      sessions: 0,
      auditEvents: 0,
    })
    // Later runs found nothing: no info line for them.
    expect(lines.filter((line) => line.level === 'debug').length).toBeGreaterThan(0)
  })

  it('leaves audit events alone when RETENTION_AUDIT_DAYS is 0 (the default)', async () => {
    const before = await t.count('audit_events')
    expect(before).toBeGreaterThan(0)
    await t.db.query(
      `INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
         actor_type, actor_id) VALUES ($1, $2, now() - interval '3000 days', 'old', 'reseller.updated', 'reseller',
         'r', 'system', 'system')`,
      [newId(), t.tenantId],
    )
    expect((await purgeOnce(t.db, RULES)).auditEvents).toBe(0)
    expect(await t.count('audit_events')).toBe(before + 1)
  })
})
