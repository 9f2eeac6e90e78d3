// Facts of the seeded database the scenarios need: the tenant, the csp client's row, the largest reseller,
// a random sample of users to GET, and the creation time from which that reseller's newest 100,000 users
// start (the CSV export's filter). Read once, with the database opened from the benchmark's process.
import type { Actor } from '../../src/domain/actor.ts'
import type { DatabaseEnv } from './databases.ts'

export const TENANT_DOMAIN = 'bench.example.com'
export const EXPORT_ROWS = 100_000
const SAMPLE = 10_000

export interface Fixtures {
  database: DatabaseEnv
  tenantId: string
  clientRowId: string
  users: number
  big: { id: string; userCount: number }
  sample: { id: string; resellerId: string }[]
  /** createdAt[gte] for the export (ISO), null when the reseller has fewer users than EXPORT_ROWS. */
  exportFrom: string | null
  exportRows: number
  /** A csp actor of the tenant, for calling domain functions directly (baselines). */
  actor: Actor
}

export async function readFixtures(database: DatabaseEnv): Promise<Fixtures> {
  const db = await database.open(2)
  try {
    const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
      const { rows } = await db.query<T>(sql, params)
      if (!rows[0]) throw new Error(`the seeded database has no row for: ${sql}`)
      return rows[0]
    }
    const tenant = await one<{ id: string }>('SELECT id FROM tenants WHERE lower(domain) = $1', [
      TENANT_DOMAIN,
    ])
    const client = await one<{ id: string }>("SELECT id FROM api_clients WHERE client_id = 'bench-csp'")
    const big = await one<{ id: string; user_count: number }>(
      'SELECT id, user_count FROM resellers WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY user_count DESC LIMIT 1',
      [tenant.id],
    )
    const total = await one<{ n: number }>(
      'SELECT COALESCE(sum(user_count), 0)::int AS n FROM resellers WHERE tenant_id = $1',
      [tenant.id],
    )
    const sample = (
      await db.query<{ id: string; reseller_id: string }>(
        `SELECT id, reseller_id FROM users WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY random() LIMIT ${SAMPLE}`,
        [tenant.id],
      )
    ).rows.map((r) => ({ id: r.id, resellerId: r.reseller_id }))
    let exportFrom: string | null = null
    let exportRows = big.user_count
    if (big.user_count > EXPORT_ROWS) {
      // Millisecond precision, as the API takes it: a few more rows than EXPORT_ROWS may match.
      const from = await one<{ at: Date }>(
        `SELECT date_trunc('milliseconds', created_at) AS at FROM users
         WHERE tenant_id = $1 AND reseller_id = $2 AND deleted_at IS NULL
         ORDER BY created_at DESC, id DESC OFFSET ${EXPORT_ROWS - 1} LIMIT 1`,
        [tenant.id, big.id],
      )
      exportFrom = new Date(from.at).toISOString()
      exportRows = (
        await one<{ n: number }>(
          `SELECT count(*)::int AS n FROM users WHERE tenant_id = $1 AND reseller_id = $2 AND deleted_at IS NULL
             AND created_at >= $3::timestamptz`,
          [tenant.id, big.id, exportFrom],
        )
      ).n
    }
    return {
      database,
      tenantId: tenant.id,
      clientRowId: client.id,
      users: total.n,
      big: { id: big.id, userCount: big.user_count },
      sample,
      exportFrom,
      exportRows,
      actor: {
        type: 'client',
        id: client.id,
        role: 'csp',
        tenantId: tenant.id,
        resellerId: null,
        scopes: new Set(),
        correlationId: 'bench',
        ipAddress: null,
        userAgent: null,
      },
    }
  } finally {
    await db.close()
  }
}
