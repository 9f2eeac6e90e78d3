// The error responses every v3 route documents.
import { errorResponses } from '../../http/dialect.ts'
import { ErrorBody } from './schemas.ts'

/** Every v3 route documents these error statuses with the {message, code} body. */
export const withErrors = errorResponses(ErrorBody, [400, 401, 403, 404, 409, 413, 415, 422, 429, 500])
