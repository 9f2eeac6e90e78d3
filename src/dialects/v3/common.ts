// Pieces every v3 route file uses: the shared error responses and the total-count header.
import type { FastifyReply } from 'fastify'
import type { TSchema } from 'typebox'
import { ErrorBody } from './schemas.ts'

const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
  500: ErrorBody,
}

/** A response schema for every status, so the serializer can never emit a field the contract lacks. */
export const withErrors = <T extends Record<number, TSchema>>(responses: T) => ({
  ...ERROR_RESPONSES,
  ...responses,
})

/** Lists answer a bare array; the total goes in headers (Cryptlex's and the common one). */
export function setTotal(reply: FastifyReply, total: number): void {
  reply.header('Pagination-Count', String(total)).header('X-Total-Count', String(total))
}

export const TOTAL_HEADERS = {
  'Pagination-Count': { type: 'integer', description: 'Total number of items matching the query.' },
  'X-Total-Count': { type: 'integer', description: 'Same as Pagination-Count.' },
}
