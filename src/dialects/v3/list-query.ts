// The v3 list language: page, limit, sort, search and `field[op]=value` filters (a bare `field=value` is eq).
// The query-string schema is generated from the same field table the domain filters with.
import { type TProperties, Type } from 'typebox'
import { MAX_SCANNED_USERS } from '../../domain/users/list.ts'
import { PageNumber } from '../../http/input.ts'
import {
  type FieldSpec,
  type Filter,
  type ListQuery,
  type Operator,
  operatorsOf,
} from '../../query/language.ts'

/** The rule of unindexedPatterns, for the parameters it applies to (v3 lists are one reseller's). */
const TRIGRAM_RULE = `Without three letters or digits in a row, refused (400) on a reseller of more than ${MAX_SCANNED_USERS.toLocaleString('en-US')} users.`

export function listQuerySchema(
  fields: Record<string, FieldSpec>,
  /** search: what the list's search looks in, for its description ('name or email'); none: no search. */
  options: { search?: string } = {},
) {
  const properties: TProperties = {
    page: Type.Optional(PageNumber({ default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    sort: Type.Optional(
      Type.String({
        maxLength: 256,
        pattern: '^[+-]?[A-Za-z.]+([,|][+-]?[A-Za-z.]+)*$',
        description: 'Field names separated by | or ,; a leading - sorts descending.',
      }),
    ),
  }
  const isTrigramIndexed = Object.values(fields).some((spec) => spec.isTrigramIndexed)
  if (options.search)
    properties.search = Type.Optional(
      Type.String({
        maxLength: 256,
        description: `The ${options.search} contains this, caseless.${isTrigramIndexed ? ` ${TRIGRAM_RULE}` : ''}`,
      }),
    )
  for (const [field, spec] of Object.entries(fields)) {
    const about = spec.description ? `${spec.description} ` : ''
    properties[field] = Type.Optional(Type.String({ description: `${about}Same as ${field}[eq].` }))
    for (const op of operatorsOf(spec.kind)) {
      const rule = spec.isTrigramIndexed && (op === 'cn' || op === 'nc') ? TRIGRAM_RULE : ''
      const description = `${about}${rule}`.trim()
      properties[`${field}[${op}]`] = Type.Optional(
        description ? Type.String({ description }) : Type.String(),
      )
    }
  }
  return Type.Object(properties, { additionalProperties: false })
}

export function parseListQuery(query: Record<string, unknown>, fields: Record<string, FieldSpec>): ListQuery {
  const page = typeof query.page === 'number' ? query.page : 1
  const limit = typeof query.limit === 'number' ? query.limit : 10
  const filters: Filter[] = []
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') continue
    const match = key.match(/^([A-Za-z.]+)(?:\[([a-z]+)\])?$/)
    const field = match?.[1]
    if (!field || !Object.hasOwn(fields, field)) continue
    filters.push({ field, op: (match[2] ?? 'eq') as Operator, value })
  }
  const sort =
    typeof query.sort === 'string'
      ? query.sort.split(/[,|]/).map((part) => ({
          field: part.replace(/^[+-]/, ''),
          isDescending: part.startsWith('-'),
        }))
      : []
  const search = typeof query.search === 'string' && query.search !== '' ? query.search : null
  return { filters, sort, search, offset: (page - 1) * limit, limit }
}
