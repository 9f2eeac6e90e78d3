// v1 errors: CloudCockpit's {statusCode, type, description, correlationId, errors[]}.
import type { FastifyRequest } from 'fastify'
import type { ErrorKind } from '../../domain/errors.ts'
import { classify, STATUS_OF_KIND } from '../../http/errors.ts'
import type { ErrorBody } from './schemas.ts'

// CloudCockpit has no 422: a reached limit is a conflict there.
const STATUS: Record<ErrorKind, number> = { ...STATUS_OF_KIND, LimitReached: 409 }

const TYPES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  429: 'TooManyRequests',
  500: 'InternalServerError',
}

/** Domain field names → the property names a v1 client sent. */
function v1PropertyName(field: string): string {
  const group = field.match(/^groupIds\[(\d+)\]$/)
  if (group) return `groups[${group[1]}].id`
  return field
}

function v1ErrorBody(error: unknown, request: FastifyRequest): ErrorBody {
  const c = classify(error, request)
  const body = (statusCode: number, description: string, errors: ErrorBody['errors'] = []): ErrorBody => ({
    statusCode,
    type: TYPES[statusCode] ?? 'Error',
    description,
    correlationId: request.id,
    errors,
  })
  switch (c.type) {
    case 'domain': {
      const status = STATUS[c.error.kind]
      const errors = c.error.field
        ? [{ propertyName: v1PropertyName(c.error.field), description: [c.error.message] }]
        : []
      return body(status, c.error.message, errors)
    }
    case 'validation':
      return body(
        400,
        'One or more validation errors occurred.',
        c.issues.map((issue) => ({ propertyName: issue.path, description: [issue.message] })),
      )
    case 'client':
      return body(c.status, c.message)
    case 'internal':
      return body(500, 'An unexpected error occurred.')
  }
}

export function renderV1Error(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  const body = v1ErrorBody(error, request)
  return { status: body.statusCode, body }
}
