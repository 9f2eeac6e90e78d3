// One page of a list and its total, for the lists that are a table, a scope, filters, search and a sort.
import type { Queryable } from '../db/connection.ts'
import type { Sql } from '../db/sql.ts'
import { filterConditions } from './filters.ts'
import { CONTACT_FIELDS, type FieldSpec, type ListQuery, type SortKey } from './language.ts'
import { orderBy, searchCondition } from './order.ts'

export interface PageSource {
  /** The FROM item, with its alias when the columns use one (`webhook_deliveries d`). */
  from: string
  columns: string
  /** The rows the caller may see at all (its tenant, its reseller, not deleted). */
  scope: Sql
  /** The fields a request may filter and sort on, and what it is sorted by when it names none. */
  fields?: Record<string, FieldSpec>
  defaultSort: SortKey[]
  /** The columns `search` looks in; none: the list has no search. */
  searchColumns?: readonly string[]
  idColumn?: string
}

/** A request for one page: offset and limit, and for lists with a language, filters, sort and search. */
export type PageQuery = Pick<ListQuery, 'offset' | 'limit'> & Partial<Omit<ListQuery, 'offset' | 'limit'>>

export async function listPage<Row>(
  tx: Queryable,
  source: PageSource,
  query: PageQuery,
): Promise<{ rows: Row[]; total: number }> {
  const fields = source.fields ?? {}
  const { text: scope, params } = source.scope.compile()
  const where = [
    scope,
    ...filterConditions(fields, query.filters ?? [], params),
    ...searchCondition(
      source.searchColumns ?? [],
      source.searchColumns ? (query.search ?? null) : null,
      params,
    ),
  ].join(' AND ')
  const order = orderBy(fields, query.sort ?? [], source.defaultSort, source.idColumn ?? 'id')
  const page = [...params, query.limit, query.offset]
  const [{ rows }, count] = await Promise.all([
    tx.query<Row>(
      `SELECT ${source.columns} FROM ${source.from} WHERE ${where} ORDER BY ${order}
       LIMIT $${page.length - 1} OFFSET $${page.length}`,
      page,
    ),
    tx.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${source.from} WHERE ${where}`, params),
  ])
  return { rows, total: count.rows[0]?.total ?? 0 }
}

/** The default order of most lists: oldest first. */
export const BY_CREATION: SortKey[] = [{ field: 'createdAt', isDescending: false }]

/** For a list without a list language: only its creation order. */
export const CREATION_ORDER = {
  fields: { createdAt: { column: 'created_at', kind: 'date' } } as Record<string, FieldSpec>,
  defaultSort: BY_CREATION,
}

/** The list of a named contact (a reseller, an organization): its fields, oldest first, searched by name and email. */
export const CONTACT_LIST = {
  fields: CONTACT_FIELDS,
  defaultSort: BY_CREATION,
  searchColumns: ['name', 'email'],
}
