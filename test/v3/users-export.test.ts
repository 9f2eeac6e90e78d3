// GET /v3/resellers/{resellerId}/users/export: a streamed RFC 4180 CSV of the users the list filters select.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserDto } from '../../src/dialects/v3/schemas.ts'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let orgId: string
/** The live users of `resellerId`, in creation order. */
let users: UserDto[]
let deleted: UserDto

const HEADER = [
  'id',
  'createdAt',
  'updatedAt',
  'name',
  'firstName',
  'lastName',
  'email',
  'role',
  'organizationId',
  'company',
  'twoFactorEnabled',
  'googleSsoEnabled',
  'lastLoginAt',
]

const usersPath = (rid = resellerId) => `/v3/resellers/${rid}/users`

function exportCsv(
  query: Record<string, string> = {},
  options: { resellerId?: string; token?: string } = {},
): Promise<Response<Json>> {
  const search = new URLSearchParams(query).toString()
  return t.request('GET', `${usersPath(options.resellerId)}/export${search ? `?${search}` : ''}`, {
    token: options.token ?? t.cspToken,
  })
}

/** An RFC 4180 reader: quoted cells may hold commas, doubled quotes and line breaks; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (c === '"') quoted = false
      else cell += c
      i++
      continue
    }
    if (c === '"' && cell === '') quoted = true
    else if (c === ',') {
      record.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell)
      records.push(record)
      record = []
      cell = ''
      i++
    } else if (c === '"' || c === '\n' || c === '\r') throw new Error(`bare ${JSON.stringify(c)} at ${i}`)
    else cell += c
    i++
  }
  if (quoted) throw new Error('unterminated quoted cell')
  if (cell !== '' || record.length > 0) throw new Error('the last record does not end in CRLF')
  return records
}

/** Exports and expects 200 text/csv; answers the records after the header row, as objects. */
async function exported(query: Record<string, string> = {}, options: { resellerId?: string } = {}) {
  const response = await exportCsv(query, options)
  expect(response.status, response.text).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/csv/)
  const [header, ...rows] = parseCsv(response.text)
  expect(header).toEqual(HEADER)
  for (const row of rows) expect(row).toHaveLength(HEADER.length)
  return rows.map((row) => Object.fromEntries(HEADER.map((h, i) => [h, row[i]])) as Record<string, string>)
}

/** The CSV record the service must write for a user (before any formula defusing). */
const recordOf = (u: UserDto): Record<string, string> => ({
  id: u.id,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
  name: u.name,
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  role: u.role,
  organizationId: u.organizationId ?? '',
  company: u.company ?? '',
  twoFactorEnabled: String(u.twoFactorEnabled),
  googleSsoEnabled: String(u.googleSsoEnabled),
  lastLoginAt: u.lastLoginAt ?? '',
})

async function createUser(body: Record<string, unknown>, rid = resellerId): Promise<UserDto> {
  const response = await t.request<UserDto>('POST', usersPath(rid), {
    token: t.cspToken,
    body: {
      lastName: 'Tester',
      email: `${unique('x')}@export.test`,
      role: 'user',
      allowCustomerPortalAccess: false,
      password: 'password-1234',
      ...body,
    },
  })
  expect(response.status, response.text).toBe(201)
  return response.body
}

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  orgId = (await t.createOrganization(resellerId)).id
  users = []
  users.push(await createUser({ firstName: 'Alice', email: 'alice@alpha.test', organizationId: orgId }))
  users.push(await createUser({ firstName: 'Bob', email: 'bob@beta.test', role: 'reseller-admin' }))
  users.push(await createUser({ firstName: 'Smith, John', email: 'john@alpha.test', company: 'A, B and C' }))
  users.push(await createUser({ firstName: 'The "Boss"', lastName: 'Quote"d', email: 'boss@beta.test' }))
  users.push(
    await createUser({ firstName: 'Line\nBreak', lastName: 'Carriage\r\nReturn', email: 'lb@alpha.test' }),
  )
  users.push(await createUser({ firstName: '=SUM(A1:A9)', lastName: '+1', email: 'formula@gamma.test' }))
  users.push(
    await createUser({
      firstName: '@cmd',
      lastName: '-2',
      company: '=HYPERLINK("x")',
      email: 'at@gamma.test',
    }),
  )
  users.push(await createUser({ firstName: 'Carol', email: 'carol@alpha.test', role: 'organization-admin' }))
  deleted = await createUser({ firstName: 'Deleted', email: 'deleted@alpha.test' })
  const removed = await t.request('DELETE', `${usersPath()}/${deleted.id}`, { token: t.cspToken })
  expect(removed.status, removed.text).toBe(204)
  await createUser({ firstName: 'Stranger', email: 'stranger@alpha.test' }, (await t.createReseller()).id)
})
afterAll(async () => {
  await t?.close()
})

