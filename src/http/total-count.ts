// Lists that answer a bare array (v3, platform) carry the total in headers: Cryptlex's and the common one.
import type { FastifyReply } from 'fastify'

export function setTotal(reply: FastifyReply, total: number): void {
  reply.header('Pagination-Count', String(total)).header('X-Total-Count', String(total))
}

/** The headers of a bare-array list, as the route documents them (shared in the OpenAPI components). */
export const TOTAL_HEADERS = {
  'Pagination-Count': { type: 'integer', description: 'Total number of items matching the query.' },
  'X-Total-Count': { type: 'integer', description: 'Same as Pagination-Count.' },
}
