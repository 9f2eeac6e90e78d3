// Rules every operation of the generated OpenAPI document keeps, so that a route added later cannot forget them.
import fs from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildOpenapiDocument, DOCUMENT_PUBLIC_URL } from '../../scripts/openapi-document.ts'
import { openapiTypes, TYPES_FILE } from '../../scripts/openapi-types.ts'

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

describe('the client types', () => {
  it('are those of the committed openapi.json (npm run openapi writes both)', async () => {
    const committed = JSON.parse(fs.readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'))
    expect(fs.readFileSync(TYPES_FILE, 'utf8')).toBe(await openapiTypes(committed))
  })
})

describe('the document’s header', () => {
  it('states the license package.json names, and the server it was generated for', () => {
    const info = (document as unknown as { info: { license?: { identifier?: string } } }).info
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(info.license?.identifier).toBe(pkg.license)
    expect((document as unknown as { servers: { url: string }[] }).servers).toEqual([
      expect.objectContaining({ url: DOCUMENT_PUBLIC_URL, description: expect.any(String) }),
    ])
  })
})

describe('the shared headers', () => {
  const ref = (name: string) => ({ $ref: `#/components/headers/${name}` })
  const responsesOf = () =>
    operations.flatMap(({ name, method, operation }) =>
      Object.entries(operation.responses).map(([status, response]) => ({
        name: `${name} ${status}`,
        method,
        status,
        headers: response.headers ?? {},
      })),
    )

  it('documents the correlation id and the rate-limit headers on every response, by reference', () => {
    const shared = ['X-Correlation-Id', 'RateLimit-Policy', 'RateLimit', 'X-Rate-Limit-Limit']
    const shared2 = ['X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset']
    const lacking = responsesOf().flatMap(({ name, headers }) =>
      [...shared, ...shared2]
        .filter((header) => !isEqual(headers[header], ref(header)))
        .map((h) => `${name} ${h}`),
    )
    expect(lacking).toEqual([])
  })

  it('documents WWW-Authenticate on every 401 and Retry-After on every 429', () => {
    const lacking = responsesOf().flatMap(({ name, status, headers }) => {
      const expected = status === '401' ? 'WWW-Authenticate' : status === '429' ? 'Retry-After' : null
      return expected && !isEqual(headers[expected], ref(expected)) ? [name] : []
    })
    expect(lacking).toEqual([])
  })

  it('documents Idempotency-Key on every POST of the APIs but the public ones, and Idempotent-Replayed on each of its responses', () => {
    // Signing in and out takes no key: no principal to keep it for, and the answer is a secret never replayed.
    const posts = operations.filter(
      ({ name, operation }) =>
        /^POST \/(v3|v1|platform)\//.test(name) && !(operation as { 'x-public'?: boolean })['x-public'],
    )
    expect(posts.length).toBeGreaterThan(10)
    const lacking = posts.flatMap(({ name, operation }) => {
      const parameters = (operation as { parameters?: unknown[] }).parameters ?? []
      const hasKey = parameters.some((p) => isEqual(p, { $ref: '#/components/parameters/IdempotencyKey' }))
      const unreplayed = Object.entries(operation.responses)
        .filter(
          ([, response]) => !isEqual(response.headers?.['Idempotent-Replayed'], ref('Idempotent-Replayed')),
        )
        .map(([status]) => `${name} ${status} Idempotent-Replayed`)
      return [...(hasKey ? [] : [`${name} Idempotency-Key`]), ...unreplayed]
    })
    expect(lacking).toEqual([])
  })

  it('documents the list totals by reference, and every referred header in components', () => {
    const list = document.paths['/v3/resellers']?.get?.responses['200']?.headers
    expect(list?.['Pagination-Count']).toEqual(ref('Pagination-Count'))
    const components = (document as { components?: { headers?: Record<string, unknown> } }).components
      ?.headers
    const referred = new Set(
      JSON.stringify(document.paths)
        .match(/#\/components\/headers\/[^"]+/g)
        ?.map((r) => r.split('/').pop()),
    )
    for (const name of referred) expect(components?.[name as string], name).toBeDefined()
  })
})

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
