// A fresh database per test file: in-memory PGlite by default, or a new database on the PostgreSQL
// server named by TEST_DATABASE_URL (dropped afterwards).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { DatabaseTarget } from '../../src/config.ts'

export const SERVER_URL = process.env.TEST_DATABASE_URL || null

export interface TestDatabase {
  target: DatabaseTarget
  /** The DATABASE_URL a child process would use for the same database. */
  url: string
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!SERVER_URL) return { target: { kind: 'pglite-memory' }, url: 'memory://', drop: async () => {} }
  const name = `test_${Date.now()}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  return {
    target: { kind: 'postgres', url: url.toString() },
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: SERVER_URL })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
