// Filters as SQL: one function per field kind, each giving the condition, its complement and how to count it.

import { assertStorableDate } from '../domain/dates.ts'
import { invalid } from '../domain/errors.ts'
import { isUuid } from '../domain/ids.ts'
import { type FieldSpec, type Filter, type FilterClause, operatorsOf, specOf } from './language.ts'
import { escapeLike } from './patterns.ts'

/** Binds a value as the next parameter and answers its placeholder. */
type Bind = (value: unknown) => string
type Push = (
  condition: string,
  complement?: string | null,
  side?: FilterClause['side'],
  extra?: Partial<Pick<FilterClause, 'countable' | 'rangeAt'>>,
) => void

interface FilterContext {
  filter: Filter
  spec: FieldSpec
  /** The filter's values: one, or a comma-separated list for in and nin. */
  values: string[]
  bind: Bind
  push: Push
  /** A three-valued condition leaves out NULLs; its complement must take them in. */
  orNull: (condition: string) => string
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
  const bind: Bind = (value) => {
    params.push(value)
    return `$${params.length}`
  }
  for (const filter of filters) {
    const spec = specOf(specs, filter.field)
    if (!spec || !operatorsOf(spec.kind).includes(filter.op)) throw unsupported(filter)
    const { column } = spec
    const isList = filter.op === 'in' || filter.op === 'nin'
    const context: FilterContext = {
      filter,
      spec,
      values: isList ? filter.value.split(',').map((v) => v.trim()) : [filter.value],
      bind,
      push: (condition, complement = null, side = complement ? 'complement' : 'condition', extra = {}) =>
        clauses.push({ column, condition, countable: condition, complement, side, rangeAt: null, ...extra }),
      orNull: (condition) => (spec.isNullable ? `(${condition} OR ${column} IS NULL)` : condition),
    }
    if (spec.kind === 'id' && context.values.some((v) => !isUuid(v))) malformedIdClause(context)
    else if (spec.kind === 'date') dateClause(context)
    else if (spec.lookup) lookupClause(context, spec.lookup)
    else textClause(context)
  }
  return clauses
}

const unsupported = (filter: Filter) =>
  invalid(filter.field, `Filtering on ${filter.field}[${filter.op}] is not supported.`)

/** No row has an id that is not a UUID: eq/in match nothing, ne/nin match everything. */
function malformedIdClause({ filter, spec: { column }, values, bind, push }: FilterContext): void {
  const valid = values.filter(isUuid)
  if (filter.op === 'eq' || (filter.op === 'in' && valid.length === 0)) push('false')
  else if (filter.op === 'in') push(`${column} = ANY(${bind(valid)}::uuid[])`)
  else if (filter.op === 'nin' && valid.length > 0) {
    const list = bind(valid)
    push(`(${column} IS NULL OR ${column} <> ALL(${list}::uuid[]))`, `${column} = ANY(${list}::uuid[])`)
  }
}

/**
 * Responses show times to the millisecond, the database keeps microseconds: whole milliseconds are compared,
 * so that a time read from a response matches (eq) the row it came from.
 */
function dateClause({ filter, spec: { column }, bind, push, orNull }: FilterContext): void {
  const date = new Date(filter.value)
  if (Number.isNaN(date.getTime()))
    throw invalid(filter.field, `${filter.field}[${filter.op}] must be an ISO-8601 date.`)
  assertStorableDate(date, `${filter.field}[${filter.op}]`)
  const start = () => `${bind(date.toISOString())}::timestamptz`
  const end = () => `${bind(new Date(date.getTime() + 1).toISOString())}::timestamptz`
  if (filter.op === 'eq' || filter.op === 'ne') {
    const [from, to] = [start(), end()]
    const inside = `(${column} >= ${from} AND ${column} < ${to})`
    const outside = `(${column} < ${from} OR ${column} >= ${to})`
    if (filter.op === 'eq') push(inside)
    else push(outside, orNull(inside))
    return
  }
  // One-sided: [bound, ∞) or (-∞, bound).
  const isAbove = filter.op === 'gt' || filter.op === 'gte'
  const bound = filter.op === 'gt' || filter.op === 'lte' ? end() : start()
  const at = (expression: string) => `${expression} ${isAbove ? '>=' : '<'} ${bound}`
  push(at(column), orNull(`${column} ${isAbove ? '<' : '>='} ${bound}`), 'midpoint', { rangeAt: at })
}

