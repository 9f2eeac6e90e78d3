// CSV for exports (RFC 4180), with cells that a spreadsheet would run as a formula defused.
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'

const FORMULA_START = /^[=+\-@\t\r]/

// A cell is quoted when it holds a quote, comma or line break, or starts or ends with whitespace (what trim()
// would remove: \s is the same set), tested in one pass without building the trimmed copy.
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/
const QUOTE = /"/g

/** Anything that needs defusing or quoting: most cells match none of it and go out as they are, in one test. */
const PLAIN_UNLESS = /^[=+\-@]|^\s|[",\r\n]|\s$/

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : String(value)
  if (!PLAIN_UNLESS.test(text)) return text
  if (FORMULA_START.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text
}

export const csvRow = (values: readonly unknown[]): string => `${values.map(csvCell).join(',')}\r\n`

/**
 * Answers a CSV export: the header row, then each batch's lines as one chunk (a write per row costs more than
 * its formatting), streamed. The first batch is read before answering, so that a refusal (a bad filter, a
 * reseller out of reach) is still a proper error response rather than a broken stream.
 */
export async function sendCsv<T>(
  reply: FastifyReply,
  filename: string,
  header: readonly string[],
  batches: AsyncGenerator<T[]>,
  lineOf: (row: T) => string,
): Promise<FastifyReply> {
  const first = await batches.next()
  async function* lines() {
    if (first.done) {
      yield csvRow(header)
      return
    }
    yield csvRow(header) + first.value.map(lineOf).join('')
    for await (const batch of batches) yield batch.map(lineOf).join('')
  }
  return (
    reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      // A stream bypasses the serializer; the typed reply only knows the JSON bodies.
      .send(Readable.from(lines()) as never)
  )
}