/** What a spreadsheet-safe cell holds: a leading = + - @ tab or CR gets a ' in front. */
const defused = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
const defusedRecord = (u: UserDto) =>
  Object.fromEntries(Object.entries(recordOf(u)).map(([k, v]) => [k, defused(v)])) as Record<string, string>

describe('GET …/users/export: the file', () => {
  it('answers text/csv, as an attachment, with a header row and one row per live user in creation order', async () => {
    const response = await exportCsv()
    expect(response.status, response.text).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]+\.csv"$/)
    expect(response.text.startsWith(`${HEADER.join(',')}\r\n`)).toBe(true)
    const rows = await exported()
    expect(rows).toEqual(users.map(defusedRecord))
  })

  it('holds the same values the single-user read answers', async () => {
    const rows = await exported()
    for (const user of users) {
      const read = await t.request<UserDto>('GET', `${usersPath()}/${user.id}`, { token: t.cspToken })
      expect(rows.find((r) => r.id === user.id)).toEqual(defusedRecord(read.body))
    }
  })

  it('never holds a deleted user or another reseller’s user', async () => {
    const response = await exportCsv()
    expect(response.text).not.toContain(deleted.id)
    expect(response.text).not.toContain('deleted@alpha.test')
    expect(response.text).not.toContain('stranger@alpha.test')
  })

  it('answers only the header row when no user matches', async () => {
    const response = await exportCsv({ 'email[eq]': 'nobody@nowhere.test' })
    expect(response.status, response.text).toBe(200)
    expect(response.text).toBe(`${HEADER.join(',')}\r\n`)
  })

  it('answers only the header row for a reseller without users', async () => {
    const empty = (await t.createReseller()).id
    const response = await exportCsv({}, { resellerId: empty })
    expect(response.status, response.text).toBe(200)
    expect(response.text).toBe(`${HEADER.join(',')}\r\n`)
  })
})

describe('GET …/users/export: RFC 4180 quoting and formula defusing', () => {
  const line = async (email: string) => {
    const response = await exportCsv({ email })
    expect(response.status, response.text).toBe(200)
    return response.text.slice(response.text.indexOf('\r\n') + 2)
  }

  it('quotes a cell holding a comma', async () => {
    const text = await line('john@alpha.test')
    expect(text).toContain(',"Smith, John Tester","Smith, John",Tester,')
    expect(text).toContain(',"A, B and C",')
  })

  it('quotes a cell holding a quote, and doubles the quote', async () => {
    const text = await line('boss@beta.test')
    expect(text).toContain(',"The ""Boss"" Quote""d","The ""Boss""","Quote""d",')
  })

  it('quotes a cell holding a line break, and keeps the break inside the cell', async () => {
    const text = await line('lb@alpha.test')
    expect(text).toContain(',"Line\nBreak Carriage\r\nReturn","Line\nBreak","Carriage\r\nReturn",')
    const rows = await exported({ email: 'lb@alpha.test' })
    expect(rows).toHaveLength(1)
    expect(rows[0]?.firstName).toBe('Line\nBreak')
    expect(rows[0]?.lastName).toBe('Carriage\r\nReturn')
  })

  it('prefixes with a quote a cell that starts with =, +, - or @', async () => {
    const formula = await exported({ email: 'formula@gamma.test' })
    expect(formula[0]).toMatchObject({ name: "'=SUM(A1:A9) +1", firstName: "'=SUM(A1:A9)", lastName: "'+1" })
    const at = await exported({ email: 'at@gamma.test' })
    expect(at[0]).toMatchObject({ firstName: "'@cmd", lastName: "'-2", company: `'=HYPERLINK("x")` })
    expect(await line('at@gamma.test')).toContain(`,"'=HYPERLINK(""x"")",`)
  })

  it('writes no cell that a spreadsheet would run as a formula', async () => {
    const response = await exportCsv()
    for (const row of parseCsv(response.text)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/)
  })
})

