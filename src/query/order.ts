// ORDER BY and free-text search over a list's whitelisted fields.
import { invalid } from '../domain/errors.ts'
import { type FieldSpec, type SortKey, specOf } from './language.ts'
import { escapeLike } from './patterns.ts'

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
    const spec = specOf(specs, key.field)
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
