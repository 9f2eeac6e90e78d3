// SQL as a tagged template: sql`… ${value} …` keeps values out of the text and numbers them itself, so no
// positional-parameter contract has to be kept by hand (or in a comment).

/** A value to be bound once, however many places of a statement name it (the same $n in each). */
export class Param {
  constructor(readonly value: unknown) {}
}

/** A piece of SQL: text with holes, and what fills each hole (a value, a Param or another piece). */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** The text with $1…$n and the values to bind, in order; a Param named twice is bound once. */
  compile(): { text: string; params: unknown[] } {
    const params: unknown[] = []
    const numbers = new Map<Param, number>()
    const write = (piece: Sql): string => {
      let text = piece.strings[0] ?? ''
      piece.values.forEach((value, index) => {
        text += placeholder(value) + (piece.strings[index + 1] ?? '')
      })
      return text
    }
    const placeholder = (value: unknown): string => {
      if (value instanceof Sql) return write(value)
      if (value instanceof Param) {
        let number = numbers.get(value)
        if (number === undefined) {
          params.push(value.value)
          number = params.length
          numbers.set(value, number)
        }
        return `$${number}`
      }
      params.push(value)
      return `$${params.length}`
    }
    const text = write(this)
    return { text, params }
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values)
}

/** Trusted text as SQL (a column list, an identifier from a whitelist): never a request's value. */
sql.raw = (text: string): Sql => new Sql([text], [])

/** Pieces joined by a separator (raw text, e.g. ', ' or ' AND '). */
sql.join = (pieces: readonly Sql[], separator = ', '): Sql => {
  if (pieces.length === 0) return sql.raw('')
  const strings = ['', ...Array.from({ length: pieces.length - 1 }, () => separator), '']
  return new Sql(strings, pieces)
}

/** A value bound once and named as often as needed: `const at = sql.param(now)` then `${at}` twice. */
sql.param = (value: unknown): Param => new Param(value)

/** No SQL at all (an optional clause left out). */
sql.empty = new Sql([''], [])
