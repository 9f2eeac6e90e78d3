// v3 errors: Cryptlex's {message, code}, one status per domain error kind.
import type { FastifyRequest } from 'fastify'
import type { ErrorKind } from '../../domain/errors.ts'
import { classify } from '../../http/errors.ts'
import type { ErrorBody } from './schemas.ts'

export const V3_STATUS: Record<ErrorKind, number> = {
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  LimitReached: 422,
}

export function renderV3Error(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  const c = classify(error, request)
  switch (c.type) {
    case 'domain':
      return { status: V3_STATUS[c.error.kind], body: { message: c.error.message, code: c.error.code } }
    case 'validation':
      return {
        status: 400,
        body: {
          message: c.issues.map((i) => i.message).join(' ') || 'The request is invalid.',
          code: 'VALIDATION_ERROR',
        },
      }
    case 'client':
      return { status: c.status, body: { message: c.message, code: 'BAD_REQUEST' } }
    case 'internal':
      return { status: 500, body: { message: 'An unexpected error occurred.', code: 'INTERNAL_ERROR' } }
  }
}
