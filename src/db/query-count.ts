// How many statements a unit of work (an HTTP request) sent to the database: a counter carried by
// AsyncLocalStorage, so that no query has to be handed one. Statements outside any counted work (the
// dispatcher, the key reload, start-up) count nowhere.
import { AsyncLocalStorage } from 'node:async_hooks'

export interface QueryTally {
  count: number
}

const current = new AsyncLocalStorage<QueryTally>()

/** Runs fn with every statement it (and what it starts) sends counted in tally. */
export function countingQueries<T>(tally: QueryTally, fn: () => T): T {
  return current.run(tally, fn)
}

/** One statement sent (BEGIN and COMMIT included: each is a round trip on a server). */
export function noteQuery(): void {
  const tally = current.getStore()
  if (tally) tally.count++
}
