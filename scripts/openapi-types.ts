// The TypeScript types of the OpenAPI document (openapi-typescript), for the typed client test: a schema change
// that breaks a client breaks `tsc --noEmit`. Written by `npm run openapi`; a test fails when they drift.
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript'

export const TYPES_FILE = new URL('../test/generated/openapi.ts', import.meta.url)

export async function openapiTypes(document: unknown): Promise<string> {
  const nodes = await openapiTS(document as OpenAPI3)
  return `// Generated from openapi.json by npm run openapi (openapi-typescript): do not edit.\n\n${astToString(nodes)}`
}
