// Input rules every API applies at its edge, once: text a database can store, dates PostgreSQL can hold,
// page numbers that stay numbers. Refusals are the domain's Invalid (a 400 in each API's shape).
import { Type } from 'typebox'
import { invalid } from '../domain/errors.ts'

/** NUL and the other C0 controls but tab, line feed and carriage return; a UTF-16 surrogate not in a pair. */
const UNSTORABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this rule's job.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why a text cannot be taken (null: it can). */
export function textProblem(text: string): string | null {
  const found = UNSTORABLE.exec(text)
  if (!found) return null
  const code = found[0].charCodeAt(0)
  return code >= 0xd800
    ? 'must not hold a lone UTF-16 surrogate.'
    : `must not hold the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}.`
}

/** Refuses any string of a request part (body, query, params, headers) that holds unstorable text, by its path. */
export function assertStorableText(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const problem = textProblem(value)
    if (problem) throw invalid(path || 'body', `${path || 'The body'} ${problem}`)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      assertStorableText(item, `${path}[${index}]`)
    })
    return
  }
  if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      assertStorableText(key, path ? `${path}.${key}` : key)
      assertStorableText(item, path ? `${path}.${key}` : key)
    }
}

/** The deepest page a list serves: past it, an offset of page × limit would be no page at all. */
export const MAX_PAGE = 10_000_000

/** A page number of any list (v3 `page`, v1 `pageNumber`). */
export const PageNumber = (options: { default?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 1, maximum: MAX_PAGE, ...options })
