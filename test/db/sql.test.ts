// The sql`…` template: values become numbered parameters, pieces nest, a Param is bound once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/db/connection.ts'
import { sql } from '../../src/db/sql.ts'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'

describe('sql template', () => {
  it('numbers values in order and keeps them out of the text', () => {
    const name = "Robert'); DROP TABLE users;--"
    const q = sql`SELECT * FROM users WHERE name = ${name} AND age > ${30}`.compile()
    expect(q.text).toBe('SELECT * FROM users WHERE name = $1 AND age > $2')
    expect(q.params).toEqual([name, 30])
  })

  it('numbers the values of nested pieces where they stand', () => {
    const where = sql`a = ${1} AND b = ${2}`
    const q = sql`SELECT ${sql.raw('x')} FROM t WHERE z = ${0} AND ${where} LIMIT ${3}`.compile()
    expect(q.text).toBe('SELECT x FROM t WHERE z = $1 AND a = $2 AND b = $3 LIMIT $4')
    expect(q.params).toEqual([0, 1, 2, 3])
  })

  it('binds a Param once however often it is named', () => {
    const tenant = sql.param('t-1')
    const q = sql`SELECT ${1} WHERE a = ${tenant} OR b = ${tenant} OR c = ${sql`${tenant}`}`.compile()
    expect(q.text).toBe('SELECT $1 WHERE a = $2 OR b = $2 OR c = $2')
    expect(q.params).toEqual([1, 't-1'])
  })

  it('joins pieces with a separator, and an empty list to nothing', () => {
    const q = sql`WHERE ${sql.join([sql`a = ${1}`, sql`b = ${2}`], ' AND ')}`.compile()
    expect(q).toEqual({ text: 'WHERE a = $1 AND b = $2', params: [1, 2] })
    expect(sql`x${sql.join([])}y${sql.empty}`.compile()).toEqual({ text: 'xy', params: [] })
  })

  it('compiles the same text for the same shape, whatever the values (prepared statements)', () => {
    const shape = (v: string) => sql`SELECT ${v}::text`.compile().text
    expect(shape('a')).toBe(shape('b'))
  })
})

describe('sql template against the database', () => {
  let database: TestDatabase
  let db: Db
  beforeAll(async () => {
    database = await createTestDatabase()
    db = await openDatabase(database.target)
  })
  afterAll(async () => {
    await db?.close()
    await database?.drop()
  })

  it('runs a composed statement with a repeated Param, in and out of a transaction', async () => {
    const word = sql.param("it's")
    const query = sql`SELECT ${word}::text AS a, ${word}::text || ${'!'}::text AS b`
    expect((await db.query<{ a: string; b: string }>(query)).rows).toEqual([{ a: "it's", b: "it's!" }])
    const inTx = await db.transaction((tx) => tx.query<{ n: number }>(sql`SELECT ${41}::int + 1 AS n`))
    expect(inTx.rows).toEqual([{ n: 42 }])
  })

  it('still takes text with positional params', async () => {
    expect((await db.query<{ n: number }>('SELECT $1::int AS n', [7])).rows).toEqual([{ n: 7 }])
  })
})
