// The headers every operation shares, documented once: by rule, each response's headers and each POST's
// Idempotency-Key become $refs to the document's components, so a route added later gets them with no line
// of its own. Each header's meaning is stated beside the code that sends it.
import { CHALLENGE_HEADER } from '../http/dialect.ts'
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../http/idempotency.ts'
import { LIMIT_HEADERS, RETRY_AFTER_HEADER } from '../http/rate-limit.ts'
import { CORRELATION_RESPONSE_HEADER } from '../http/request-context.ts'
import { TOTAL_HEADERS } from '../http/total-count.ts'

interface HeaderDoc {
  readonly type: string
  readonly description: string
}
type Reference = { $ref: string }
interface Parameter {
  in: string
  name: string
}
interface Operation {
  parameters?: (Parameter | Reference)[]
  responses?: Record<string, { headers?: Record<string, unknown> }>
}
interface Document {
  paths?: Record<string, Record<string, Operation>>
  components?: { headers?: Record<string, unknown>; parameters?: Record<string, unknown> } & Record<
    string,
    unknown
  >
}

const RESPONSE_HEADERS: Record<string, HeaderDoc> = {
  ...CORRELATION_RESPONSE_HEADER,
  ...LIMIT_HEADERS,
  ...RETRY_AFTER_HEADER,
  ...CHALLENGE_HEADER,
  ...REPLAYED_HEADER,
  ...TOTAL_HEADERS,
}

/** Request headers that routes' own schemas document (and validate), shared as one parameter each. */
const SHARED_PARAMETERS: Record<string, string> = { [IDEMPOTENCY_HEADER]: 'IdempotencyKey' }

/**
 * The shared headers a response carries: every documented route answers with its correlation id and is counted
 * against a rate limit (per client in the APIs, per source address outside them).
 */
function sharedHeadersOf(status: string, takesIdempotencyKey: boolean): string[] {
  return [
    ...Object.keys(CORRELATION_RESPONSE_HEADER),
    ...Object.keys(LIMIT_HEADERS),
    ...(status === '401' ? Object.keys(CHALLENGE_HEADER) : []),
    ...(status === '429' ? Object.keys(RETRY_AFTER_HEADER) : []),
    ...(takesIdempotencyKey ? Object.keys(REPLAYED_HEADER) : []),
  ]
}

const isReference = (value: Parameter | Reference): value is Reference => '$ref' in value

/** The document with the shared headers in components and referred to from every operation. */
export function documentSharedHeaders<T>(input: T): T {
  const document = input as Document
  const parameters: Record<string, unknown> = { ...document.components?.parameters }
  for (const byMethod of Object.values(document.paths ?? {}))
    for (const operation of Object.values(byMethod)) {
      let takesIdempotencyKey = false
      operation.parameters = (operation.parameters ?? []).map((parameter) => {
        const shared =
          !isReference(parameter) && parameter.in === 'header'
            ? SHARED_PARAMETERS[parameter.name.toLowerCase()]
            : undefined
        if (!shared) return parameter
        if (shared === SHARED_PARAMETERS[IDEMPOTENCY_HEADER]) takesIdempotencyKey = true
        parameters[shared] ??= parameter
        return { $ref: `#/components/parameters/${shared}` }
      })
      if (operation.parameters.length === 0) delete operation.parameters
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const own = response.headers ?? {}
        const names = new Set([...sharedHeadersOf(status, takesIdempotencyKey), ...Object.keys(own)])
        response.headers = Object.fromEntries(
          [...names].map((name) => [
            name,
            name in RESPONSE_HEADERS ? { $ref: `#/components/headers/${name}` } : own[name],
          ]),
        )
      }
    }
  const headers = Object.fromEntries(
    Object.entries(RESPONSE_HEADERS).map(([name, { description, ...schema }]) => [
      name,
      { description, schema },
    ]),
  )
  document.components = { ...document.components, headers, parameters }
  return input
}
