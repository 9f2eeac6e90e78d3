// The JSON body parser: JSON.parse, prototype poisoning refused as Fastify does, and duplicate keys refused —
// {"email":"a","email":"b"} means different things to different parsers, so it means nothing here.
import { errorCodes, type FastifyInstance } from 'fastify'
import { visit } from 'jsonc-parser'
import secureJson from 'secure-json-parse'

export class DuplicateKeyError extends Error {
  readonly statusCode = 400
  readonly code = 'FST_ERR_CTP_INVALID_JSON_BODY'
  constructor(readonly key: string) {
    super(`The body names "${key}" twice in one object.`)
  }
}

/** The first key an object of the document names twice (escapes decoded: "\u0065mail" is "email"). */
export function duplicateKey(text: string): string | null {
  const open: Set<string>[] = []
  let duplicate: string | null = null
  visit(text, {
    onObjectBegin: () => {
      open.push(new Set())
    },
    onObjectEnd: () => {
      open.pop()
    },
    onObjectProperty: (key) => {
      const keys = open[open.length - 1]
      if (!keys || duplicate !== null) return
      if (keys.has(key)) duplicate = key
      keys.add(key)
    },
  })
  return duplicate
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    // No body at all is no body, whatever the header says: many generated clients send Content-Type:
    // application/json on every request, DELETE included. A route that needs a body refuses it by its schema.
    if (text.length === 0) return done(null, undefined)
    let value: unknown
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
    } catch {
      return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined)
    }
    // Only an object with at least two members can repeat a key: most bodies pay for one indexOf.
    const key = text.indexOf(',') === -1 ? null : duplicateKey(text)
    if (key !== null) return done(new DuplicateKeyError(key), undefined)
    done(null, value)
  })
}
