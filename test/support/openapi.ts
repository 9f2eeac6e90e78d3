// The operations of the app's OpenAPI document, for tests that walk every one of them.

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  anyOf?: JsonSchema[]
}

export interface DocumentedOperation {
  operationId: string
  method: string
  path: string
  /** The query parameters it documents. */
  query: string[]
  /** Its JSON body's schema, if it takes one. */
  body: JsonSchema | null
  /** The scope it requires (null: none, or the platform operator alone). */
  scope: string | null
  isPlatform: boolean
  /** Anyone may call it, without a token (signing in and out). */
  isPublic: boolean
  /** A signed-in user's own token (not an API client's) is required. */
  isSignedIn: boolean
}

export function documentedOperations(document: {
  paths: Record<string, Record<string, Record<string, unknown>>>
}): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod)
      .filter(([, operation]) => typeof operation.operationId === 'string')
      .map(([method, operation]) => {
        const parameters = (operation.parameters ?? []) as { in: string; name: string }[]
        const content = (
          operation.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined
        )?.content
        return {
          operationId: operation.operationId as string,
          method: method.toUpperCase(),
          path,
          query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
          body: content?.['application/json']?.schema ?? null,
          scope: (operation['x-required-scope'] as string | undefined) ?? null,
          isPlatform: operation['x-required-role'] === 'platform',
          isPublic: operation['x-public'] === true,
          isSignedIn: operation['x-required-role'] === 'signed-in user',
        }
      }),
  )
}
