import type { FastifyReply } from 'fastify'
import { errorResponses } from '../../http/dialect.ts'
import { ErrorBody } from './schemas.ts'

/** Every v1 route documents these error statuses with CloudCockpit's error model. */
export const withErrors = errorResponses(ErrorBody, [400, 401, 403, 404, 409, 413, 415, 422, 429, 500])

/** CloudCockpit's answer to a create: 201 and the new user's id as a JSON string. */
export const sendCreatedId = (reply: FastifyReply, id: string) =>
  reply.code(201).type('application/json; charset=utf-8').send(JSON.stringify(id))