describe('GET …/users/export: the list filters', () => {
  const cases: [string, Record<string, string>, (u: UserDto) => boolean][] = [
    ['role=reseller-admin', { role: 'reseller-admin' }, (u) => u.role === 'reseller-admin'],
    ['role[ne]=user', { 'role[ne]': 'user' }, (u) => u.role !== 'user'],
    ['email[cn]=alpha', { 'email[cn]': 'alpha' }, (u) => u.email.includes('alpha')],
    ['email[eq] in another case', { 'email[eq]': 'BOB@Beta.test' }, (u) => u.email === 'bob@beta.test'],
    ['name[sw]=smith', { 'name[sw]': 'smith' }, (u) => u.name.toLowerCase().startsWith('smith')],
    ['name[cn]=, (a literal comma)', { 'name[cn]': ',' }, (u) => u.name.includes(',')],
    ['organizationId=<org>', { organizationId: '' }, (u) => u.organizationId !== null],
    [
      'search=beta',
      { search: 'beta' },
      (u) => u.email.includes('beta') || u.name.toLowerCase().includes('beta'),
    ],
    [
      'role=user and email[ew]=alpha.test',
      { role: 'user', 'email[ew]': 'alpha.test' },
      (u) => u.role === 'user' && u.email.endsWith('alpha.test'),
    ],
  ]

  it.each(cases)('applies %s', async (_, query, model) => {
    const resolved = Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, k === 'organizationId' ? orgId : v]),
    )
    const rows = await exported(resolved)
    const expected = users.filter(model)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(users.length)
    expect(rows.map((r) => r.id)).toEqual(expected.map((u) => u.id))
  })

  it('applies a date filter', async () => {
    const pivot = users[3] as UserDto
    const rows = await exported({ 'createdAt[gte]': pivot.createdAt })
    expect(rows.map((r) => r.id)).toEqual(users.slice(3).map((u) => u.id))
  })

  it.each([
    ['an unknown field', { nickname: 'x' }, 'nickname'],
    ['an unknown operator', { 'email[gt]': 'x' }, 'email[gt]'],
    ['a malformed date', { 'createdAt[lt]': 'not a date' }, 'createdAt'],
    // Paging and a sort are Cryptlex's export's too (see cryptlex-query-params-behaviour.test.ts).
    ['a page below 1', { page: '0' }, 'page'],
    ['a limit above 100', { limit: '101' }, 'limit'],
    ['a sort on a field the list does not sort by', { sort: 'password' }, 'password'],
  ])('refuses %s with a JSON 400 naming it', async (_, query, named) => {
    const response = await exportCsv(query)
    expect(response.status, response.text).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    expect(response.body.message).toContain(named)
  })
})

