// PGlite (embedded) and a PostgreSQL server behind one small interface: query and transaction.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { DatabaseTarget } from '../config.ts'
import { noteQuery } from './query-count.ts'
import { Sql } from './sql.ts'

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface QueryOptions {
  /**
   * A statement whose text never varies and that runs often: on a PostgreSQL server it is prepared once per
   * connection (parsed, and planned generically once that is no worse), not parsed and planned each time.
   * Never for SQL built from a request's filters or pages: each distinct text stays prepared on its connection.
   */
  isPrepared?: boolean
}

export interface Queryable {
  /** A statement written with the sql`…` template (db/sql.ts), or as text with its positional params. */
  query<T = Record<string, unknown>>(statement: Sql, options?: QueryOptions): Promise<QueryResult<T>>
  query<T = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<T>>
}

export type QueryArgs = [
  statement: Sql | string,
  params?: readonly unknown[] | QueryOptions,
  options?: QueryOptions,
]

/** A query's arguments, whichever form they take, as text, params and options. */
export function statementOf([statement, second, third]: QueryArgs): {
  text: string
  params: readonly unknown[] | undefined
  options: QueryOptions | undefined
} {
  if (statement instanceof Sql) {
    const { text, params } = statement.compile()
    return { text, params, options: second as QueryOptions | undefined }
  }
  return { text: statement, params: second as readonly unknown[] | undefined, options: third }
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Runs fn on one connection held throughout (for session-level advisory locks); no transaction. */
  withConnection<T>(fn: (connection: Queryable) => Promise<T>): Promise<T>
  /** Runs fn for each NOTIFY on channel; resolves to an unsubscribe function. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

/** node-postgres prepares a statement under a name, once per connection: the name of a text is its hash. */
const statementNames = new Map<string, string>()
function pgQuery(args: QueryArgs): pg.QueryConfig {
  const { text, params, options } = statementOf(args)
  // Without params, no values at all: the simple protocol, which takes several statements (migrations).
  if (params === undefined) return { text }
  const values = params as unknown[]
  if (!options?.isPrepared) return { text, values }
  let name = statementNames.get(text)
  if (name === undefined) {
    name = `s_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
    statementNames.set(text, name)
  }
  return { name, text, values }
}

// node-postgres returns int8 as a string; every count we read is cast to int in SQL, so keep the default.
/** A Queryable over one pg client or pool. */
function pgQueryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(...args: QueryArgs) {
      noteQuery()
      const result = await target.query(pgQuery(args))
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 }
    },
  } as Queryable
}

function wrapPg(pool: pg.Pool): Db {
  return {
    kind: 'postgres',
    ...pgQueryable(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect()
      const tx = pgQueryable(client)
      try {
        noteQuery()
        await client.query('BEGIN')
        const value = await fn(tx)
        noteQuery()
        await client.query('COMMIT')
        client.release()
        return value
      } catch (error) {
        // A failed ROLLBACK means the connection is broken: destroy it rather than return it to the pool.
        try {
          noteQuery()
          await client.query('ROLLBACK')
          client.release()
        } catch (rollbackError) {
          client.release(rollbackError as Error)
        }
        throw error
      }
    },
    async withConnection(fn) {
      const client = await pool.connect()
      try {
        return await fn(pgQueryable(client))
      } finally {
        client.release()
      }
    },
    async listen(channel, fn) {
      const client = await pool.connect()
      const handler = (message: pg.Notification) => {
        if (message.channel === channel) fn(message.payload ?? '')
      }
      client.on('notification', handler)
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      return async () => {
        client.off('notification', handler)
        try {
          await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`)
        } finally {
          client.release()
        }
      }
    },
    async close() {
      await pool.end()
    },
  }
}

/** A Queryable over PGlite or one of its transactions (PGlite prepares nothing by name: options unused). */
function pgliteQueryable(target: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<T>(...args: QueryArgs) {
      noteQuery()
      const { text, params } = statementOf(args)
      const result = await target.query<T>(text, params as unknown[])
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
    },
  } as Queryable
}

function wrapPglite(db: PGlite): Db {
  return {
    kind: 'pglite',
    ...pgliteQueryable(db),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      // PGlite sends BEGIN and COMMIT (or ROLLBACK) itself: counted as on a server, so that both agree.
      noteQuery()
      try {
        return await db.transaction(async (inner) => fn(pgliteQueryable(inner)))
      } finally {
        noteQuery()
      }
    },
    async withConnection(fn) {
      return fn(this)
    },
    async listen(channel, fn) {
      return db.listen(channel, fn)
    },
    async close() {
      await db.close()
    },
  }
}

/** The embedded database is loaded only when used: a process on a server never pays for it. */
async function loadPglite() {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ])
  return { PGlite, pg_trgm }
}

/**
 * PostgreSQL's own default of 128 MB of shared buffers lives inside PGlite's WebAssembly memory, in the
 * service's RSS, and is touched as it warms: with it an idle service on the embedded database held about
 * 290 MB (280 of them PGlite's). An embedded database serves one process; its data files stay in the OS page
 * cache anyway, so 16 MB of buffers is ample for it. On disk only: with memory:// the same setting made the
 * process larger (WASM memory 244 → 579 MB, not understood yet), so it keeps PGlite's defaults.
 */
const PGLITE_SHARED_BUFFERS = '16MB'
const pgliteOptions = (PGlite: typeof import('@electric-sql/pglite').PGlite, pg_trgm: unknown) => ({
  extensions: { pg_trgm } as never,
  startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
})

export async function openDatabase(target: DatabaseTarget, poolSize = 10): Promise<Db> {
  switch (target.kind) {
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: target.url, max: poolSize })
      // An idle client that errors (server restart) must not crash the process; the pool replaces it.
      pool.on('error', () => {})
      return wrapPg(pool)
    }
    case 'pglite-memory': {
      const { PGlite, pg_trgm } = await loadPglite()
      const db = new PGlite({ extensions: { pg_trgm } })
      await db.waitReady
      return wrapPglite(db)
    }
    case 'pglite-disk': {
      const dir = path.join(target.dataDir, 'pgdata')
      fs.mkdirSync(target.dataDir, { recursive: true, mode: 0o700 })
      const { PGlite, pg_trgm } = await loadPglite()
      const db = new PGlite(dir, pgliteOptions(PGlite, pg_trgm))
      await db.waitReady
      return wrapPglite(db)
    }
  }
}
