// Lists: filters, sort and paging turned into parameterised SQL over a whitelist of fields.
import { invalid } from './errors.ts'
import { isUuid } from './ids.ts'

export const TEXT_OPERATORS = ['eq', 'ne', 'sw', 'ew', 'cn', 'nc', 'in', 'nin'] as const
export const ID_OPERATORS = ['eq', 'ne', 'in', 'nin'] as const
export const DATE_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const
export type Operator = (typeof TEXT_OPERATORS)[number] | (typeof DATE_OPERATORS)[number]

export interface Filter {
  field: string
  op: Operator
  value: string
}

export interface SortKey {
  field: string
  isDescending: boolean
}

export interface ListQuery {
  filters: Filter[]
  sort: SortKey[]
  search: string | null
  offset: number
  limit: number
}

export type FieldKind = 'text' | 'email' | 'id' | 'date'

export interface FieldSpec {
  /** A SQL expression over the listed table's alias. */
  column: string
  kind: FieldKind
  isSortable?: boolean
  /** What ORDER BY uses when it differs from the filter column (e.g. lower(email), to match an index). */
  sortColumn?: string
  /** The column can be NULL (the complement of a three-valued condition then includes the NULLs). */
  isNullable?: boolean
  /**
   * Every value the column can hold (the rows its foreign key references), as a query of the values that
   * match a condition on the given column: a pattern (sw, ew, cn, nc) is then matched against these few
   * values, and the listed rows by equality with them, through an index, instead of row by row.
   */
  lookup?: (match: (column: string) => string) => string
  /**
   * sw and ew are served by btree indexes of lower(column) and reverse(lower(column)) (text_pattern_ops):
   * ranges of any length. Without it they are ILIKE patterns (fine for a few thousand rows).
   */
  hasAffixIndexes?: boolean
  /**
   * cn and nc are served by a trigram index, which can look up a pattern only if it holds three letters or
   * digits in a row; any other pattern is matched row by row (see unindexedPatterns).
   */
  isTrigramIndexed?: boolean
}

/**
 * One filter as SQL. The complement, when there is one, holds exactly for the rows the condition does not
 * (NULLs included), so that a total can be counted from the other side: everything minus the complement.
 */
export interface FilterClause {
  /** The filtered column (a SQL expression). */
  column: string
  condition: string
  /** The same rows as the condition, in a form an index can count (a lookup field's `<>` as `= ANY(…)`). */
  countable: string
  complement: string | null
  /**
   * Which side a total should count: the complement (a negation: ne, nin, nc, which leave out few rows as a
   * rule), the side of a one-sided date range that the midpoint of the dates says is smaller, the side a
   * sample says is smaller (a lookup field: both sides are index ranges), or the condition.
   */
  side: 'complement' | 'midpoint' | 'sample' | 'condition'
  /** A one-sided date range: the condition with another expression (e.g. a midpoint) in place of the column. */
  rangeAt: ((expression: string) => string) | null
}

/** The list fields of a named contact (a reseller, an organization): the same on both. */
export const CONTACT_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', kind: 'id' },
  name: { column: 'name', kind: 'text' },
  email: { column: 'email', kind: 'email', sortColumn: 'lower(email)' },
  createdAt: { column: 'created_at', kind: 'date' },
  updatedAt: { column: 'updated_at', kind: 'date' },
}

export const operatorsOf = (kind: FieldKind): readonly Operator[] =>
  kind === 'date' ? DATE_OPERATORS : kind === 'id' ? ID_OPERATORS : TEXT_OPERATORS

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * Up to this many matches, a filtered page is sorted from the matches' ids (amongMatches), which the filters'
 * own indexes find, rather than by walking the sort's index: a walk passes every row between two matches,
 * all of a table's when they are rare or sit late in its order, where sorting a few thousand takes a few ms.
 */
export const FEW_MATCHES = 5000

/** `alias.id` is one of the ids of the table's rows that `where` (over the same alias) matches. */
export const amongMatches = (table: string, alias: string, where: string) =>
  `${alias}.id = ANY(ARRAY(SELECT ${alias}.id FROM ${table} ${alias} WHERE ${where}))`

/** What a trigram index can look up: three letters or digits in a row (pg_trgm splits words on the rest). */
const isTrigramPattern = (value: string) => /[\p{L}\p{N}]{3}/u.test(value)

/**
 * The parameters (`name[cn]`, `search`…) whose pattern no index can serve: a contains-pattern on a
 * trigram-indexed field without three letters or digits in a row, matched row by row over the whole list.
 */
