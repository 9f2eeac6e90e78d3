// Judges v3 responses by Cryptlex's own OpenAPI document (its shapes, in test/reference): every test app checks
// every /v3 response it sends, and a test fails when one of them breaks Cryptlex's schema for that operation and
// status. Fields our document marks `x-extension` are taken out first, and only those: anything else Cryptlex's
// schema does not allow is a violation.
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'

interface Schema {
  type?: string
  properties?: Record<string, Schema>
  items?: Schema
  anyOf?: Schema[]
  $ref?: string
  'x-extension'?: boolean
  [key: string]: unknown
}
interface CryptlexOperation {
  operationId: string
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>
}
interface Shapes {
  paths: Record<string, Record<string, CryptlexOperation>>
  components: { schemas: Record<string, Schema> }
}

export const CRYPTLEX_SHAPES: Shapes = JSON.parse(
  readFileSync(new URL('../reference/cryptlex-v3-shapes.json', import.meta.url), 'utf8'),
)

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)
// Cryptlex's integer and list formats say nothing a type does not already check.
for (const format of ['int32', 'int64', 'float', 'double', 'comma-separated-values', 'period']) {
  ajv.addFormat(format, true)
}
ajv.addSchema({ components: CRYPTLEX_SHAPES.components }, 'cryptlex')

const rebase = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(rebase)
  if (!schema || typeof schema !== 'object') return schema
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `cryptlex${v}` : rebase(v),
    ]),
  )
}
const compiled = new Map<string, ValidateFunction>()
function validatorFor(key: string, schema: Schema): ValidateFunction {
  let validate = compiled.get(key)
  if (!validate) {
    validate = ajv.compile(rebase(schema) as object)
    compiled.set(key, validate)
  }
  return validate
}

/** `/v3/resellers/{resellerId}/users/{id}` and Fastify's `/v3/resellers/:resellerId/users/:id` → one key. */
const templateKey = (path: string) => path.replace(/\{[^}]+\}|:[A-Za-z0-9_]+/g, '{}')
const cryptlexOperations = new Map<string, CryptlexOperation>()
for (const [path, byMethod] of Object.entries(CRYPTLEX_SHAPES.paths)) {
  for (const [method, operation] of Object.entries(byMethod)) {
    if (operation?.operationId)
      cryptlexOperations.set(`${method.toUpperCase()} ${templateKey(path)}`, operation)
  }
}

/** Cryptlex's operation for a request to one of our routes, if Cryptlex publishes it. */
export function cryptlexOperation(method: string, route: string): CryptlexOperation | undefined {
  return cryptlexOperations.get(`${method.toUpperCase()} ${templateKey(route)}`)
}

/** The value with every field our schema marks as an extension taken out, at any depth. */
export function withoutExtensions(schema: Schema | undefined, value: unknown): unknown {
  if (!schema || typeof schema !== 'object' || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return schema.items ? value.map((v) => withoutExtensions(schema.items, v)) : value
  const objectSchema = schema.properties ? schema : schema.anyOf?.find((s) => s.properties)
  if (!objectSchema?.properties) return value
  const properties = objectSchema.properties
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !properties[key]?.['x-extension'])
      .map(([key, v]) => [key, withoutExtensions(properties[key], v)]),
  )
}

export interface SentResponse {
  method: string
  /** The route's template (`/v3/roles/:id`), or the raw path when no route matched. */
  route: string
  status: number
  contentType: string
  /** The body as sent, or null for a stream. */
  payload: string | null
  /** Our own response schema for that status (from the route), to know the extensions. */
  ourSchema?: object
}

const ERROR_SCHEMA: Schema = { $ref: '#/components/schemas/HttpErrorResponseDto' }
const tally = new Map<string, number>()
const violations: string[] = []

/** The violation of Cryptlex's schema by one response, or null when it conforms. */
export function cryptlexViolation(response: SentResponse): string | null {
  const operation = cryptlexOperation(response.method, response.route)
  const name = operation?.operationId ?? `${response.method} ${response.route}`
  const where = `${name} ${response.status}`
  const status = String(response.status)
  let schema: Schema | undefined
  if (response.status >= 400) {
    // Cryptlex answers every error with HttpErrorResponseDto, on its routes and elsewhere.
    schema = operation?.responses[status]?.content?.['application/json']?.schema ?? ERROR_SCHEMA
  } else if (operation) {
    const documented = operation.responses[status]
    if (!documented) {
      return `${where}: Cryptlex documents ${Object.keys(operation.responses).join(', ')}, not ${status}`
    }
    const content = documented.content
    // A 204's body never reaches the wire (Fastify drops it); other statuses without content must send none.
    if (!content) {
      return response.status === 204 || !response.payload
        ? null
        : `${where}: Cryptlex sends no body, we sent ${response.payload}`
    }
    schema = content['application/json']?.schema
    // A CSV export: Cryptlex documents no schema for it.
    if (!schema || !response.contentType.includes('json')) return null
    if (response.payload === null) return `${where}: a stream where Cryptlex documents a JSON body`
  } else {
    return null // one of our own routes: only its errors have a Cryptlex shape to keep
  }
  if (!response.contentType.includes('json') || response.payload === null)
    return `${where}: expected a JSON body, got ${response.contentType}`
  let body: unknown
  try {
    body = JSON.parse(response.payload)
  } catch {
    return `${where}: the body is not JSON`
  }
  const validate = validatorFor(`${where}`, schema)
  if (validate(withoutExtensions(response.ourSchema as Schema | undefined, body))) return null
  const errors = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
  return `${where}: ${errors.join('; ')} — body ${String(response.payload).slice(0, 300)}`
}

/** Judges one response a test app sent, keeping the count and any violation for the test to fail on. */
export function judgeCryptlexResponse(response: SentResponse): void {
  const operation = cryptlexOperation(response.method, response.route)
  const key = `${operation?.operationId ?? `${response.method} ${response.route}`} ${response.status}`
  tally.set(key, (tally.get(key) ?? 0) + 1)
  const violation = cryptlexViolation(response)
  if (violation) violations.push(violation)
}

/** The violations seen since the last call (and forgets them). */
export function takeCryptlexViolations(): string[] {
  return violations.splice(0)
}

/** How many responses were judged, by Cryptlex operation (or our route) and status. */
export function cryptlexTally(): ReadonlyMap<string, number> {
  return tally
}
