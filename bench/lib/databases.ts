// Where the service under test keeps its data: the PostgreSQL server (default) or the embedded database
// (--embedded). Each service run gets either a fresh, empty database or the seeded one.
//
// Server: a fresh database is bench_scratch_<pid>_<n>, dropped after its run; the seeded one is
// bench_seed_<users>, filled by scripts/seed-users.ts and kept for the next run (a marker table records a
// completed seed; --reseed rebuilds it), or the database of --seeded-database-url, used as it is.
// Embedded: a fresh database is memory://; the seeded one is a PGlite data directory in the OS temp dir,
// kept likewise. The benchmark opens the embedded one itself only while no service holds it.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type Db, openDatabase } from '../../src/db/connection.ts'
import { baseEnv, ROOT, track } from './processes.ts'

export interface DatabaseEnv {
  /** DATABASE_URL (and DATA_DIR) for the service and for bare baseline processes. */
  env: Record<string, string>
  /** Opens it from the benchmark's process (embedded: only while no service runs on it). */
  open(poolSize: number): Promise<Db>
}

export interface Scratch extends DatabaseEnv {
  dispose(): Promise<void>
}

export interface Target {
  kind: 'postgres' | 'embedded'
  describe(): Promise<string>
  scratch(): Promise<Scratch>
  seeded(): Promise<DatabaseEnv>
  dispose(): Promise<void>
}

export interface TargetOptions {
  users: number
  reseed: boolean
  /** The server to create databases on (any database of it the user may connect to). */
  databaseUrl: string
  seededDatabaseUrl: string | null
  log(message: string): void
}

async function runScript(script: string, args: string[], env: Record<string, string>): Promise<void> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...baseEnv(), ...env },
      // The script's progress goes to stderr: stdout is the benchmark's table.
      stdio: ['ignore', process.stderr, 'inherit'],
    }),
  )
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`${script} exited with ${code}`)
}

const withDatabase = (url: string, name: string) => {
  const next = new URL(url)
  next.pathname = `/${name}`
  return next.toString()
}

export function postgresTarget(options: TargetOptions): Target {
  const scratchNames = new Set<string>()
  let counter = 0
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: options.databaseUrl })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  const drop = (name: string) =>
    admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)).then(() => {
      scratchNames.delete(name)
    })
  const envOf = (url: string): DatabaseEnv => ({
    env: { DATABASE_URL: url },
    open: (poolSize) => openDatabase({ kind: 'postgres', url }, poolSize),
  })
  let seeded: Promise<DatabaseEnv> | null = null

  async function seed(): Promise<DatabaseEnv> {
    if (options.seededDatabaseUrl) return envOf(options.seededDatabaseUrl)
    const name = `bench_seed_${options.users}`
    const url = withDatabase(options.databaseUrl, name)
    const exists = await admin(
      async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0,
    )
    let isComplete = false
    if (exists && !options.reseed) {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const { rows } = await client.query(
          "SELECT users FROM bench_seed_marker WHERE to_regclass('public.bench_seed_marker') IS NOT NULL",
        )
        isComplete = rows[0]?.users === options.users
      } catch {
        isComplete = false
      } finally {
        await client.end()
      }
    }
    if (isComplete) {
      options.log(`using the seeded database ${name} (--reseed rebuilds it)`)
      return envOf(url)
    }
    options.log(`seeding ${options.users.toLocaleString('en')} users into ${name}`)
    if (fs.existsSync(path.join(ROOT, 'scripts/seed-users.ts'))) {
      await runScript(
        'scripts/seed-users.ts',
        ['--users', String(options.users), '--database-url', url, '--replace'],
        {},
      )
    } else {
      await drop(name)
      await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`))
      await runScript('bench/lib/seed-minimal.ts', ['--users', String(options.users)], { DATABASE_URL: url })
    }
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(
        'CREATE TABLE bench_seed_marker (users integer NOT NULL, seeded_at timestamptz NOT NULL)',
      )
      await client.query('INSERT INTO bench_seed_marker VALUES ($1, now())', [options.users])
    } finally {
      await client.end()
    }
    return envOf(url)
  }

  /** Drops the fresh databases of earlier runs that died without dropping theirs (their process is gone). */
  async function dropOrphans(): Promise<void> {
    const { rows } = await admin((c) =>
      c.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_scratch\\_%'",
      ),
    )
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2])
      if (!Number.isInteger(pid) || pid === process.pid) continue
      try {
        process.kill(pid, 0)
        continue // its run is still going
      } catch {}
      options.log(`dropping ${datname}, left by a run that did not finish`)
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`))
    }
  }
  let orphansDropped: Promise<void> | null = null

  return {
    kind: 'postgres',
    async describe() {
      const version = await admin(async (c) => (await c.query('SHOW server_version')).rows[0].server_version)
      const { hostname, port } = new URL(options.databaseUrl)
      return `PostgreSQL ${String(version).split(' ')[0]} server at ${hostname}:${port || 5432}`
    },
    async scratch() {
      orphansDropped ??= dropOrphans().catch((error) => options.log(`could not drop old databases: ${error}`))
      await orphansDropped
      const name = `bench_scratch_${process.pid}_${counter++}`
      await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`))
      scratchNames.add(name)
      return { ...envOf(withDatabase(options.databaseUrl, name)), dispose: () => drop(name) }
    },
    seeded() {
      seeded ??= seed()
      return seeded
    },
    async dispose() {
      for (const name of [...scratchNames]) await drop(name).catch(() => {})
    },
  }
}

export function embeddedTarget(options: TargetOptions): Target {
  let seeded: Promise<DatabaseEnv> | null = null
  async function seed(): Promise<DatabaseEnv> {
    const dir = path.join(os.tmpdir(), `reseller-api-bench-seed-${options.users}`)
    const marker = path.join(dir, 'bench-seed.json')
    const env = { DATABASE_URL: '', DATA_DIR: dir }
    const result: DatabaseEnv = {
      env,
      open: () => openDatabase({ kind: 'pglite-disk', dataDir: dir }),
    }
    if (!options.reseed && fs.existsSync(marker)) {
      options.log(`using the seeded embedded database in ${dir} (--reseed rebuilds it)`)
      return result
    }
    options.log(`seeding ${options.users.toLocaleString('en')} users into the embedded database in ${dir}`)
    fs.rmSync(dir, { recursive: true, force: true })
    await runScript('bench/lib/seed-minimal.ts', ['--users', String(options.users)], env)
    fs.writeFileSync(marker, JSON.stringify({ users: options.users, seededAt: new Date().toISOString() }))
    return result
  }
  return {
    kind: 'embedded',
    async describe() {
      const pkg = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
      ) as { version: string }
      return `embedded database (PGlite ${pkg.version}, in the service's process)`
    },
    async scratch() {
      return {
        env: { DATABASE_URL: 'memory://' },
        open: () =>
          Promise.reject(new Error('an in-memory embedded database is only reachable through the service')),
        dispose: async () => {},
      }
    },
    seeded() {
      seeded ??= seed()
      return seeded
    },
    async dispose() {},
  }
}
