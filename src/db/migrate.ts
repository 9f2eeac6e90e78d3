// Applies the plain SQL files of db/migrations in name order, each once, recorded in schema_migrations.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db } from './connection.ts'

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
// Any number of processes may start at once against one server: one applies, the others wait.
const MIGRATION_LOCK = 72_750_001

export function listMigrations(): { name: string; sql: string }[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8') }))
}

export async function migrate(db: Db): Promise<string[]> {
  const applied: string[] = []
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name),
    )
    for (const migration of listMigrations()) {
      if (done.has(migration.name)) continue
      await runScript(tx, migration.sql)
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name])
      applied.push(migration.name)
    }
  })
  return applied
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  const exists = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  )
  if (!exists.rows[0]?.present) return listMigrations().map((m) => m.name)
  const done = new Set(
    (await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name),
  )
  return listMigrations()
    .map((m) => m.name)
    .filter((name) => !done.has(name))
}

// Both drivers take one statement per extended-protocol query; split on the ";" that ends a line.
// Migrations keep function bodies in $$ quotes, which this respects.
async function runScript(tx: { query: Db['query'] }, sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await tx.query(statement)
}

export function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  let inDollar = false
  for (const line of sql.split('\n')) {
    if (!inDollar && /^\s*--/.test(line)) continue
    current += `${line}\n`
    const dollars = line.match(/\$\$/g)?.length ?? 0
    if (dollars % 2 === 1) inDollar = !inDollar
    if (!inDollar && /;\s*$/.test(line)) {
      const statement = current.trim()
      if (statement !== ';') statements.push(statement)
      current = ''
    }
  }
  if (current.trim()) statements.push(current.trim())
  return statements
}
