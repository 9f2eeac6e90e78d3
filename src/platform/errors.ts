// Platform errors: a {message, code} body, the shape the operator's tools already read from v3.
import type { FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { errorResponses, type RenderedError } from '../http/dialect.ts'
import { classify, STATUS_OF_KIND } from '../http/errors.ts'

const ErrorBody = Type.Object(
  { message: Type.String(), code: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false, description: 'Cryptlex error body.' },
)
type ErrorBody = Static<typeof ErrorBody>

export const withErrors = errorResponses(ErrorBody, [400, 401, 403, 404, 409, 413, 415, 422, 429, 500])

const answer = (status: number, message: string, code: string | null): RenderedError => {
  const body: ErrorBody = { message, code }
  return { status, body }
}

export function renderPlatformError(error: unknown, request: FastifyRequest): RenderedError {
  const c = classify(error, request)
  if (c.type === 'domain') return answer(STATUS_OF_KIND[c.error.kind], c.error.message, c.error.code)
  if (c.type === 'client') return answer(c.status, c.message, 'BAD_REQUEST')
  if (c.type === 'internal') return answer(500, 'An unexpected error occurred.', 'INTERNAL_ERROR')
  const message = c.issues.map((issue) => issue.message).join(' ') || 'The request is invalid.'
  return answer(400, message, 'VALIDATION_ERROR')
}
