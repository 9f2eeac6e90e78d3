// Text patterns: LIKE escaping, and which contains-patterns a trigram index can serve.
import { type FieldSpec, type Filter, specOf } from './language.ts'

/** A value as literal text in a LIKE pattern: %, _ and backslash match themselves. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

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
        (f.op === 'cn' || f.op === 'nc') &&
        specOf(specs, f.field)?.isTrigramIndexed &&
        !isTrigramPattern(f.value),
    )
    .map((f) => `${f.field}[${f.op}]`)
  if (search.value && search.specs.some((spec) => spec.isTrigramIndexed) && !isTrigramPattern(search.value))
    names.push('search')
  return names
}
