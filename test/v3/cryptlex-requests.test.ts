// Accept what Cryptlex accepts: every request body Cryptlex's own request models allow, our document allows too,
// field by field (required fields, null, lengths, ranges, item counts, formats, enums). Where we refuse more, for
// safety, the field says so in our document ("Stricter than Cryptlex: …") — an undocumented narrowing fails here,
// and so does a note on a field that is no longer stricter.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CRYPTLEX_SHAPES, cryptlexOperation } from '../support/cryptlex-conformance.ts'

interface Schema {
  type?: string
  nullable?: boolean
  anyOf?: Schema[]
  $ref?: string
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  format?: string
  pattern?: string
  enum?: unknown[]
}
interface Document {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>
}

const ours = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as Document
const STRICTER = 'Stricter than Cryptlex'

const resolve = (schema: Schema): Schema => {
  if (!schema.$ref) return schema
  const name = schema.$ref.split('/').pop() as string
  return CRYPTLEX_SHAPES.components.schemas[name] as Schema
}
const acceptsNull = (s: Schema) => s.type === 'null' || !!s.anyOf?.some((b) => b.type === 'null')
const nonNull = (s: Schema): Schema => (s.anyOf ? (s.anyOf.find((b) => b.type !== 'null') ?? s) : s)
const documented = (s: Schema) =>
  [s.description, ...(s.anyOf ?? []).map((b) => b.description)].some((d) => d?.includes(STRICTER))

/** Where our schema refuses what Cryptlex's accepts, as `field: how` lines. */
function narrowings(theirsIn: Schema, oursIn: Schema, at: string): string[] {
  const theirs = resolve(theirsIn)
  const found: string[] = []
  if (theirs.nullable && !acceptsNull(oursIn)) found.push(`${at}: refuses null`)
  const o = nonNull(oursIn)
  const lower = (a: number | undefined, b: number | undefined) => (a ?? 0) > (b ?? 0)
  const upper = (a: number | undefined, b: number | undefined) =>
    a !== undefined && (b === undefined || a < b)
  if (theirs.type && o.type && theirs.type !== o.type && !(theirs.type === 'integer' && o.type === 'number'))
    found.push(`${at}: ${o.type}, not ${theirs.type}`)
  if (lower(o.minLength, theirs.minLength)) found.push(`${at}: at least ${o.minLength} characters`)
  if (upper(o.maxLength, theirs.maxLength)) found.push(`${at}: at most ${o.maxLength} characters`)
  if (o.minimum !== undefined && (theirs.minimum === undefined || o.minimum > theirs.minimum))
    found.push(`${at}: at least ${o.minimum}`)
  if (upper(o.maximum, theirs.maximum)) found.push(`${at}: at most ${o.maximum}`)
  if (lower(o.minItems, theirs.minItems)) found.push(`${at}: at least ${o.minItems} items`)
  if (upper(o.maxItems, theirs.maxItems)) found.push(`${at}: at most ${o.maxItems} items`)
  if (o.format && o.format !== theirs.format) found.push(`${at}: format ${o.format}`)
  if (o.pattern && o.pattern !== theirs.pattern) found.push(`${at}: pattern ${o.pattern}`)
  if (o.enum && (!theirs.enum || theirs.enum.some((v) => !o.enum?.includes(v)))) found.push(`${at}: enum`)
  if (theirs.items && o.items && !documented(o.items))
    found.push(...narrowings(theirs.items, o.items, `${at}[]`))
  if (theirs.properties) {
    for (const name of o.required ?? [])
      if (!theirs.required?.includes(name)) found.push(`${at}.${name}: required`)
    for (const [name, their] of Object.entries(theirs.properties)) {
      const our = o.properties?.[name]
      if (!our) {
        if (o.additionalProperties === false) found.push(`${at}.${name}: unknown field`)
        continue
      }
      const own = narrowings(their, our, `${at}.${name}`)
      // A field that documents its narrowing may narrow; its nested fields are its own business.
      if (!documented(our)) found.push(...own)
    }
  }
  return found
}

/** The fields that say they are stricter, with whether they really are. */
function notes(theirsIn: Schema, oursIn: Schema, at: string): { at: string; stricter: boolean }[] {
  const theirs = resolve(theirsIn)
  const o = nonNull(oursIn)
  return Object.entries(theirs.properties ?? {}).flatMap(([name, their]) => {
    const our = o.properties?.[name]
    if (!our) return []
    // A rule no schema can say is stricter by its own word (and tested where it is enforced).
    const onUse = [our, ...(our.anyOf ?? [])].some((b) =>
      b.description?.includes(`${STRICTER}, checked on use`),
    )
    const here =
      documented(our) && !onUse
        ? [{ at: `${at}.${name}`, stricter: narrowings(their, our, at).length > 0 }]
        : []
    const item = nonNull(our).items
    const items =
      item && documented(item) && resolve(their).items
        ? [
            {
              at: `${at}.${name}[]`,
              stricter: narrowings(resolve(their).items as Schema, item, at).length > 0,
            },
          ]
        : []
    return [...here, ...items, ...notes(their, our, `${at}.${name}`)]
  })
}

const bodies = Object.entries(CRYPTLEX_SHAPES.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod).flatMap(([method, operation]) => {
    const theirs = (operation as { requestBody?: { content: Record<string, { schema: Schema }> } })
      .requestBody?.content['application/json']?.schema
    const our = ours.paths[path]?.[method]?.requestBody?.content['application/json']?.schema
    return theirs ? [{ operationId: operation.operationId, path, method, theirs, our }] : []
  }),
)

describe('request bodies: we accept what Cryptlex accepts', () => {
  it('has Cryptlex request models to compare', () => {
    expect(bodies.map((b) => b.operationId)).toContain('CreateResellerUser')
    expect(cryptlexOperation('POST', '/v3/webhooks')?.operationId).toBe('CreateWebhook')
  })

  for (const body of bodies) {
    const served = body.our !== undefined
    it.runIf(served)(
      `${body.operationId}: refuses nothing Cryptlex accepts, but where a field says why`,
      () => {
        expect(narrowings(body.theirs, body.our as Schema, 'body')).toEqual([])
      },
    )
    it.runIf(served)(`${body.operationId}: every "${STRICTER}" note is still true`, () => {
      const stale = notes(body.theirs, body.our as Schema, 'body').filter((n) => !n.stricter)
      expect(stale).toEqual([])
    })
  }

  it('serves every Cryptlex request body but the license update (we keep no licenses)', () => {
    expect(bodies.filter((b) => b.our === undefined).map((b) => b.operationId)).toEqual([
      'UpdateResellerLicense',
    ])
  })

  it('finds a narrowing nobody documented (the check can fail)', () => {
    const theirs: Schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 256, nullable: true } },
    }
    const our: Schema = {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string', maxLength: 100 } },
    }
    expect(narrowings(theirs, our, 'body')).toEqual([
      'body.name: required',
      'body.name: refuses null',
      'body.name: at most 100 characters',
    ])
    expect(narrowings({ ...theirs, properties: { other: { type: 'string' } } }, our, 'body')).toEqual([
      'body.name: required',
      'body.other: unknown field',
    ])
  })
})
