// A client generated from Cryptlex's document sends the query parameters Cryptlex documents; ours refuse any
// we do not know (400). So every query parameter of every Cryptlex operation we serve must be one of ours:
// a plain name as itself, a deepObject (`createdAt[gt]=…`) as its base name (our `field` and `field[op]`).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

interface Parameter {
  name: string
  in: string
}
interface Document {
  paths: Record<string, Record<string, { operationId?: string; parameters?: Parameter[] }>>
}

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Document
const ours = read('../../openapi.json')
const theirs = read('../reference/cryptlex-v3-shapes.json')

/** A path with its parameters unnamed: `/v3/resellers/{}/users`. */
const shape = (path: string) => path.replace(/\{[^}]*\}/g, '{}')
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch'])

function queryNames(parameters: Parameter[] | undefined): Set<string> {
  const names = new Set<string>()
  for (const p of parameters ?? []) if (p.in === 'query') names.add(p.name.replace(/\[[a-z]+\]$/, ''))
  return names
}

const ourOperations = new Map<string, Set<string>>()
for (const [path, item] of Object.entries(ours.paths))
  for (const [method, operation] of Object.entries(item))
    if (METHODS.has(method)) ourOperations.set(`${method} ${shape(path)}`, queryNames(operation.parameters))

describe('Cryptlex query parameters', () => {
  it('every Cryptlex operation we serve takes every query parameter Cryptlex documents for it', () => {
    const missing: string[] = []
    let served = 0
    for (const [path, item] of Object.entries(theirs.paths))
      for (const [method, operation] of Object.entries(item)) {
        const ourNames = METHODS.has(method) ? ourOperations.get(`${method} ${shape(path)}`) : undefined
        if (!ourNames) continue
        served++
        for (const name of queryNames(operation.parameters))
          if (!ourNames.has(name)) missing.push(`${operation.operationId} (${method} ${path}): ${name}`)
      }
    expect(served).toBeGreaterThan(20)
    expect(missing).toEqual([])
  })

  it('our deepObject filters come as the field and field[op]', () => {
    // The form a generated client sends for a deepObject: the base name and the bracketed operator.
    const users = ourOperations.get('get /v3/resellers/{}/users')
    expect(users?.has('lastSeenAt')).toBe(true)
    const raw = ours.paths['/v3/resellers/{resellerId}/users']?.get?.parameters?.map((p) => p.name) ?? []
    expect(raw).toContain('lastSeenAt[gt]')
  })
})
