// Minimal set-based seeding into any database the service can open (DATABASE_URL or DATA_DIR in the
// environment): the service's own migrations and bootstrap (tenant bench.example.com, client bench-csp),
// ten resellers (the first holds 90% of the users), users by INSERT … SELECT generate_series with unique
// emails and distinct creation times over the last year, resellers.user_count set from the rows, ANALYZE.
// Used for the embedded database (scripts/seed-users.ts speaks to a PostgreSQL server only), and for a
// server when that script is absent.
//
//   DATA_DIR=/tmp/x DATABASE_URL= node --import tsx bench/lib/seed-minimal.ts --users 100000
import { randomBytes } from 'node:crypto'
import { loadPepper } from '../../src/auth/client-secrets.ts'
import { bootstrap } from '../../src/bootstrap.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { findTenantByDomain } from '../../src/domain/tenants.ts'
import { prepareDatabase } from '../../src/services.ts'

const users = Number(process.argv[process.argv.indexOf('--users') + 1])
if (!Number.isInteger(users) || users < 1) throw new Error('--users N is required')
const BATCH = 100_000
const RESELLERS = 10
const FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Wei',
  'Priya',
  'José',
  'Zoë',
  'Ngozi',
  'Søren',
  'Olga',
  'Kenji',
]
const LAST = [
  'Smith',
  'Garcia',
  'Müller',
  'Nguyen',
  'Okafor',
  "O'Brien",
  'Kowalski',
  'Tanaka',
  'Silva',
  'Cohen',
]

const config = loadConfig({
  ...process.env,
  BOOTSTRAP_TENANT_DOMAIN: 'bench.example.com',
  BOOTSTRAP_CLIENT_ID: 'bench-csp',
  BOOTSTRAP_CLIENT_SECRET: randomBytes(24).toString('hex'),
  LOG_LEVEL: 'warn',
})
const db = await openDatabase(config.database, 2)
try {
  const keyring = await prepareDatabase(config, db)
  await bootstrap(db, config, await loadPepper(db, keyring))
  const tenant = await findTenantByDomain(db, 'bench.example.com')
  if (!tenant) throw new Error('bootstrap did not create the tenant')
  await db.query(
    `INSERT INTO resellers (id, tenant_id, name, email, allowed_users, allowed_organizations, created_at, updated_at)
     SELECT gen_random_uuid(), $1, CASE WHEN n = 0 THEN 'Big Partner' ELSE 'Partner ' || n END,
       'partner' || n || '@resellers.example', -1, -1, now() - interval '400 days' + n * interval '1 hour',
       now() - interval '400 days' + n * interval '1 hour'
     FROM generate_series(0, $2::int - 1) n`,
    [tenant.id, RESELLERS],
  )
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM resellers WHERE tenant_id = $1 ORDER BY created_at',
    [tenant.id],
  )
  const resellerIds = rows.map((r) => r.id)
  const spacingMicros = Math.floor((365 * 24 * 3600 * 1_000_000) / users)
  for (let lo = 1; lo <= users; lo += BATCH) {
    const hi = Math.min(users, lo + BATCH - 1)
    await db.query(
      `INSERT INTO users (id, tenant_id, reseller_id, first_name, last_name, email, role, created_at, updated_at)
       SELECT gen_random_uuid(), $1,
         CASE WHEN i % 10 <> 0 THEN ($2::uuid[])[1] ELSE ($2::uuid[])[2 + (i / 10) % (array_length($2::uuid[], 1) - 1)] END,
         ($3::text[])[1 + i % array_length($3::text[], 1)], ($4::text[])[1 + (i / 7) % array_length($4::text[], 1)],
         'user' || i || '@example.com', CASE WHEN i % 20 = 0 THEN 'reseller-admin' ELSE 'user' END,
         now() - interval '365 days' + i * $5::bigint * interval '1 microsecond',
         now() - interval '365 days' + i * $5::bigint * interval '1 microsecond'
       FROM generate_series($6::int, $7::int) i`,
      [tenant.id, resellerIds, FIRST, LAST, spacingMicros, lo, hi],
    )
    process.stdout.write(`  users ${hi.toLocaleString('en')} of ${users.toLocaleString('en')}\n`)
  }
  await db.query(
    `UPDATE resellers r SET user_count = (SELECT count(*) FROM users u
       WHERE u.tenant_id = r.tenant_id AND u.reseller_id = r.id AND u.deleted_at IS NULL)
     WHERE r.tenant_id = $1`,
    [tenant.id],
  )
  await db.query('ANALYZE')
} finally {
  await db.close()
}
