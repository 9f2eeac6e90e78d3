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
 * The characters a chunk of the answer gathers before it is written. A string past 128 KiB (64 Ki characters
 * once one name holds a character beyond Latin-1, which makes V8 store the whole string at two bytes each) is
 * allocated in V8's large-object space, and joining lines into it costs about ten times as much (bench/csv-join.ts:
 * 100,000 export lines in 1,000-line strings 142 ms, in 200-line strings 4 ms); a write per line costs more
 * than its formatting. Chunks of about 32 Ki characters stay under that size whatever the text.
 */
const CHUNK_CHARS = 32 * 1024

/** The lines of rows, gathered into chunks of about CHUNK_CHARS characters (a row's line is never split). */
function* chunksOf<T>(rows: readonly T[], lineOf: (row: T) => string, first = ''): Generator<string> {
  let lines: string[] = first ? [first] : []
  let size = first.length
  for (const row of rows) {
    const line = lineOf(row)
    lines.push(line)
    size += line.length
    if (size >= CHUNK_CHARS) {
      yield lines.join('')
      lines = []
      size = 0
    }
  }
  if (lines.length > 0) yield lines.join('')
}

/**
 * Answers a CSV export: the header row, then the batches' lines in chunks (chunksOf), streamed. The first batch
 * is read before answering, so that a refusal (a bad filter, a reseller out of reach) is still a proper error
 * response rather than a broken stream.
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
    yield* chunksOf(first.value, lineOf, csvRow(header))
    for await (const batch of batches) yield* chunksOf(batch, lineOf)
  }
  return (
    reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      // A stream bypasses the serializer; the typed reply only knows the JSON bodies.
      .send(Readable.from(lines()) as never)
  )
}
