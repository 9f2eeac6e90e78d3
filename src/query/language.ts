// The list language: the fields a list offers, their kinds and operators, and a parsed list request.

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
   * The lookup answers other values than the filter's (an email → the ids of the users holding it): every
   * operator then matches the lookup's values, and the column is compared with what it answers.
   */
  isLookupMapping?: boolean
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
  /** What the filter selects, when its name does not say (the query-string schema describes it with this). */
  description?: string
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

/** The spec of a field a list offers; none for any other name (an own key only: never `valueOf` or `__proto__`). */
export const specOf = (specs: Record<string, FieldSpec>, field: string): FieldSpec | undefined =>
  Object.hasOwn(specs, field) ? specs[field] : undefined
