// Sorting a filtered page from its matches' ids, when they are few.

/**
 * Up to this many matches, a filtered page is sorted from the matches' ids (amongMatches), which the filters'
 * own indexes find, rather than by walking the sort's index: a walk passes every row between two matches,
 * all of a table's when they are rare or sit late in its order, where sorting a few thousand takes a few ms.
 */
export const FEW_MATCHES = 5000

/** `alias.id` is one of the ids of the table's rows that `where` (over the same alias) matches. */
export const amongMatches = (table: string, alias: string, where: string) =>
  `${alias}.id = ANY(ARRAY(SELECT ${alias}.id FROM ${table} ${alias} WHERE ${where}))`
