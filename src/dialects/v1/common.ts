import type { TSchema } from 'typebox'
import { ErrorBody } from './schemas.ts'

const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  500: ErrorBody,
}

/** A response schema for every status, so the serializer can never emit a field the contract lacks. */
export const withErrors = <T extends Record<number, TSchema>>(responses: T) => ({
  ...ERROR_RESPONSES,
  ...responses,
})

export const ROLES: { roles: ('csp' | 'reseller')[] } = { roles: ['csp', 'reseller'] }
