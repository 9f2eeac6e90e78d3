// Pieces every v3 route file uses: the shared error responses and the total-count header.
import type { FastifyReply } from 'fastify'
import { errorResponses } from '../../http/dialect.ts'
import { ErrorBody } from './schemas.ts'

/** Every v3 route documents these error statuses with the {message, code} body. */
export const withErrors = errorResponses(ErrorBody, [400, 401, 403, 404, 409, 422, 500])

/** Lists answer a bare array; the total goes in headers (Cryptlex's and the common one). */
export function setTotal(reply: FastifyReply, total: number): void {
  reply.header('Pagination-Count', String(total)).header('X-Total-Count', String(total))
}

export const TOTAL_HEADERS = {
  'Pagination-Count': { type: 'integer', description: 'Total number of items matching the query.' },
  'X-Total-Count': { type: 'integer', description: 'Same as Pagination-Count.' },
}