describe('GET …/users/export: who may export', () => {
  it('lets a reseller token export its own reseller’s users', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:read'] })
    const response = await exportCsv({}, { token })
    expect(response.status, response.text).toBe(200)
    expect(parseCsv(response.text)).toHaveLength(users.length + 1)
  })

  it('answers 403 with a JSON {message, code} body to a reseller token on another reseller', async () => {
    const other = (await t.createReseller()).id
    await createUser({ firstName: 'Hidden', email: `${unique('hidden')}@export.test` }, other)
    const token = await t.tokenFor({ role: 'reseller', resellerId, scopes: ['reseller:user:read'] })
    for (const rid of [other, randomUUID()]) {
      const response = await exportCsv({}, { resellerId: rid, token })
      expect(response.status, response.text).toBe(403)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
      expect(response.text).not.toContain('Hidden')
    }
  })

  it('answers 404 with a JSON body for a reseller that does not exist', async () => {
    const response = await exportCsv({}, { resellerId: randomUUID() })
    expect(response.status, response.text).toBe(404)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })

  it('answers 403 to a token lacking reseller:user:read', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:read', 'reseller:user:create'] })
    const response = await exportCsv({}, { token })
    expect(response.status, response.text).toBe(403)
    expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  })

  it('answers 401 without a token', async () => {
    const response = await t.request('GET', `${usersPath()}/export`)
    expect(response.status).toBe(401)
  })
})

describe('GET …/users/export: a large export', () => {
  const BULK = 2500

  it(`streams ${BULK} users as ${BULK + 1} lines, each user once, in creation order, whole across the chunks`, async () => {
    const bulk = (await t.createReseller()).id
    // Straight into the table: fast, and with microsecond creation times as real rows have. A name beyond
    // Latin-1 every 100 users: the answer's chunks (of about 32 Ki characters) must carry it whole.
    await t.db.query(
      `INSERT INTO users (id, tenant_id, reseller_id, first_name, last_name, email, role, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2, CASE WHEN i % 100 = 0 THEN 'Łukasz' ELSE 'Bulk' END,
              lpad(i::text, 5, '0'), 'bulk' || i || '@bulk.test', 'user',
              clock_timestamp(), clock_timestamp()
       FROM generate_series(1, ${BULK}) AS i`,
      [t.tenantId, bulk],
    )
    const { rows: expected } = await t.db.query<{ id: string }>(
      'SELECT id FROM users WHERE reseller_id = $1 ORDER BY created_at, id',
      [bulk],
    )
    const response = await exportCsv({}, { resellerId: bulk })
    expect(response.status).toBe(200)
    const lines = response.text.split('\r\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(BULK + 1)
    const ids = lines.slice(1).map((l) => l.slice(0, l.indexOf(',')))
    expect(new Set(ids).size).toBe(BULK)
    expect(ids).toEqual(expected.map((r) => r.id))
    // Every line whole: its id, then its names as the table holds them.
    const named = lines.slice(1).filter((l) => l.includes(',Łukasz 0'))
    expect(named).toHaveLength(BULK / 100)
    expect(
      lines.slice(1).every((l) => /^[0-9a-f-]{36},.*,(Bulk|Łukasz),\d{5},bulk\d+@bulk\.test,user,/.test(l)),
    ).toBe(true)
  })

  it('streams users that share one creation time, each once', async () => {
    const bulk = (await t.createReseller()).id
    await t.db.query(
      `INSERT INTO users (id, tenant_id, reseller_id, first_name, last_name, email, role, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2, 'Same', i::text, 'same' || i || '@same.test', 'user', now(), now()
       FROM generate_series(1, ${BULK}) AS i`,
      [t.tenantId, bulk],
    )
    const response = await exportCsv({ 'email[ew]': '@same.test' }, { resellerId: bulk })
    expect(response.status).toBe(200)
    const lines = response.text.split('\r\n').slice(1, -1)
    expect(lines).toHaveLength(BULK)
    expect(new Set(lines.map((l) => l.slice(0, 36))).size).toBe(BULK)
  })
})
