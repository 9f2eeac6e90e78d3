import { errorResponses } from '../../http/dialect.ts'
import { ErrorBody } from './schemas.ts'

/** Every v1 route documents these error statuses with CloudCockpit's error model. */
export const withErrors = errorResponses(ErrorBody, [400, 401, 403, 404, 409, 413, 415, 422, 429, 500])
