// What both dialects' error handlers share: classifying any thrown value into a domain error,
// a validation failure, a safe client error, or an internal error.
import type { FastifyError, FastifyRequest } from 'fastify'
import { type DomainError, type ErrorKind, fromDatabaseError, isDomainError } from '../domain/errors.ts'
import { type ValidationIssue, validationIssues } from './validation.ts'

/** The status each kind of domain error answers with, unless an API's contract says otherwise. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  LimitReached: 422,
  Unprocessable: 422,
  TooManyRequests: 429,
  Unavailable: 503,
}

export type Classified =
  | { type: 'domain'; error: DomainError }
  | { type: 'validation'; issues: ValidationIssue[] }
  | { type: 'client'; status: number; message: string }
  | { type: 'internal' }

export function classify(error: unknown, request: FastifyRequest): Classified {
  if (isDomainError(error)) return { type: 'domain', error }
  const fastifyError = error as FastifyError & { validationContext?: string }
  if (fastifyError?.validation) {
    const context = fastifyError.validationContext
    const data =
      context === 'body'
        ? request.body
        : context === 'querystring'
          ? request.query
          : context === 'params'
            ? request.params
            : request.headers
    return {
      type: 'validation',
      issues: validationIssues(fastifyError.validation as never, context, data),
    }
  }
  const fromDb = fromDatabaseError(error)
  if (fromDb) return { type: 'domain', error: fromDb }
  const status = fastifyError?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx errors (malformed JSON, wrong content type, body too large) have safe messages.
    return { type: 'client', status, message: fastifyError.message }
  }
  request.log.error({ err: error }, 'request failed')
  return { type: 'internal' }
}
