// Shared helpers of the v1 (CloudCockpit) end-to-end tests.
import { expect } from 'vitest'
import { type Response, type TestApp, unique } from '../support/app.ts'

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export interface V1Error {
  statusCode: number
  type: string
  description: string
  correlationId: string
  errors: { propertyName: string; description: string[] }[]
}

/**
 * Asserts a CloudCockpit error body: exactly its five fields, the status repeated in it, the
 * correlation id of the response header, and (when given) the offending property.
 */
export function expectV1Error(response: Response, status: number, propertyName?: string): V1Error {
  expect(response.status, response.text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = response.body as V1Error
  expect(Object.keys(body).sort()).toEqual(['correlationId', 'description', 'errors', 'statusCode', 'type'])
  expect(body.statusCode).toBe(status)
  expect(typeof body.type).toBe('string')
  expect(body.type.length).toBeGreaterThan(0)
  expect(typeof body.description).toBe('string')
  expect(body.description.length).toBeGreaterThan(0)
  expect(body.correlationId).toMatch(UUID)
  expect(body.correlationId).toBe(response.headers.get('x-correlation-id'))
  expect(Array.isArray(body.errors)).toBe(true)
  for (const error of body.errors) {
    expect(Object.keys(error).sort()).toEqual(['description', 'propertyName'])
    expect(typeof error.propertyName).toBe('string')
    expect(error.description.length).toBeGreaterThan(0)
    for (const line of error.description) expect(typeof line).toBe('string')
  }
  if (propertyName !== undefined) expect(body.errors.map((e) => e.propertyName)).toContain(propertyName)
  return body
}

/** Row counts of every table a user creation writes to. */
export async function writeCounts(t: TestApp) {
  return {
    users: await t.count('users'),
    userGroups: await t.count('user_groups'),
    auditEvents: await t.count('audit_events'),
    outboxEvents: await t.count('outbox_events'),
  }
}

/** Runs `act` and asserts it wrote no user, group membership, audit event or outbox event. */
export async function expectNothingWritten<T>(t: TestApp, act: () => Promise<T>): Promise<T> {
  const before = await writeCounts(t)
  const result = await act()
  expect(await writeCounts(t)).toEqual(before)
  return result
}

export const uniqueEmail = (prefix = 'user') => `${unique(prefix)}@example.com`

/** A valid v1 create-user body; fields can be overridden (or removed with `undefined`). */
export function userBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: uniqueEmail(),
    role: {},
    groups: [],
    ...overrides,
  }
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key]
  return body
}

/** The bootstrap tenant's groups by name, read through the v1 API. */
export async function groupsByName(t: TestApp, token = t.cspToken): Promise<Record<string, string>> {
  const response = await t.v1<{ items: { id: string; name: string }[] }>('GET', '/v1/users/groups', { token })
  expect(response.status, response.text).toBe(200)
  return Object.fromEntries(response.body.items.map((g) => [g.name, g.id]))
}