export function unindexedPatterns(
  specs: Record<string, FieldSpec>,
  filters: readonly Filter[],
  search: { value: string | null; specs: readonly FieldSpec[] },
): string[] {
  const names = filters
    .filter(
      (f) =>
        (f.op === 'cn' || f.op === 'nc') && specs[f.field]?.isTrigramIndexed && !isTrigramPattern(f.value),
    )
    .map((f) => `${f.field}[${f.op}]`)
  if (search.value && search.specs.some((spec) => spec.isTrigramIndexed) && !isTrigramPattern(search.value))
    names.push('search')
  return names
}

/** Builds WHERE conditions for the filters, pushing values onto params; refuses unknown fields. */
export function filterConditions(
  specs: Record<string, FieldSpec>,
  filters: readonly Filter[],
  params: unknown[],
): string[] {
  return filterClauses(specs, filters, params).map((clause) => clause.condition)
}

/** The filters as SQL conditions with their complements (see FilterClause); values go onto params. */
export function filterClauses(
  specs: Record<string, FieldSpec>,
  filters: readonly Filter[],
  params: unknown[],
): FilterClause[] {
  const clauses: FilterClause[] = []
  const bind = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  for (const filter of filters) {
    const spec = specs[filter.field]
    if (!spec || !operatorsOf(spec.kind).includes(filter.op))
      throw invalid(filter.field, `Filtering on ${filter.field}[${filter.op}] is not supported.`)
    const { column, kind } = spec
    const push = (
      condition: string,
      complement: string | null = null,
      side: FilterClause['side'] = complement ? 'complement' : 'condition',
      extra: Partial<Pick<FilterClause, 'countable' | 'rangeAt'>> = {},
    ) => clauses.push({ column, condition, countable: condition, complement, side, rangeAt: null, ...extra })
    // A three-valued condition leaves out NULLs; its complement must take them in.
    const orNull = (sql: string) => (spec.isNullable ? `(${sql} OR ${column} IS NULL)` : sql)
    const isList = filter.op === 'in' || filter.op === 'nin'
    const values = isList ? filter.value.split(',').map((v) => v.trim()) : [filter.value]
    if (kind === 'id' && values.some((v) => !isUuid(v))) {
      // No row has an id that is not a UUID: eq/in match nothing, ne/nin match everything.
      const valid = values.filter(isUuid)
      if (filter.op === 'eq' || (filter.op === 'in' && valid.length === 0)) push('false')
      else if (filter.op === 'in') push(`${column} = ANY(${bind(valid)}::uuid[])`)
      else if (filter.op === 'nin' && valid.length > 0) {
        const list = bind(valid)
        push(`(${column} IS NULL OR ${column} <> ALL(${list}::uuid[]))`, `${column} = ANY(${list}::uuid[])`)
      }
      continue
    }
    if (kind === 'date') {
      const date = new Date(filter.value)
      if (Number.isNaN(date.getTime()))
        throw invalid(filter.field, `${filter.field}[${filter.op}] must be an ISO-8601 date.`)
      // Responses show times to the millisecond, the database keeps microseconds: compare whole
      // milliseconds, so that a time read from a response matches (eq) the row it came from.
      const start = () => `${bind(date.toISOString())}::timestamptz`
      const end = () => `${bind(new Date(date.getTime() + 1).toISOString())}::timestamptz`
      if (filter.op === 'eq' || filter.op === 'ne') {
        const [from, to] = [start(), end()]
        const inside = `(${column} >= ${from} AND ${column} < ${to})`
        const outside = `(${column} < ${from} OR ${column} >= ${to})`
        if (filter.op === 'eq') push(inside)
        else push(outside, orNull(inside))
        continue
      }
      // One-sided: [bound, ∞) or (-∞, bound).
      const isAbove = filter.op === 'gt' || filter.op === 'gte'
      const bound = filter.op === 'gt' || filter.op === 'lte' ? end() : start()
      const at = (expression: string) => `${expression} ${isAbove ? '>=' : '<'} ${bound}`
      push(at(column), orNull(`${column} ${isAbove ? '<' : '>='} ${bound}`), 'midpoint', { rangeAt: at })
      continue
    }
    const isCaseless = kind === 'email'
    const col = isCaseless ? `lower(${column})` : column
    const val = (v: string) => (isCaseless ? v.toLowerCase() : v)
    const cast = kind === 'id' ? '::uuid' : ''
    const arrayCast = kind === 'id' ? '::uuid[]' : '::text[]'
    if (spec.lookup) {
      // Either side of the filter is the rows holding one of a few values: index ranges, both countable.
      const { lookup } = spec
      const holding = (test: (c: string) => string) => `${column} = ANY(ARRAY(${lookup(test)}))`
      let test: (c: string) => string
      let condition: string
      if (filter.op === 'eq' || filter.op === 'ne') {
        const value = bind(filter.value)
        test = (c) => `${c} = ${value}`
        condition = filter.op === 'eq' ? test(column) : `${column} IS DISTINCT FROM ${value}`
      } else if (filter.op === 'in' || filter.op === 'nin') {
        const list = `${bind(values)}::text[]`
        test = (c) => `${c} = ANY(${list})`
        condition = filter.op === 'in' ? test(column) : `(${column} IS NULL OR ${column} <> ALL(${list}))`
      } else {
        const escaped = escapeLike(filter.value)
        const pattern = bind(
          filter.op === 'sw' ? `${escaped}%` : filter.op === 'ew' ? `%${escaped}` : `%${escaped}%`,
        )
        test = (c) => `${c} ILIKE ${pattern}`
        condition = filter.op === 'nc' ? `${column} NOT ILIKE ${pattern}` : holding(test)
      }
      const passing = holding(test)
      const failing = holding((c) => `NOT (${test(c)})`)
      if (filter.op === 'ne' || filter.op === 'nin' || filter.op === 'nc') {
        // ne and nin take the NULLs in, nc leaves them out (as for any text field).
        const countable =
          filter.op !== 'nc' && spec.isNullable ? `(${failing} OR ${column} IS NULL)` : failing
        push(condition, filter.op === 'nc' ? orNull(passing) : passing, 'sample', { countable })
      } else push(condition, orNull(failing), 'sample')
      continue
    }
    switch (filter.op) {
      case 'eq':
        push(`${col} = ${bind(val(filter.value))}${cast}`)
        break
      case 'ne': {
        // A null (a user in no organization) is not equal to the value either.
        const value = `${bind(val(filter.value))}${cast}`
        push(`${col} IS DISTINCT FROM ${value}`, `${col} = ${value}`)
        break
      }
      case 'in':
        push(`${col} = ANY(${bind(values.map(val))}${arrayCast})`)
        break
      case 'nin': {
        const list = `${bind(values.map(val))}${arrayCast}`
        push(`(${col} IS NULL OR ${col} <> ALL(${list}))`, `${col} = ANY(${list})`)
        break
      }
      // lower() of the escaped value leaves the escapes as they are; the pattern folds to a constant at
      // planning, so that LIKE 'abc%' becomes an index range. A suffix is the prefix of the reversed value
      // (reversed here, code point by code point, as reverse() does).
      case 'sw':
        if (spec.hasAffixIndexes)
          push(`lower(${column}) LIKE lower(${bind(escapeLike(filter.value))}) || '%'`)
        else push(`${column} ILIKE ${bind(`${escapeLike(filter.value)}%`)}`)
        break
      case 'ew':
        if (spec.hasAffixIndexes)
          push(
            `reverse(lower(${column})) LIKE lower(${bind(escapeLike([...filter.value].reverse().join('')))}) || '%'`,
          )
        else push(`${column} ILIKE ${bind(`%${escapeLike(filter.value)}`)}`)
        break
      case 'cn':
        push(`${column} ILIKE ${bind(`%${escapeLike(filter.value)}%`)}`)
        break
      case 'nc': {
        const pattern = bind(`%${escapeLike(filter.value)}%`)
        push(`${column} NOT ILIKE ${pattern}`, orNull(`${column} ILIKE ${pattern}`))
        break
      }
      default:
        throw invalid(filter.field, `Filtering on ${filter.field}[${filter.op}] is not supported.`)
    }
  }
  return clauses
}

