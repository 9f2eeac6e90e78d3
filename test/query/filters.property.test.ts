// The filter language, for any input: a filter either becomes SQL that PostgreSQL runs, or is refused as
// Invalid (a 400 at the edge) — never SQL the database rejects. Checked against a real database.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.ts'
import { USER_FIELDS } from '../../src/domain/users/list.ts'
import { filterClauses } from '../../src/query/filters.ts'
import { CONTACT_FIELDS, DATE_OPERATORS, type Filter, TEXT_OPERATORS } from '../../src/query/language.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const OPERATORS = [...new Set([...TEXT_OPERATORS, ...DATE_OPERATORS])]

/** Any value a query string can carry, but a NUL byte: that one is refused at the edge, before the language. */
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\u0000', '')),
  fc.constantFrom('', '%', '_', '\\', '%_\\', ',', ',,', 'a,b', ' ', "'", '"; DROP TABLE users; --'),
  fc.uuid().map(String),
  fc.array(fc.uuid(), { maxLength: 3 }).map((ids) => ids.join(',')),
  fc
    .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('2026-13-45', 'yesterday', '1e308', '-1', 'NaN'),
)

const filterOver = (fields: Record<string, unknown>) =>
  fc.record<Filter>({
    field: fc.oneof(
      { arbitrary: fc.constantFrom(...Object.keys(fields)), weight: 6 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
      { arbitrary: fc.constantFrom('valueOf', '__proto__', 'constructor', 'toString'), weight: 1 },
    ),
    op: fc.oneof(
      { arbitrary: fc.constantFrom(...OPERATORS), weight: 6 },
      { arbitrary: fc.string({ maxLength: 4 }), weight: 1 },
    ) as fc.Arbitrary<Filter['op']>,
    value,
  })

/** Runs the filters over a table: true when PostgreSQL ran them, false when the language refused them. */
async function runs(table: string, alias: string, fields: typeof CONTACT_FIELDS, filters: Filter[]) {
  const params: unknown[] = [t.tenantId]
  let conditions: string[]
  try {
    conditions = filterClauses(fields, filters, params).flatMap((c) => [c.condition, c.countable])
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError)
    expect((error as DomainError).kind).toBe('Invalid')
    return false
  }
  const where = [`${alias}.tenant_id = $1`, ...conditions].join(' AND ')
  await t.db.query(`SELECT count(*) FROM ${table} ${alias} WHERE ${where}`, params)
  return true
}

describe('the filter language, for any filter', () => {
  it('gives user-list SQL that PostgreSQL accepts, or refuses it as Invalid', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(fc.array(filterOver(USER_FIELDS), { minLength: 1, maxLength: 3 }), async (filters) => {
        if (await runs('users', 'u', USER_FIELDS, filters)) accepted++
      }),
      { numRuns: 300 },
    )
    // Not a vacuous property: many generated filters are well-formed and reach the database.
    expect(accepted).toBeGreaterThan(15)
  })

  it('gives reseller-list SQL that PostgreSQL accepts, or refuses it as Invalid', async () => {
    const fields = Object.fromEntries(
      Object.entries(CONTACT_FIELDS).map(([name, spec]) => [name, { ...spec, column: `r.${spec.column}` }]),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(filterOver(fields), { minLength: 1, maxLength: 3 }), async (filters) => {
        await runs('resellers', 'r', fields, filters)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a field named after an Object.prototype member (found by this property)', () => {
    for (const field of ['valueOf', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])
      expect(() => filterClauses(USER_FIELDS, [{ field, op: 'eq', value: '' }], [])).toThrow(DomainError)
  })

  it('refuses an unknown field and an operator the field does not take', () => {
    expect(() => filterClauses(USER_FIELDS, [{ field: 'password', op: 'eq', value: 'x' }], [])).toThrow(
      DomainError,
    )
    expect(() => filterClauses(USER_FIELDS, [{ field: 'createdAt', op: 'cn', value: 'x' }], [])).toThrow(
      DomainError,
    )
  })
})
