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
}

export const operatorsOf = (kind: FieldKind): readonly Operator[] =>
  kind === 'date' ? DATE_OPERATORS : kind === 'id' ? ID_OPERATORS : TEXT_OPERATORS

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Builds WHERE conditions for the filters, pushing values onto params; refuses unknown fields. */
export function filterConditions(
  specs: Record<string, FieldSpec>,
  filters: readonly Filter[],
  params: unknown[],
): string[] {
  const conditions: string[] = []
  const bind = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  for (const filter of filters) {
    const spec = specs[filter.field]
    if (!spec || !operatorsOf(spec.kind).includes(filter.op))
      throw invalid(filter.field, `Filtering on ${filter.field}[${filter.op}] is not supported.`)
    const { column, kind } = spec
    const isList = filter.op === 'in' || filter.op === 'nin'
    const values = isList ? filter.value.split(',').map((v) => v.trim()) : [filter.value]
    if (kind === 'id' && values.some((v) => !isUuid(v))) {
      // No row has an id that is not a UUID: eq/in match nothing, ne/nin match everything.
      const valid = values.filter(isUuid)
      if (filter.op === 'eq' || (filter.op === 'in' && valid.length === 0)) conditions.push('false')
      else if (filter.op === 'in') conditions.push(`${column} = ANY(${bind(valid)}::uuid[])`)
      else if (filter.op === 'nin' && valid.length > 0)
        conditions.push(`(${column} IS NULL OR ${column} <> ALL(${bind(valid)}::uuid[]))`)
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
      const condition = {
        eq: () => `(${column} >= ${start()} AND ${column} < ${end()})`,
        ne: () => `(${column} < ${start()} OR ${column} >= ${end()})`,
        gt: () => `${column} >= ${end()}`,
        gte: () => `${column} >= ${start()}`,
        lt: () => `${column} < ${start()}`,
        lte: () => `${column} < ${end()}`,
      }[filter.op as 'eq']
      conditions.push(condition())
      continue
    }
    const isCaseless = kind === 'email'
    const col = isCaseless ? `lower(${column})` : column
    const val = (v: string) => (isCaseless ? v.toLowerCase() : v)
    const cast = kind === 'id' ? '::uuid' : ''
    switch (filter.op) {
      case 'eq':
        conditions.push(`${col} = ${bind(val(filter.value))}${cast}`)
        break
      case 'ne':
        // A null (a user in no organization) is not equal to the value either.
        conditions.push(`${col} IS DISTINCT FROM ${bind(val(filter.value))}${cast}`)
        break
      case 'in':
        conditions.push(`${col} = ANY(${bind(values.map(val))}${kind === 'id' ? '::uuid[]' : '::text[]'})`)
        break
      case 'nin':
        conditions.push(
          `(${col} IS NULL OR ${col} <> ALL(${bind(values.map(val))}${kind === 'id' ? '::uuid[]' : '::text[]'}))`,
        )
        break
      case 'sw':
        conditions.push(`${column} ILIKE ${bind(`${escapeLike(filter.value)}%`)}`)
        break
      case 'ew':
        conditions.push(`${column} ILIKE ${bind(`%${escapeLike(filter.value)}`)}`)
        break
      case 'cn':
        conditions.push(`${column} ILIKE ${bind(`%${escapeLike(filter.value)}%`)}`)
        break
      case 'nc':
        conditions.push(`${column} NOT ILIKE ${bind(`%${escapeLike(filter.value)}%`)}`)
        break
      default:
        throw invalid(filter.field, `Filtering on ${filter.field}[${filter.op}] is not supported.`)
    }
  }
  return conditions
}

/** ORDER BY for the sort keys, always ending in the id so that pages never repeat or skip a row. */
export function orderBy(
  specs: Record<string, FieldSpec>,
  sort: readonly SortKey[],
  fallback: SortKey[],
  idColumn: string,
): string {
  const keys = sort.length > 0 ? sort : fallback
  const parts = keys.map((key) => {
    const spec = specs[key.field]
    if (!spec || spec.isSortable === false) throw invalid('sort', `Sorting by ${key.field} is not supported.`)
    return `${spec.sortColumn ?? spec.column} ${key.isDescending ? 'DESC' : 'ASC'}`
  })
  const last = keys[keys.length - 1]
  parts.push(`${idColumn} ${last?.isDescending ? 'DESC' : 'ASC'}`)
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