/**
 * ORDER BY for the sort keys, always ending in the id so that pages never repeat or skip a row. Reversed, it
 * is the exact opposite order (every key flips, NULLS FIRST/LAST with it): a page near the end of a list is
 * a page near the start of the reversed one.
 */
export function orderBy(
  specs: Record<string, FieldSpec>,
  sort: readonly SortKey[],
  fallback: SortKey[],
  idColumn: string,
  isReversed = false,
): string {
  const keys = sort.length > 0 ? sort : fallback
  const direction = (isDescending: boolean) => (isDescending !== isReversed ? 'DESC' : 'ASC')
  const parts = keys.map((key) => {
    const spec = specs[key.field]
    if (!spec || spec.isSortable === false) throw invalid('sort', `Sorting by ${key.field} is not supported.`)
    return `${spec.sortColumn ?? spec.column} ${direction(key.isDescending)}`
  })
  const last = keys[keys.length - 1]
  parts.push(`${idColumn} ${direction(last?.isDescending ?? false)}`)
  return parts.join(', ')
}

/** A free-text search: any of the columns contains the term (case-insensitively; % and _ match literally). */
export function searchCondition(
  columns: readonly string[],
  search: string | null,
  params: unknown[],
): string[] {
  if (!search) return []
  params.push(`%${escapeLike(search)}%`)
  return [`(${columns.map((column) => `${column} ILIKE $${params.length}`).join(' OR ')})`]
}
