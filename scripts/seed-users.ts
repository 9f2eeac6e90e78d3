// Fills one tenant of a fresh PostgreSQL database with many users, for list benchmarks and EXPLAIN.
//
//   npm run seed -- --users 1000000 --database-url postgres://postgres@127.0.0.1:5432/users_1m [--replace]
//
// The schema comes from the service's own migrations and the tenant and its csp client from its own
// bootstrap (tenant bench.example.com, client bench-csp: what bench/lib/service.ts starts the service
// with). Then, set-based: resellers (one holds ~90% of the users), organizations (skewed sizes), users
// with varied names, unique emails and distinct creation times over the last year, group memberships
// and one audit event per user (plus one per later update), in batches of INSERT … SELECT
// generate_series. Secondary indexes are dropped for the load and rebuilt from their own definitions;
// the live counts are set from the rows; VACUUM ANALYZE last, so that index-only scans work.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { loadPepper } from '../src/auth/client-secrets.ts'
import { bootstrap } from '../src/bootstrap.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/connection.ts'
import { findTenantByDomain } from '../src/domain/tenants.ts'
import { prepareDatabase } from '../src/services.ts'

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}
const flag = (name: string) => process.argv.includes(`--${name}`)
function intOption(name: string, fallback: number): number {
  const raw = option(name)
  if (raw === undefined) return fallback
  const value = Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`)
  return value
}

const userCount = intOption('users', 1_000_000)
const resellerCount = Math.max(2, intOption('resellers', 10))
const bigOrganizations = intOption('organizations', 500)
const smallOrganizations = 15
const batchSize = intOption('batch', 100_000)
const databaseUrl = option('database-url') ?? process.env.SEED_DATABASE_URL ?? process.env.DATABASE_URL
const tenantDomain = option('tenant-domain') ?? 'bench.example.com'
const clientId = option('client-id') ?? 'bench-csp'
const clientSecret = option('client-secret') ?? randomBytes(24).toString('hex')
/** Percent of the users in the first reseller; the rest spread over the others. */
const bigShare = 90

if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  process.stderr.write(
    'Usage: npm run seed -- --users N --database-url postgres://user@host:port/db [--replace] [--resellers R]\n',
  )
  process.exit(2)
}

const FIRST_NAMES =
  `James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald
Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa
Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas
Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha
Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria
Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly
Peter Lauren Kyle Christina Noah Joan Ethan Evelyn Jeremy Judith Walter Megan Christian Andrea Keith Cheryl Roger Hannah
Terry Jacqueline Austin Martha Sean Gloria Gerald Teresa Carl Ann Harold Sara Dylan Madison Arthur Frances Lawrence Kathryn
Jordan Janice Jesse Jean Bryan Abigail Billy Alice Bruce Judy Gabriel Sophia Joe Grace Logan Denise Alan Amber Juan Doris
Wayne Marilyn Elijah Danielle Randy Beverly Roy Isabella Vincent Theresa Ralph Diana Eugene Natalie Russell Brittany
Bobby Charlotte Mason Marie Philip Kayla Louis Alexis Søren Zoë José Renée Ångström Chloé Łukasz Anaïs François Björn
Wei Yuki Hiroshi Priya Arjun Fatima Mohammed Aisha Omar Leila Dmitri Olga Ivan Sven Ingrid Lars Astrid Pieter Femke Giulia
Matteo Lucía Mateo Camila Thiago Ana Kwame Ama Chidi Ngozi Tariq Yasmin Ravi Ananya Kenji Sakura Minh Linh Jae Seo`
    .split(/\s+/)
    .filter(Boolean)

const LAST_NAMES =
  `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood
James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins
Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson
Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar
Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen
Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz
Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels
Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn O'Brien O'Connor McCarthy Müller Schäfer Jørgensen
Nowak Kowalski Wiśniewski Dubois Lefèvre Rossi Bianchi Esposito Yamamoto Tanaka Suzuki Watanabe Wang Li Zhang Liu Singh
Kumar Sharma Gupta Khan Ahmed Ali Hassan Ivanov Petrov Novak Horvat Jansen Visser Bakker Andersson Johansson Nilsson
Larsen Hansen Nielsen Virtanen Korhonen Costa Santos Oliveira Pereira Okafor Mensah Mwangi Nkosi Cohen Levi`
    .split(/\s+/)
    .filter(Boolean)

const DOMAINS = `gmail.com outlook.com yahoo.com icloud.com proton.me hotmail.com acme.example globex.example
initech.example umbrella.example hooli.example stark.example wayne.example wonka.example cyberdyne.example
tyrell.example soylent.example massive.example contoso.example fabrikam.example northwind.example adventure-works.example
litware.example tailspin.example woodgrove.example fourthcoffee.example lucerne.example proseware.example`
  .split(/\s+/)
  .filter(Boolean)

const COMPANIES =
  `Acme Globex Initech Umbrella Hooli Stark Wayne Wonka Cyberdyne Tyrell Soylent Contoso Fabrikam
Northwind Litware Tailspin Woodgrove Proseware Lucerne Vandelay Dunder-Mifflin Pied-Piper Aperture Black-Mesa`
    .split(/\s+/)
    .filter(Boolean)

// Emails spell names in ASCII: accents go, apostrophes and spaces vanish (translate drops what has no pair).
const ACCENTED = "áàâäãåéèêëíìîïóòôöõøúùûüñçßłśšžÿ' "
const PLAIN = 'aaaaaaeeeeiiiioooooouuuuncslsszy'

const CUSTOM_ROLES = ['auditor', 'billing']
const TEAM_GROUPS = 20

const started = performance.now()
let phaseStarted = started
function phase(label: string) {
  const now = performance.now()
  process.stdout.write(
    `  ${label.padEnd(44)} ${((now - phaseStarted) / 1000).toFixed(1).padStart(7)} s  (total ${((now - started) / 1000).toFixed(1)} s)\n`,
  )
  phaseStarted = now
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates the database named in the URL (dropping it first with --replace); refuses a non-empty one. */
async function createDatabase(url: string): Promise<void> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''))
  if (!name) throw new Error('The database URL must name a database.')
  const adminUrl = new URL(url)
  adminUrl.pathname = '/postgres'
  await withClient(adminUrl.toString(), async (admin) => {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0
    if (exists && flag('replace')) {
      await admin.query(`DROP DATABASE ${pg.escapeIdentifier(name)} WITH (FORCE)`)
    } else if (exists) {
      const isEmpty = await withClient(url, async (client) => {
        const { rows } = await client.query("SELECT to_regclass('public.users') IS NULL AS empty")
        return rows[0].empty as boolean
      })
      if (!isEmpty) throw new Error(`Database ${name} already has a schema: pass --replace to drop it first.`)
      return
    }
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  })
}

process.stdout.write(
  `Seeding ${userCount.toLocaleString('en')} users over ${resellerCount} resellers into ${databaseUrl}\n`,
)
await createDatabase(databaseUrl)

// The service's own schema and first-start set-up.
const config = loadConfig({
  DATABASE_URL: databaseUrl,
  // The service that will serve this database needs the same key.
  ENCRYPTION_KEY: process.env.ENCRYPTION_KEY,
  BOOTSTRAP_TENANT_DOMAIN: tenantDomain,
  BOOTSTRAP_CLIENT_ID: clientId,
  BOOTSTRAP_CLIENT_SECRET: clientSecret,
  LOG_LEVEL: 'warn',
})
const db = await openDatabase(config.database, 2)
let tenantId: string
let apiClientId: string
try {
  const keyring = await prepareDatabase(config, db)
  await bootstrap(db, config, await loadPepper(db, keyring))
  const tenant = await findTenantByDomain(db, tenantDomain)
  if (!tenant) throw new Error('bootstrap did not create the tenant')
  tenantId = tenant.id
  const { rows } = await db.query<{ id: string }>('SELECT id FROM api_clients WHERE client_id = $1', [
    clientId,
  ])
  apiClientId = (rows[0] as { id: string }).id
} finally {
  await db.close()
}
phase('migrations and bootstrap')

const main = new pg.Client({ connectionString: databaseUrl })
await main.connect()
const q = (text: string, params: unknown[] = []) => main.query(text, params)

// A UUIDv7 (what the service's newId makes) whose time is the given one: ids stay time-ordered.
await q(`CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    PLACING substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1),
    'hex')::uuid $$`)
// A deterministic pseudo-random integer in [0, n) for row i and stream k.
await q(`CREATE FUNCTION pg_temp.h(i bigint, k bigint, n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT abs(hashint8extended(i, k)) % n $$`)

const yearAgo = new Date(Date.now() - 365 * 24 * 3600 * 1000)
const seedStart = new Date(yearAgo.getTime() - 7 * 24 * 3600 * 1000)

await q('CREATE TEMP TABLE seed_reseller (no int PRIMARY KEY, id uuid NOT NULL, organizations int NOT NULL)')
await q(
  `INSERT INTO seed_reseller
   SELECT no, pg_temp.uuid7($1::timestamptz + no * interval '1 hour'), CASE WHEN no = 0 THEN $2::int ELSE $3::int END
   FROM generate_series(0, $4::int - 1) no`,
  [seedStart, bigOrganizations, smallOrganizations, resellerCount],
)
await q(
  `INSERT INTO resellers (id, tenant_id, name, email, description, allowed_users, allowed_organizations,
     created_at, updated_at)
   SELECT r.id, $1, CASE WHEN r.no = 0 THEN 'Big Partner' ELSE 'Partner ' || lpad(r.no::text, 2, '0') END,
     'partner' || r.no || '@resellers.example', 'Seeded by scripts/seed-users.ts', -1, -1,
     $2::timestamptz + r.no * interval '1 hour', $2::timestamptz + r.no * interval '1 hour'
   FROM seed_reseller r`,
  [tenantId, seedStart],
)
await q(
  'CREATE TEMP TABLE seed_org (reseller_no int, no int, id uuid NOT NULL, PRIMARY KEY (reseller_no, no))',
)
await q(
  `INSERT INTO seed_org
   SELECT r.no, o.no, pg_temp.uuid7($1::timestamptz + interval '1 day' + o.no * interval '1 minute')
   FROM seed_reseller r, generate_series(0, r.organizations - 1) o(no)`,
  [seedStart],
)
await q(
  `INSERT INTO organizations (id, tenant_id, reseller_id, name, email, description, allowed_users, city, country,
     created_at, updated_at)
   SELECT o.id, $1, r.id, ($3::text[])[1 + pg_temp.h(o.no, 1, array_length($3::text[], 1))] || ' ' ||
       (ARRAY['Holdings', 'GmbH', 'Ltd', 'Inc', 'Group', 'Labs', 'Partners'])[1 + pg_temp.h(o.no, 2, 7)] ||
       ' ' || r.no || '-' || o.no,
     'it' || r.no || '-' || o.no || '@customers.example', NULL, -1,
     (ARRAY['Berlin', 'London', 'Paris', 'Lisbon', 'Austin', 'Toronto', 'Sydney', 'Tokyo'])[1 + pg_temp.h(o.no, 3, 8)],
     'XX', $2::timestamptz + interval '1 day' + o.no * interval '1 minute',
     $2::timestamptz + interval '1 day' + o.no * interval '1 minute'
   FROM seed_org o JOIN seed_reseller r ON r.no = o.reseller_no`,
  [tenantId, seedStart, COMPANIES],
)
for (const role of CUSTOM_ROLES) {
  await q(
    `INSERT INTO roles (id, tenant_id, name, description, claims, is_builtin, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'Seeded', '{}', false, $3, $3)`,
    [tenantId, role, seedStart],
  )
}
await q(
  `INSERT INTO groups (id, tenant_id, name, is_builtin, created_at, updated_at)
   SELECT pg_temp.uuid7($2::timestamptz + n * interval '1 minute'), $1, 'Team ' || lpad(n::text, 2, '0'), false,
     $2::timestamptz + n * interval '1 minute', $2::timestamptz + n * interval '1 minute'
   FROM generate_series(1, $3) n`,
  [tenantId, seedStart, TEAM_GROUPS],
)
await q('CREATE TEMP TABLE seed_group (no int PRIMARY KEY, id uuid NOT NULL)')
// 0 Administrator, 1 Viewer, 2 Alert Manager, 3.. the teams.
await q(
  `INSERT INTO seed_group
   SELECT CASE name WHEN 'Administrator' THEN 0 WHEN 'Viewer' THEN 1 WHEN 'Alert Manager' THEN 2
     ELSE 2 + substring(name FROM 6)::int END, id
   FROM groups WHERE tenant_id = $1`,
  [tenantId],
)
phase('resellers, organizations, roles, groups')

// Secondary indexes of the bulk-loaded tables go for the load and come back from their own definitions
// (indexes that back a constraint stay). Foreign keys are not checked row by row during the load
// (session_replication_role = replica); the data is consistent by construction and checked after.
const BULK_TABLES = ['users', 'user_groups', 'audit_events']
const { rows: dropped } = await q(
  `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
   FROM pg_index i
   WHERE i.indrelid = ANY($1::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  [BULK_TABLES],
)
for (const index of dropped) await q(`DROP INDEX ${index.name}`)

let indexesRebuilt = false
async function rebuildIndexes() {
  if (indexesRebuilt) return
  indexesRebuilt = true
  // Two sessions at a time (two cores); the large trigram indexes first.
  const queue = [...dropped].sort(
    (a, b) => Number(/gin/.test(b.definition)) - Number(/gin/.test(a.definition)),
  )
  await Promise.all(
    [0, 1].map(() =>
      withClient(databaseUrl as string, async (client) => {
        await client.query("SET maintenance_work_mem = '1GB'")
        await client.query('SET max_parallel_maintenance_workers = 0')
        for (let next = queue.shift(); next; next = queue.shift()) await client.query(next.definition)
      }),
    ),
  )
}

try {
  await q("SET session_replication_role = 'replica'")
  await q("SET work_mem = '256MB'")
  const spanMicros = 365 * 24 * 3600 * 1_000_000
  const spacing = Math.floor(spanMicros / userCount)
  for (let lo = 1; lo <= userCount; lo += batchSize) {
    const hi = Math.min(userCount, lo + batchSize - 1)
    await q(
      `WITH s AS (
         SELECT i, $3::timestamptz + ((i - 1) * $4::bigint + pg_temp.h(i, 1, $4)) * interval '1 microsecond' AS created_at,
           CASE WHEN pg_temp.h(i, 2, 100) < $9 THEN 0 ELSE 1 + pg_temp.h(i, 3, $10 - 1) END AS reseller_no,
           pg_temp.h(i, 4, 100) < 75 AS has_org,
           pg_temp.h(i, 5, 1000000)::float8 / 1000000 AS org_u,
           ($5::text[])[1 + pg_temp.h(i, 6, array_length($5::text[], 1))] AS first_name,
           CASE WHEN pg_temp.h(i, 7, 50) = 0 THEN ''
             ELSE ($6::text[])[1 + pg_temp.h(i, 8, array_length($6::text[], 1))] END AS last_name,
           pg_temp.h(i, 9, 1000) AS role_draw,
           ($7::text[])[1 + pg_temp.h(i, 10, array_length($7::text[], 1))] AS domain,
           pg_temp.h(i, 11, 4) AS email_style,
           CASE WHEN pg_temp.h(i, 12, 10) < 6
             THEN ($8::text[])[1 + pg_temp.h(i, 13, array_length($8::text[], 1))] END AS company,
           pg_temp.h(i, 14, 10) < 3 AS is_updated,
           pg_temp.h(i, 15, 1000000)::float8 / 1000000 AS update_u,
           pg_temp.h(i, 16, 1000000)::float8 / 1000000 AS login_u,
           pg_temp.h(i, 17, 100) AS flags
         FROM generate_series($1::bigint, $2::bigint) i
       ), p AS (
         SELECT s.*, r.id AS reseller_id, o.id AS organization_id,
           translate(lower(s.first_name), $14, $15) AS f,
           translate(lower(s.last_name), $14, $15) AS l,
           CASE WHEN s.is_updated THEN s.created_at + (now() - s.created_at) * s.update_u ELSE s.created_at END
             AS updated_at
         FROM s JOIN seed_reseller r ON r.no = s.reseller_no
         LEFT JOIN seed_org o ON s.has_org AND o.reseller_no = s.reseller_no
           AND o.no = floor(r.organizations * s.org_u * s.org_u)::int
       ), u AS (
         INSERT INTO users (id, tenant_id, reseller_id, organization_id, first_name, last_name, email, role, company,
           allow_customer_portal_access, two_factor_enabled, google_sso_enabled, last_login_at, created_at, updated_at)
         SELECT pg_temp.uuid7(p.created_at), $11, p.reseller_id, p.organization_id, p.first_name, p.last_name,
           replace(CASE p.email_style
             WHEN 0 THEN p.f || '.' || p.l || p.i
             WHEN 1 THEN left(p.f, 1) || p.l || p.i
             WHEN 2 THEN p.f || p.i
             ELSE initcap(p.f) || '.' || initcap(p.l) || p.i END, ' ', '') || '@' || p.domain,
           CASE WHEN p.role_draw < 3 THEN 'auditor' WHEN p.role_draw < 5 THEN 'billing'
             WHEN p.role_draw < 55 THEN 'reseller-admin' WHEN p.role_draw < 155 THEN 'organization-admin'
             ELSE 'user' END,
           p.company, p.flags % 3 <> 0, p.flags % 5 = 0, p.flags % 7 = 0,
           CASE WHEN p.flags < 60 THEN p.updated_at + (now() - p.updated_at) * p.login_u END,
           p.created_at, p.updated_at
         FROM p
         RETURNING id, reseller_id, created_at, updated_at, first_name, last_name, name, email, role
       ), g AS (
         -- What the user_groups_copy_user trigger copies (triggers do not fire in replica mode).
         INSERT INTO user_groups (tenant_id, user_id, group_id, reseller_id, user_name, user_lower_email)
         SELECT $11, u.id, sg.id, u.reseller_id, u.name, lower(u.email)
         FROM u CROSS JOIN LATERAL (SELECT hashtextextended(u.id::text, 0) AS hh) x
         JOIN seed_group sg ON
           (sg.no = 0 AND abs(x.hh) % 100 < 2)
           OR (sg.no = 1 AND abs(x.hh >> 8) % 100 < 55)
           OR (sg.no = 2 AND abs(x.hh >> 16) % 100 < 10)
           OR (sg.no >= 3 AND abs(x.hh >> 24) % 100 < 25 AND sg.no = 3 + abs(x.hh >> 32) % $13)
         RETURNING 1
       ), a AS (
         INSERT INTO audit_events (id, tenant_id, occurred_at, correlation_id, action, resource, resource_id,
           reseller_id, actor_type, actor_id, changes, ip_address, user_agent)
         SELECT pg_temp.uuid7(e.at), $11, e.at, gen_random_uuid()::text, e.action, 'reseller.user', u.id::text,
           u.reseller_id, 'client', $12, e.changes, '10.0.' || (abs(hashtext(u.id::text)) % 250) || '.7',
           'seed-users/1.0'
         FROM u CROSS JOIN LATERAL (
           SELECT u.created_at AS at, 'reseller.user.created' AS action,
             jsonb_build_array(
               jsonb_build_object('field', 'firstName', 'from', NULL, 'to', u.first_name),
               jsonb_build_object('field', 'lastName', 'from', NULL, 'to', u.last_name),
               jsonb_build_object('field', 'email', 'from', NULL, 'to', u.email),
               jsonb_build_object('field', 'role', 'from', NULL, 'to', u.role)) AS changes
           UNION ALL
           SELECT u.updated_at, 'reseller.user.updated',
             jsonb_build_array(jsonb_build_object('field', 'role', 'from', 'user', 'to', u.role))
           WHERE u.updated_at > u.created_at
         ) e
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM u)::int AS users, (SELECT count(*) FROM g)::int AS memberships,
         (SELECT count(*) FROM a)::int AS events`,
      [
        lo,
        hi,
        yearAgo,
        spacing,
        FIRST_NAMES,
        LAST_NAMES,
        DOMAINS,
        COMPANIES,
        bigShare,
        resellerCount,
        tenantId,
        apiClientId,
        TEAM_GROUPS,
        ACCENTED,
        PLAIN,
      ],
    )
    if (hi === userCount || ((hi / batchSize) | 0) % 5 === 0) phase(`users ${hi.toLocaleString('en')}`)
  }
  await q("SET session_replication_role = 'origin'")
} finally {
  await rebuildIndexes()
}
phase(`rebuilt ${dropped.length} indexes`)

// What the foreign keys would have checked, checked once for the whole load.
const { rows: broken } = await q(
  `SELECT
     (SELECT count(*) FROM users u WHERE u.tenant_id = $1 AND (
        NOT EXISTS (SELECT 1 FROM resellers r WHERE r.tenant_id = u.tenant_id AND r.id = u.reseller_id)
        OR NOT EXISTS (SELECT 1 FROM roles x WHERE x.tenant_id = u.tenant_id AND x.name = u.role)
        OR (u.organization_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations o
              WHERE o.tenant_id = u.tenant_id AND o.id = u.organization_id AND o.reseller_id = u.reseller_id))))::int
       AS users,
     (SELECT count(*) FROM user_groups ug WHERE ug.tenant_id = $1 AND (
        NOT EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = ug.tenant_id AND u.id = ug.user_id)
        OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.tenant_id = ug.tenant_id AND g.id = ug.group_id)))::int
       AS memberships`,
  [tenantId],
)
if (broken[0].users !== 0 || broken[0].memberships !== 0)
  throw new Error(`Seeded rows break foreign keys: ${JSON.stringify(broken[0])}`)

// The live counts the service keeps with every change.
await q(
  `UPDATE organizations o SET user_count = c.n
   FROM (SELECT organization_id, count(*)::int AS n FROM users
         WHERE tenant_id = $1 AND deleted_at IS NULL AND organization_id IS NOT NULL GROUP BY organization_id) c
   WHERE o.tenant_id = $1 AND o.id = c.organization_id`,
  [tenantId],
)
await q(
  `UPDATE resellers r SET
     user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = r.tenant_id AND u.reseller_id = r.id
                   AND u.deleted_at IS NULL),
     organization_count = (SELECT count(*) FROM organizations o WHERE o.tenant_id = r.tenant_id
                           AND o.reseller_id = r.id AND o.deleted_at IS NULL)
   WHERE r.tenant_id = $1`,
  [tenantId],
)
phase('foreign keys checked, live counts set')

await q('VACUUM (ANALYZE) users, user_groups, audit_events, organizations, resellers, groups, roles')
phase('VACUUM ANALYZE')

const { rows: summary } = await q(
  `SELECT r.name, r.id, r.user_count, r.organization_count FROM resellers r WHERE r.tenant_id = $1
   ORDER BY r.user_count DESC LIMIT 3`,
  [tenantId],
)
const { rows: totals } = await q(
  `SELECT (SELECT count(*) FROM user_groups)::int AS memberships, (SELECT count(*) FROM audit_events)::int AS events,
     pg_size_pretty(pg_total_relation_size('users')) AS users_size`,
)
await main.end()

const seconds = ((performance.now() - started) / 1000).toFixed(1)
process.stdout.write(
  [
    '',
    `Seeded ${userCount.toLocaleString('en')} users in ${seconds} s (${totals[0].memberships.toLocaleString('en')} group memberships, ${totals[0].events.toLocaleString('en')} audit events; users table with indexes: ${totals[0].users_size}).`,
    `Tenant ${tenantDomain} (${tenantId}); csp client ${clientId} / ${clientSecret}`,
    ...summary.map(
      (r) => `  ${r.name}: ${r.id}, ${r.user_count} users, ${r.organization_count} organizations`,
    ),
    '',
  ].join('\n'),
)
