// Request validation: bodies exactly as sent (no coercion, no silent removal of unknown fields, every
// error reported); query strings, params and headers coerced from their string form.
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, removeAdditional: false, ...options })
  addFormats.default(ajv)
  return ajv
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = makeAjv({ coerceTypes: false, useDefaults: true })
  const other = makeAjv({ coerceTypes: 'array', useDefaults: true })
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : other).compile(schema as object)
}

export interface ValidationIssue {
  /** The JSON path of the offending field as the client sent it: `firstName`, `groups[0].id`, `X-Tenant`. */
  path: string
  message: string
}

interface AjvIssue {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

const HEADER_NAMES: Record<string, string> = {
  'x-tenant': 'X-Tenant',
  'x-correlation-id': 'X-Correlation-Id',
  authorization: 'Authorization',
}

function toPath(instancePath: string, extra?: string): string {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (extra !== undefined) segments.push(extra)
  let path = ''
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`
    else path += path ? `.${segment}` : segment
  }
  return path
}

function describe(issue: AjvIssue, field: string, data: unknown): string {
  const p = issue.params
  switch (issue.keyword) {
    case 'required':
      return `${field} is required.`
    case 'additionalProperties':
      return `${field} is not an allowed property.`
    case 'minLength':
      return p.limit === 1
        ? `${field} must not be empty.`
        : `${field} must be at least ${p.limit} characters long.`
    case 'maxLength':
      return `${field} must be at most ${p.limit} characters long.`
    case 'format':
      return p.format === 'email'
        ? `${field} must be a valid email address.`
        : `${field} must be a valid ${p.format}.`
    case 'type':
      return data === null ? `${field} must not be null.` : `${field} must be of type ${p.type}.`
    case 'minimum':
      return `${field} must be greater than or equal to ${p.limit}.`
    case 'maximum':
      return `${field} must be less than or equal to ${p.limit}.`
    case 'enum':
      return `${field} must be one of: ${(p.allowedValues as unknown[]).join(', ')}.`
    case 'minItems':
      return `${field} must have at least ${p.limit} items.`
    case 'maxItems':
      return `${field} must have at most ${p.limit} items.`
    case 'pattern':
      return p.pattern === '\\S' ? `${field} must not be blank.` : `${field} has an invalid format.`
    default:
      return `${field} ${issue.message ?? 'is invalid'}.`
  }
}

/** Turns Fastify's validation errors into field paths and plain messages, one per field (first wins). */
export function validationIssues(
  errors: AjvIssue[],
  context: string | undefined,
  data: unknown,
): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const seen = new Set<string>()
  // anyOf (nullable fields) adds a summary error after its branches; the branch errors say more.
  for (const issue of errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')) {
    const extra =
      issue.keyword === 'required'
        ? String(issue.params.missingProperty)
        : issue.keyword === 'additionalProperties'
          ? String(issue.params.additionalProperty)
          : undefined
    let path = toPath(issue.instancePath, extra)
    if (context === 'headers') path = HEADER_NAMES[path.toLowerCase()] ?? path
    if (seen.has(path)) continue
    seen.add(path)
    const value = valueAt(data, issue.instancePath)
    issues.push({ path, message: describe(issue, path || 'The request body', value) })
  }
  return issues
}

function valueAt(data: unknown, instancePath: string): unknown {
  let current = data
  for (const segment of instancePath.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}