/** A pattern operator's LIKE pattern for a value. */
const likePattern = (op: Filter['op'], value: string) => {
  const escaped = escapeLike(value)
  return op === 'sw' ? `${escaped}%` : op === 'ew' ? `%${escaped}` : `%${escaped}%`
}

/** A field with few values (a lookup): either side of the filter is the rows holding some of them. */
function lookupClause(context: FilterContext, lookup: NonNullable<FieldSpec['lookup']>): void {
  const { filter, spec, values, bind, push, orNull } = context
  const { column } = spec
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
    const pattern = bind(likePattern(filter.op, filter.value))
    test = (c) => `${c} ILIKE ${pattern}`
    condition = filter.op === 'nc' ? `${column} NOT ILIKE ${pattern}` : holding(test)
  }
  if (spec.isLookupMapping) {
    // ne, nin: the rows holding none of the values that equal; nc: those holding some that do not contain.
    if (filter.op === 'ne' || filter.op === 'nin')
      push(`(${column} IS NULL OR ${column} <> ALL(ARRAY(${lookup(test)})))`, holding(test))
    else push(holding(filter.op === 'nc' ? (c) => `NOT (${test(c)})` : test))
    return
  }
  const passing = holding(test)
  const failing = holding((c) => `NOT (${test(c)})`)
  if (filter.op === 'ne' || filter.op === 'nin' || filter.op === 'nc') {
    // ne and nin take the NULLs in, nc leaves them out (as for any text field).
    const countable = filter.op !== 'nc' && spec.isNullable ? `(${failing} OR ${column} IS NULL)` : failing
    push(condition, filter.op === 'nc' ? orNull(passing) : passing, 'sample', { countable })
  } else push(condition, orNull(failing), 'sample')
}

/** Text, email (caseless) and id fields. */
function textClause({ filter, spec, values, bind, push, orNull }: FilterContext): void {
  const [condition, complement] = textCondition(filter, spec, values, bind, orNull)
  push(condition, complement ?? null)
}

function textCondition(
  filter: Filter,
  spec: FieldSpec,
  values: string[],
  bind: Bind,
  orNull: (condition: string) => string,
): [condition: string, complement?: string] {
  const { column, kind } = spec
  const isCaseless = kind === 'email'
  const col = isCaseless ? `lower(${column})` : column
  const val = (v: string) => (isCaseless ? v.toLowerCase() : v)
  const cast = kind === 'id' ? '::uuid' : ''
  const arrayCast = kind === 'id' ? '::uuid[]' : '::text[]'
  switch (filter.op) {
    case 'eq':
      return [`${col} = ${bind(val(filter.value))}${cast}`]
    case 'ne': {
      // A null (a user in no organization) is not equal to the value either.
      const value = `${bind(val(filter.value))}${cast}`
      return [`${col} IS DISTINCT FROM ${value}`, `${col} = ${value}`]
    }
    case 'in':
      return [`${col} = ANY(${bind(values.map(val))}${arrayCast})`]
    case 'nin': {
      const list = `${bind(values.map(val))}${arrayCast}`
      return [`(${col} IS NULL OR ${col} <> ALL(${list}))`, `${col} = ANY(${list})`]
    }
    // With affix indexes, lower() of the escaped value leaves the escapes as they are and the pattern folds
    // to a constant at planning, so LIKE 'abc%' is an index range; a suffix is the prefix of the reversed
    // value (reversed code point by code point, as reverse() does).
    case 'sw':
      if (spec.hasAffixIndexes)
        return [`lower(${column}) LIKE lower(${bind(escapeLike(filter.value))}) || '%'`]
      return [`${column} ILIKE ${bind(likePattern('sw', filter.value))}`]
    case 'ew':
      if (spec.hasAffixIndexes) {
        const reversed = escapeLike([...filter.value].reverse().join(''))
        return [`reverse(lower(${column})) LIKE lower(${bind(reversed)}) || '%'`]
      }
      return [`${column} ILIKE ${bind(likePattern('ew', filter.value))}`]
    case 'cn':
      return [`${column} ILIKE ${bind(likePattern('cn', filter.value))}`]
    case 'nc': {
      const pattern = bind(likePattern('nc', filter.value))
      return [`${column} NOT ILIKE ${pattern}`, orNull(`${column} ILIKE ${pattern}`)]
    }
    default:
      throw unsupported(filter)
  }
}
