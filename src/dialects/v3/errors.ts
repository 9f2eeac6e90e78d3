// v3 errors: Cryptlex's {message, code}, each domain error kind with its usual status.
import type { FastifyRequest } from 'fastify'
import { classify, STATUS_OF_KIND } from '../../http/errors.ts'
import type { ErrorBody } from './schemas.ts'

export function renderV3Error(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  const c = classify(error, request)
  switch (c.type) {
    case 'domain':
      return { status: STATUS_OF_KIND[c.error.kind], body: { message: c.error.message, code: c.error.code } }
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
