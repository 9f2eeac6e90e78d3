// Rules every operation of the generated OpenAPI document keeps, so that a route added later cannot forget them.
import { beforeAll, describe, expect, it } from 'vitest'
import { buildOpenapiDocument } from '../../scripts/openapi-document.ts'

interface Operation {
  operationId?: string
  security?: Record<string, string[]>[]
  responses: Record<string, { headers?: Record<string, unknown> }>
}
interface Document {
  security?: Record<string, string[]>[]
  paths: Record<string, Record<string, Operation>>
}

let document: Document
let operations: { name: string; method: string; operation: Operation }[]
beforeAll(async () => {
  document = (await buildOpenapiDocument()) as Document
  operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method,
      operation,
    })),
  )
})

describe('the OpenAPI document', () => {
  it('gives every operation a unique PascalCase operationId', () => {
    expect(operations.length).toBeGreaterThan(50)
    const missing = operations.filter(
      ({ operation }) => !/^[A-Z][A-Za-z0-9]+$/.test(operation.operationId ?? ''),
    )
    expect(missing.map(({ name, operation }) => `${name}: ${operation.operationId}`)).toEqual([])
    const ids = operations.map(({ operation }) => operation.operationId)
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([])
  })

  it('documents 429 and 500 on every operation, and 401 and 403 on every one that needs a token', () => {
    const lacking = operations.flatMap(({ name, operation }) => {
      const security = operation.security ?? document.security ?? []
      const needsToken =
        security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0)
      const statuses = ['429', '500', ...(needsToken ? ['401', '403'] : [])]
      return statuses.filter((status) => !operation.responses[status]).map((status) => `${name} ${status}`)
    })
    expect(lacking).toEqual([])
  })
})
