// CSV for exports (RFC 4180), with cells that a spreadsheet would run as a formula defused.
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
