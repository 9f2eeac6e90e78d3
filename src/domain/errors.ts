// Typed domain errors. Each dialect renders a kind with its own status table and body shape.

export type ErrorKind =
  | 'Invalid'
  | 'NotFound'
  | 'Conflict'
  | 'Forbidden'
  | 'Unauthorized'
  | 'LimitReached'
  | 'Unprocessable'
  | 'TooManyRequests'
  | 'Unavailable'

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** A stable machine code (`DUPLICATE_FIELD_VALUE`, `NOT_FOUND` …). */
    readonly code: string,
    /** The domain field at fault, for Invalid and field conflicts. */
    readonly field?: string,
    /** Seconds after which a retry may succeed (TooManyRequests, a repeat still in progress): Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export const invalid = (field: string, message: string, code = 'INVALID_FIELD_VALUE') =>
  new DomainError('Invalid', message, code, field)

export const notFound = (resource: string) =>
  new DomainError('NotFound', `${resource} not found.`, 'NOT_FOUND')

export const conflict = (code: string, message: string, field?: string) =>
  new DomainError('Conflict', message, code, field)

export const forbidden = (message = 'You are not allowed to perform this action.') =>
  new DomainError('Forbidden', message, 'FORBIDDEN')

export const unauthorized = (message = 'A valid bearer token is required.') =>
  new DomainError('Unauthorized', message, 'UNAUTHORIZED')

export const limitReached = (message: string, code = 'LIMIT_REACHED') =>
  new DomainError('LimitReached', message, code)

/** Well-formed, but refused as it stands (an Idempotency-Key reused for another request). */
export const unprocessable = (code: string, message: string, field?: string) =>
  new DomainError('Unprocessable', message, code, field)

export const tooManyRequests = (message: string, retryAfterSeconds: number, code = 'TOO_MANY_REQUESTS') =>
  new DomainError('TooManyRequests', message, code, undefined, Math.max(1, Math.ceil(retryAfterSeconds)))

/** Something this service depends on (an identity provider) cannot be reached now: a retry may succeed. */
export const unavailable = (code: string, message: string) => new DomainError('Unavailable', message, code)

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError

interface PgError {
  code?: string
  constraint?: string
}

/** Database errors mapped once, by SQLSTATE and constraint name — never by message text. */
export function fromDatabaseError(error: unknown): DomainError | null {
  const { code, constraint } = (error ?? {}) as PgError
  if (code === '23505') {
    switch (constraint) {
      case 'users_tenant_email_key':
        return conflict('DUPLICATE_FIELD_VALUE', 'A user with this email already exists.', 'email')
      case 'users_pkey':
        return conflict('DUPLICATE_FIELD_VALUE', 'A user with this id already exists.', 'id')
      case 'roles_tenant_id_name_key':
        return conflict('DUPLICATE_FIELD_VALUE', 'A role with this name already exists.', 'name')
      case 'tenants_domain_key':
        return conflict('DUPLICATE_FIELD_VALUE', 'A tenant with this domain already exists.', 'domain')
      case 'api_clients_client_id_key':
        return conflict('DUPLICATE_FIELD_VALUE', 'A client with this id already exists.', 'clientId')
      default:
        return conflict('DUPLICATE_FIELD_VALUE', 'The value already exists.')
    }
  }
  if (code === '23503' && constraint === 'users_role_fkey')
    return conflict('ROLE_IN_USE', 'The role is in use: users still have it, so it keeps its name.', 'name')
  const refusal = code ? CLIENT_CAUSED[code] : undefined
  return refusal ? invalid('', refusal) : null
}

/**
 * Database refusals a request's values caused (input rules at the edge should have caught them first): by
 * SQLSTATE, never by message, and the message names no value.
 */
const CLIENT_CAUSED: Readonly<Record<string, string>> = {
  '22P05': 'A value holds a character that cannot be stored.',
  '22021': 'A value holds a byte sequence that is not valid text.',
  '22008': 'A date is out of range.',
  '22007': 'A date is not valid.',
  '22003': 'A number is out of range.',
  '2201X': 'A page is out of range.',
  '2201W': 'A page size is out of range.',
  '22001': 'A value is too long.',
  '54000': 'A value is too large to be processed.',
}
