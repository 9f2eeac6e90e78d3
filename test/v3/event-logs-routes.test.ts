// GET /v3/event-logs/{id}, /resources and /export: Cryptlex's GetEventLog, GetResourcesEventLog, ExportEventLogs.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_RESOURCES } from '../../src/domain/catalogue.ts'
import { type Json, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let r1: Json
let r2: Json
let r1Event: Json
let r2Event: Json
let r1Token: string
beforeAll(async () => {
  t = await startTestApp()
  r1 = await t.createReseller({ name: 'Reach One' })
  r2 = await t.createReseller({ name: '=cmd|formula' })
  const of = async (id: string) =>
    (await t.request('GET', `/v3/event-logs?resourceId=${id}&action=reseller.created`, { token: t.cspToken }))
      .body[0]
  r1Event = await of(r1.id)
  r2Event = await of(r2.id)
  r1Token = await t.tokenFor({ role: 'reseller', resellerId: r1.id, scopes: ['eventLog:read'] })
})
afterAll(async () => {
  await t?.close()
})

const get = (path: string, token: string | null = t.cspToken) => t.request('GET', path, { token })

/** RFC 4180 rows of a CSV body (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += c
  }
  return rows
}

describe('GET /v3/event-logs/{id}', () => {
  it('answers one event, the same object the list shows', async () => {
    const response = await get(`/v3/event-logs/${r1Event.id}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual(r1Event)
  })

  it('answers 404 {message, code} for an unknown id, a non-UUID and another tenant’s event', async () => {
    const other = await t.createTenant(`${unique('logs')}.example.com`)
    const theirs = await t.createReseller({ name: 'Theirs' }, other.token)
    const theirEvent = (await get(`/v3/event-logs?resourceId=${theirs.id}`, other.token)).body[0]
    expect((await get(`/v3/event-logs/${theirEvent.id}`, other.token)).status).toBe(200)
    for (const id of [randomUUID(), 'not-a-uuid', theirEvent.id]) {
      const response = await get(`/v3/event-logs/${id}`)
      expect(response.status, id).toBe(404)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    }
  })

  it('lets a reseller token read its reseller’s events only, as the list does (404 for the others)', async () => {
    expect((await get(`/v3/event-logs/${r1Event.id}`, r1Token)).body).toEqual(r1Event)
    expect((await get(`/v3/event-logs/${r2Event.id}`, r1Token)).status).toBe(404)
    const listed = (await get('/v3/event-logs?limit=100', r1Token)).body as Json[]
    expect(listed.every((e) => e.resellerId === r1.id)).toBe(true)
  })

  it('needs eventLog:read (403) and a token (401)', async () => {
    const without = await t.tokenFor({ scopes: ['reseller:read'] })
    expect((await get(`/v3/event-logs/${r1Event.id}`, without)).status).toBe(403)
    expect((await get(`/v3/event-logs/${r1Event.id}`, null)).status).toBe(401)
  })
})

describe('GET /v3/event-logs/resources', () => {
  it('lists the catalogue’s resources in its order, not taken for an id', async () => {
    const response = await get('/v3/event-logs/resources')
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual([...EVENT_RESOURCES])
    expect(response.body).toEqual(
      expect.arrayContaining([
        'reseller',
        'reseller.user',
        'reseller.organization',
        'role',
        'webhook',
        'client',
      ]),
    )
  })

  it('names every resource the log holds', async () => {
    const events = (await get('/v3/event-logs?limit=100')).body as Json[]
    const resources = (await get('/v3/event-logs/resources')).body as string[]
    for (const event of events) expect(resources).toContain(event.resource)
  })

  it('needs eventLog:read (a decision: Cryptlex takes any token)', async () => {
    const without = await t.tokenFor({ scopes: ['reseller:read'] })
    expect((await get('/v3/event-logs/resources', without)).status).toBe(403)
    expect((await get('/v3/event-logs/resources', null)).status).toBe(401)
  })
})

describe('GET /v3/event-logs/export', () => {
  it('answers a CSV attachment: a header of EventLogDto’s fields, then the list’s rows, newest first', async () => {
    const response = await get('/v3/event-logs/export')
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="event-logs\.csv"$/)
    const [header, ...rows] = parseCsv(response.text)
    expect(header).toEqual(Object.keys(r1Event))
    const list = (await get('/v3/event-logs?limit=100')).body as Json[]
    expect(rows.map((row) => row[0])).toEqual(list.map((e) => e.id))
    const byId = new Map(rows.map((row) => [row[0], row]))
    const row = byId.get(r1Event.id) as string[]
    const cell = (name: string) => row[(header as string[]).indexOf(name)]
    expect(cell('action')).toBe('reseller.created')
    expect(cell('createdAt')).toBe(r1Event.createdAt)
    expect(JSON.parse(cell('changes') as string)).toEqual(r1Event.changes)
  })

  it('applies the list’s filters, and a reseller token’s reach', async () => {
    const filtered = parseCsv((await get(`/v3/event-logs/export?resourceId[eq]=${r2.id}`)).text)
    expect(filtered.slice(1).map((row) => row[0])).toEqual([r2Event.id])
    const byAction = parseCsv((await get('/v3/event-logs/export?action[in]=reseller.created')).text).slice(1)
    expect(byAction.map((row) => row[0]).sort()).toEqual(
      ((await get('/v3/event-logs?action=reseller.created&limit=100')).body as Json[])
        .map((e) => e.id)
        .sort(),
    )
    const own = parseCsv((await get('/v3/event-logs/export', r1Token)).text).slice(1)
    expect(own.map((row) => row[0])).toContain(r1Event.id)
    expect(own.map((row) => row[0])).not.toContain(r2Event.id)
    const none = parseCsv((await get(`/v3/event-logs/export?resourceId=${randomUUID()}`)).text)
    expect(none).toHaveLength(1)
  })

  it('defuses a cell that a spreadsheet would run as a formula (a user agent is the caller’s to choose)', async () => {
    const created = await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      body: { name: 'Agent', email: `${unique('a')}@example.com` },
      headers: { 'user-agent': '=HYPERLINK("x")' },
    })
    expect(created.status).toBe(201)
    const [header, row] = parseCsv((await get(`/v3/event-logs/export?resourceId=${created.body.id}`)).text)
    expect(row?.[(header as string[]).indexOf('userAgent')]).toBe(`'=HYPERLINK("x")`)
  })

  it('refuses page, limit, sort and unknown filters (400), and a bad filter value, never 5xx', async () => {
    for (const query of ['page=1', 'limit=5', 'sort=-createdAt', 'nope=1', 'createdAt[gt]=yesterday']) {
      const response = await get(`/v3/event-logs/export?${query}`)
      expect(response.status, query).toBe(400)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    }
  })

  it('needs eventLog:read (403) and a token (401)', async () => {
    const without = await t.tokenFor({ scopes: ['reseller:read'] })
    expect((await get('/v3/event-logs/export', without)).status).toBe(403)
    expect((await get('/v3/event-logs/export', null)).status).toBe(401)
  })
})
