// POST /v3/resellers/{resellerId}/users (the seed operation) and GET …/users/{id}, end to end.
import { randomUUID } from 'node:crypto'
import { verify } from '@node-rs/argon2'
import type { Static } from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventLogDto, OrganizationDto, UserDto } from '../../src/dialects/v3/schemas.ts'
import type { Change } from '../../src/domain/audit/record.ts'
import { type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let organization: Static<typeof OrganizationDto>

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  organization = await t.createOrganization(resellerId, {
    description: 'Customer one',
    allowedUsers: -1,
    address: {
      addressLine1: '1 Main Street',
      addressLine2: 'Floor 2',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      postalCode: '62701',
    },
  })
})
afterAll(async () => {
  await t?.close()
})

/** The 201 response's keys, exactly as the seed lists them. */
const USER_KEYS = [
  'id',
  'createdAt',
  'updatedAt',
  'name',
  'firstName',
  'lastName',
  'email',
  'role',
  'twoFactorEnabled',
  'googleSsoEnabled',
  'lastLoginAt',
  'organizationId',
  'organization',
  'company',
].sort()
/** A user of no organization: Cryptlex's organization is optional, never null, so it is left out. */
const USER_KEYS_WITHOUT_ORGANIZATION = USER_KEYS.filter((key) => key !== 'organization')
const ORGANIZATION_KEYS = [
  'id',
  'createdAt',
  'updatedAt',
  'name',
  'email',
  'description',
  'allowedUsers',
  'address',
].sort()
const ADDRESS_KEYS = ['addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode'].sort()
/** What a create may answer: the user, or a {message, code} error. */
type Answer = Partial<UserDto> & { message?: string; code?: string | null }

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const email = (prefix = 'user') => `${unique(prefix)}@example.com`

const validBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: email('ada'),
  role: 'user',
  company: 'Analytical Engines',
  allowCustomerPortalAccess: true,
  password: 'correct horse battery',
  ...overrides,
})

const usersPath = (rid = resellerId) => `/v3/resellers/${rid}/users`

function createUser(
  body: unknown,
  options: { resellerId?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Response<Answer>> {
  return t.request<Answer>('POST', usersPath(options.resellerId), {
    token: options.token === undefined ? t.cspToken : options.token,
    body,
    ...(options.headers ? { headers: options.headers } : {}),
  })
}

async function created(body: Record<string, unknown>, rid = resellerId): Promise<UserDto> {
  const response = await createUser(body, { resellerId: rid })
  expect(response.status, response.text).toBe(201)
  return response.body as UserDto
}

/** Everything a create could write: user rows, audit and outbox rows, and the reseller/organization slot counters. */
async function footprint() {
  const [users, audit, outbox, slots] = await Promise.all([
    t.count('users'),
    t.count('audit_events'),
    t.count('outbox_events'),
    t.db.query<{ resellers: number; organizations: number }>(
      `SELECT (SELECT COALESCE(sum(user_count), 0)::int FROM resellers) AS resellers,
              (SELECT COALESCE(sum(user_count), 0)::int FROM organizations) AS organizations`,
    ),
  ])
  return { users, audit, outbox, slots: slots.rows[0] }
}

/** Sends a request that must be refused with {message, code}, and checks it wrote nothing at all. */
async function expectRefused(
  send: () => Promise<Response<Answer>>,
  status: number,
  code?: string,
): Promise<Response<Answer>> {
  const before = await footprint()
  const response = await send()
  expect(response.status, response.text).toBe(status)
  expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
  expect(response.body.message).toMatch(/\S/)
  if (code) expect(response.body.code).toBe(code)
  expect(await footprint()).toEqual(before)
  return response
}

const long = (n: number, char = 'a') => char.repeat(n)

describe('POST /v3/resellers/{resellerId}/users: the happy path', () => {
  it('creates a user and answers 201 with exactly the seed response keys', async () => {
    const body = validBody({ organizationId: organization.id })
    const response = await createUser(body)
    expect(response.status, response.text).toBe(201)
    expect(response.headers.get('content-type')).toContain('application/json')
    const user = response.body as UserDto
    expect(Object.keys(user).sort()).toEqual(USER_KEYS)
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      name: 'Ada Lovelace',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: body.email,
      role: 'user',
      twoFactorEnabled: false,
      googleSsoEnabled: false,
      lastLoginAt: null,
      organizationId: organization.id,
      organization,
      company: 'Analytical Engines',
    })
    const embedded = user.organization as NonNullable<UserDto['organization']>
    expect(Object.keys(embedded).sort()).toEqual(ORGANIZATION_KEYS)
    expect(Object.keys(embedded.address).sort()).toEqual(ADDRESS_KEYS)
    expect(embedded.address).toEqual({
      addressLine1: '1 Main Street',
      addressLine2: 'Floor 2',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      postalCode: '62701',
    })
  })

  it('answers organizationId null and leaves organization out when no organizationId is given', async () => {
    const user = await created(validBody())
    expect(Object.keys(user).sort()).toEqual(USER_KEYS_WITHOUT_ORGANIZATION)
    expect(user.organizationId).toBeNull()
    expect(user).not.toHaveProperty('organization')
  })

  it('treats an empty organizationId (the seed allows length 0) as no organization', async () => {
    const user = await created(validBody({ organizationId: '' }))
    expect(user.organizationId).toBeNull()
    expect(user).not.toHaveProperty('organization')
  })

  it('joins first and last name with one space into name', async () => {
    const user = await created(validBody({ firstName: 'Grace', lastName: 'Hopper' }))
    expect(user.name).toBe('Grace Hopper')
  })

  it('answers name as the first name alone, and lastName empty, when lastName is null or absent', async () => {
    const withNull = await created(validBody({ firstName: 'Cher', lastName: null }))
    expect(withNull.name).toBe('Cher')
    expect(withNull.lastName).toBe('')
    const { lastName: _, ...rest } = validBody({ firstName: 'Prince' })
    const absent = await created(rest)
    expect(absent.name).toBe('Prince')
    expect(absent.lastName).toBe('')
  })

  it('answers company null when company is null or absent', async () => {
    expect((await created(validBody({ company: null }))).company).toBeNull()
    const { company: _, ...rest } = validBody()
    expect((await created(rest)).company).toBeNull()
  })

  it('never shows the password or its hash in the response', async () => {
    const password = 'a very secret passphrase'
    const response = await createUser(validBody({ password }))
    expect(response.status).toBe(201)
    expect(response.text).not.toContain(password)
    expect(response.text).not.toMatch(/argon2/i)
    expect(response.text).not.toMatch(/password/i)
    const { rows } = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [response.body.id],
    )
    expect(response.text).not.toContain(rows[0]?.password_hash)
  })

  it('stores allowCustomerPortalAccess as sent', async () => {
    const yes = await created(validBody({ allowCustomerPortalAccess: true }))
    const no = await created(validBody({ allowCustomerPortalAccess: false }))
    const { rows } = await t.db.query<{ id: string; allow_customer_portal_access: boolean }>(
      'SELECT id, allow_customer_portal_access FROM users WHERE id = ANY($1::uuid[])',
      [[yes.id, no.id]],
    )
    const byId = Object.fromEntries(rows.map((r) => [r.id, r.allow_customer_portal_access]))
    expect(byId).toEqual({ [yes.id]: true, [no.id]: false })
  })

  it.each(['reseller-admin', 'organization-admin', 'user'])('accepts the built-in role %s', async (role) => {
    const user = await created(validBody({ role }))
    expect(user.role).toBe(role)
  })
})

describe('GET /v3/resellers/{resellerId}/users/{id}', () => {
  it('returns the same object the create answered, organization embedded', async () => {
    const user = await created(validBody({ organizationId: organization.id }))
    const response = await t.request('GET', `${usersPath()}/${user.id}`, { token: t.cspToken })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual(user)
  })

  it('returns the same object the create answered without an organization', async () => {
    const user = await created(validBody({ lastName: null, company: null }))
    const response = await t.request('GET', `${usersPath()}/${user.id}`, { token: t.cspToken })
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual(user)
    expect(response.text).not.toMatch(/password|argon2/i)
  })

  it('answers 404 for an unknown id, a malformed id, and the id of another reseller’s user', async () => {
    const user = await created(validBody())
    const other = await t.createReseller()
    for (const path of [
      `${usersPath()}/${randomUUID()}`,
      `${usersPath()}/not-a-uuid`,
      `${usersPath(other.id)}/${user.id}`,
    ]) {
      const response = await t.request('GET', path, { token: t.cspToken })
      expect(response.status, path).toBe(404)
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message'])
    }
  })

  it('answers 403 to a token lacking reseller:user:read', async () => {
    const user = await created(validBody())
    const token = await t.tokenFor({ scopes: ['reseller:user:create'] })
    const response = await t.request('GET', `${usersPath()}/${user.id}`, { token })
    expect(response.status).toBe(403)
  })
})

describe('POST …/users: field constraints at their boundaries', () => {
  const accepted: { case: string; body: () => Record<string, unknown>; check?: (user: UserDto) => void }[] = [
    {
      case: 'a firstName of 1 character',
      body: () => validBody({ firstName: 'A' }),
      check: (u) => expect(u.firstName).toBe('A'),
    },
    {
      case: 'a firstName of 256 characters',
      body: () => validBody({ firstName: long(256) }),
      check: (u) => expect(u.firstName).toBe(long(256)),
    },
    {
      case: 'a firstName of 256 non-ASCII characters (characters, not bytes)',
      body: () => validBody({ firstName: long(256, 'é') }),
      check: (u) => expect(u.firstName).toBe(long(256, 'é')),
    },
    {
      case: 'a lastName of 256 characters',
      body: () => validBody({ lastName: long(256, 'b') }),
      check: (u) => expect(u.lastName).toBe(long(256, 'b')),
    },
    {
      case: 'an empty lastName',
      body: () => validBody({ lastName: '' }),
      check: (u) => expect(u.lastName).toBe(''),
    },
    {
      case: 'a null lastName',
      body: () => validBody({ lastName: null }),
      check: (u) => expect(u.lastName).toBe(''),
    },
    {
      case: 'a company of 256 characters',
      body: () => validBody({ company: long(256, 'c') }),
      check: (u) => expect(u.company).toBe(long(256, 'c')),
    },
    {
      case: 'an empty company',
      body: () => validBody({ company: '' }),
      check: (u) => expect(u.company).toBe(''),
    },
    { case: 'a password of 8 characters', body: () => validBody({ password: long(8, 'p') }) },
    { case: 'a password of 256 characters', body: () => validBody({ password: long(256, 'p') }) },
  ]

  it.each(accepted)('accepts $case', async ({ body, check }) => {
    const user = await created(body())
    check?.(user)
  })

  const refused: { case: string; body: () => unknown; field: string }[] = [
    { case: 'an empty firstName', body: () => validBody({ firstName: '' }), field: 'firstName' },
    {
      case: 'a firstName of 257 characters',
      body: () => validBody({ firstName: long(257) }),
      field: 'firstName',
    },
    {
      case: 'a lastName of 257 characters',
      body: () => validBody({ lastName: long(257) }),
      field: 'lastName',
    },
    { case: 'an empty role', body: () => validBody({ role: '' }), field: 'role' },
    { case: 'a role of 257 characters', body: () => validBody({ role: long(257) }), field: 'role' },
    { case: 'a company of 257 characters', body: () => validBody({ company: long(257) }), field: 'company' },
    {
      case: 'an organizationId of 257 characters',
      body: () => validBody({ organizationId: long(257) }),
      field: 'organizationId',
    },
    {
      case: 'a password of 7 characters',
      body: () => validBody({ password: long(7, 'p') }),
      field: 'password',
    },
    {
      case: 'a password of 257 characters',
      body: () => validBody({ password: long(257, 'p') }),
      field: 'password',
    },
    { case: 'an empty password', body: () => validBody({ password: '' }), field: 'password' },
    { case: 'an email without @', body: () => validBody({ email: 'not-an-email' }), field: 'email' },
    { case: 'an email without a domain', body: () => validBody({ email: 'ada@' }), field: 'email' },
    {
      case: 'an email without a local part',
      body: () => validBody({ email: '@example.com' }),
      field: 'email',
    },
    {
      case: 'an email with spaces',
      body: () => validBody({ email: 'ada lovelace@example.com' }),
      field: 'email',
    },
    { case: 'an empty email', body: () => validBody({ email: '' }), field: 'email' },
    ...(['firstName', 'email', 'role', 'allowCustomerPortalAccess', 'password'] as const).map((field) => ({
      case: `a body missing ${field}`,
      body: () => {
        const { [field]: _, ...rest } = validBody()
        return rest
      },
      field,
    })),
    {
      case: 'allowCustomerPortalAccess given as the string "true"',
      body: () => validBody({ allowCustomerPortalAccess: 'true' }),
      field: 'allowCustomerPortalAccess',
    },
    {
      case: 'allowCustomerPortalAccess given as 1',
      body: () => validBody({ allowCustomerPortalAccess: 1 }),
      field: 'allowCustomerPortalAccess',
    },
    {
      case: 'allowCustomerPortalAccess null',
      body: () => validBody({ allowCustomerPortalAccess: null }),
      field: 'allowCustomerPortalAccess',
    },
    { case: 'a numeric firstName', body: () => validBody({ firstName: 42 }), field: 'firstName' },
    { case: 'a null firstName', body: () => validBody({ firstName: null }), field: 'firstName' },
    { case: 'a null email', body: () => validBody({ email: null }), field: 'email' },
    { case: 'a null password', body: () => validBody({ password: null }), field: 'password' },
    { case: 'a numeric password', body: () => validBody({ password: 12345678 }), field: 'password' },
    {
      case: 'an organizationId given as a number',
      body: () => validBody({ organizationId: 7 }),
      field: 'organizationId',
    },
    { case: 'an unknown extra property', body: () => validBody({ isAdmin: true }), field: 'isAdmin' },
    {
      case: 'a passwordHash smuggled in as an extra property',
      body: () => validBody({ passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' }),
      field: 'passwordHash',
    },
    {
      case: 'an id chosen by the client (v3 has none)',
      body: () => validBody({ id: randomUUID() }),
      field: 'id',
    },
  ]

  it.each(refused)('refuses $case with 400 and writes nothing', async ({ body, field }) => {
    const response = await expectRefused(() => createUser(body()), 400, 'VALIDATION_ERROR')
    expect(response.body.message).toContain(field)
  })

  it('refuses a body that is a JSON array', async () => {
    await expectRefused(() => createUser([validBody()]), 400)
  })

  it('refuses a body that is not JSON', async () => {
    await expectRefused(() => createUser('{"firstName": "Ada",'), 400)
  })

  it('refuses an empty body', async () => {
    await expectRefused(
      () =>
        t.request('POST', usersPath(), {
          token: t.cspToken,
          headers: { 'content-type': 'application/json' },
        }),
      400,
    )
  })

  it('refuses a role of 256 characters that is no role of the tenant with 400', async () => {
    const response = await expectRefused(() => createUser(validBody({ role: long(256, 'r') })), 400)
    expect(response.body.message).toContain('role')
  })

  it('reports every invalid field in one answer', async () => {
    const response = await expectRefused(
      () => createUser(validBody({ firstName: '', password: 'short', email: 'nope' })),
      400,
      'VALIDATION_ERROR',
    )
    for (const field of ['firstName', 'password', 'email']) expect(response.body.message).toContain(field)
  })
})

describe('POST …/users: rules beyond shape', () => {
  it('answers 404 for an unknown reseller', async () => {
    await expectRefused(() => createUser(validBody(), { resellerId: randomUUID() }), 404, 'NOT_FOUND')
  })

  it('answers 404 for a reseller id that is not a UUID', async () => {
    await expectRefused(() => createUser(validBody(), { resellerId: 'not-a-uuid' }), 404)
  })

  it('answers 404 for a reseller of another tenant', async () => {
    const other = await t.createTenant('other-tenant.example.com')
    const foreign = await t.createReseller({}, other.token)
    await expectRefused(() => createUser(validBody(), { resellerId: foreign.id }), 404, 'NOT_FOUND')
  })

  it('refuses an organizationId of another reseller with 400', async () => {
    const other = await t.createReseller()
    const foreignOrg = await t.createOrganization(other.id)
    const response = await expectRefused(() => createUser(validBody({ organizationId: foreignOrg.id })), 400)
    expect(response.body.message).toContain('organizationId')
  })

  it('refuses an unknown organizationId with 400', async () => {
    await expectRefused(() => createUser(validBody({ organizationId: randomUUID() })), 400)
  })

  it('refuses an organizationId that is not a UUID with 400', async () => {
    await expectRefused(() => createUser(validBody({ organizationId: 'org-1' })), 400)
  })

  it('refuses an unknown role with 400', async () => {
    const response = await expectRefused(() => createUser(validBody({ role: 'superuser' })), 400)
    expect(response.body.message).toContain('role')
  })

  // A user in an organization is created by the transaction, not the one statement: the same refusal.
  it('refuses an unknown role with 400 for a user in an organization too, taking no slot', async () => {
    const response = await expectRefused(
      () => createUser(validBody({ role: 'superuser', organizationId: organization.id })),
      400,
    )
    expect(response.body.message).toContain('role')
  })

  it('accepts a custom role of the tenant, and refuses one that only another tenant has with 400', async () => {
    const addRole = (tenantId: string, name: string) =>
      t.db.query(
        `INSERT INTO roles (id, tenant_id, name, description, claims, is_builtin, created_at, updated_at)
         VALUES ($1, $2, $3, null, '{}', false, now(), now())`,
        [randomUUID(), tenantId, name],
      )
    const mine = unique('support-agent-')
    await addRole(t.tenantId, mine)
    expect((await created(validBody({ role: mine }))).role).toBe(mine)

    const other = await t.createTenant('roles-tenant.example.com')
    const theirs = unique('auditor-')
    await addRole(other.tenantId, theirs)
    const response = await expectRefused(() => createUser(validBody({ role: theirs })), 400)
    expect(response.body.message).toContain('role')
  })

  describe('email uniqueness', () => {
    it('refuses a duplicate email with 409 DUPLICATE_FIELD_VALUE', async () => {
      const body = validBody()
      await created(body)
      await expectRefused(() => createUser(validBody({ email: body.email })), 409, 'DUPLICATE_FIELD_VALUE')
    })

    it('refuses a duplicate email that differs only in case with 409', async () => {
      const local = unique('ada')
      await created(validBody({ email: `${local}@example.com` }))
      await expectRefused(
        () => createUser(validBody({ email: `${local.toUpperCase()}@EXAMPLE.COM` })),
        409,
        'DUPLICATE_FIELD_VALUE',
      )
    })

    it('refuses an email already used under another reseller of the same tenant with 409', async () => {
      const other = await t.createReseller()
      const body = validBody()
      await created(body, other.id)
      await expectRefused(() => createUser(validBody({ email: body.email })), 409, 'DUPLICATE_FIELD_VALUE')
    })

    it('accepts the same email in another tenant', async () => {
      const other = await t.createTenant('third-tenant.example.com')
      const foreign = await t.createReseller({}, other.token)
      const body = validBody()
      await created(body)
      const response = await createUser(validBody({ email: body.email }), {
        resellerId: foreign.id,
        token: other.token,
      })
      expect(response.status, response.text).toBe(201)
      expect(response.body.email).toBe(body.email)
    })

    it('does not spend a slot of the reseller’s allowedUsers on a refused duplicate', async () => {
      const reseller = await t.createReseller({ allowedUsers: 2 })
      const body = validBody()
      await created(body, reseller.id)
      await expectRefused(
        () => createUser(validBody({ email: body.email }), { resellerId: reseller.id }),
        409,
        'DUPLICATE_FIELD_VALUE',
      )
      await created(validBody(), reseller.id)
    })
  })

  describe('allowedUsers', () => {
    it('refuses with 422 once the reseller’s allowedUsers is reached', async () => {
      const reseller = await t.createReseller({ allowedUsers: 2 })
      await created(validBody(), reseller.id)
      await created(validBody(), reseller.id)
      const response = await expectRefused(() => createUser(validBody(), { resellerId: reseller.id }), 422)
      expect(response.body.code).toBe('USER_LIMIT_REACHED')
    })

    it('refuses every user of a reseller whose allowedUsers is 0', async () => {
      const reseller = await t.createReseller({ allowedUsers: 0 })
      await expectRefused(() => createUser(validBody(), { resellerId: reseller.id }), 422)
    })

    it('allows any number of users when the reseller’s allowedUsers is -1', async () => {
      const reseller = await t.createReseller({ allowedUsers: -1 })
      for (let i = 0; i < 4; i++) await created(validBody(), reseller.id)
      expect(await t.count('users', 'reseller_id = $1', [reseller.id])).toBe(4)
    })

    it('refuses with 422 once the organization’s allowedUsers is reached, while the reseller still has room', async () => {
      const reseller = await t.createReseller({ allowedUsers: -1 })
      const org = await t.createOrganization(reseller.id, { allowedUsers: 1 })
      await created(validBody({ organizationId: org.id }), reseller.id)
      const response = await expectRefused(
        () => createUser(validBody({ organizationId: org.id }), { resellerId: reseller.id }),
        422,
      )
      expect(response.body.code).toBe('USER_LIMIT_REACHED')
      // The organization is full, not the reseller: a user outside the organization is still welcome.
      await created(validBody(), reseller.id)
    })

    it('refuses every user of an organization whose allowedUsers is 0', async () => {
      const reseller = await t.createReseller()
      const org = await t.createOrganization(reseller.id, { allowedUsers: 0 })
      await expectRefused(
        () => createUser(validBody({ organizationId: org.id }), { resellerId: reseller.id }),
        422,
      )
    })

    it('allows any number of users in an organization whose allowedUsers is -1', async () => {
      const reseller = await t.createReseller()
      const org = await t.createOrganization(reseller.id, { allowedUsers: -1 })
      for (let i = 0; i < 3; i++) await created(validBody({ organizationId: org.id }), reseller.id)
      expect(await t.count('users', 'organization_id = $1', [org.id])).toBe(3)
    })

    it('counts users of the organization against the reseller’s allowedUsers too', async () => {
      const reseller = await t.createReseller({ allowedUsers: 1 })
      const org = await t.createOrganization(reseller.id, { allowedUsers: -1 })
      await created(validBody({ organizationId: org.id }), reseller.id)
      await expectRefused(() => createUser(validBody(), { resellerId: reseller.id }), 422)
    })
  })
})

describe('POST …/users: authentication and authorization', () => {
  it('answers 401 without a token', async () => {
    const response = await expectRefused(() => createUser(validBody(), { token: null }), 401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers 401 to a garbage token', async () => {
    await expectRefused(() => createUser(validBody(), { token: 'garbage.token.value' }), 401)
  })

  it('answers 401 to a non-Bearer authorization header', async () => {
    await expectRefused(
      () =>
        t.request('POST', usersPath(), {
          body: validBody(),
          headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        }),
      401,
    )
  })

  it('answers 403 to a token lacking reseller:user:create', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:user:read', 'reseller:read'] })
    await expectRefused(() => createUser(validBody(), { token }), 403)
  })

  it('lets a reseller token create a user under its own reseller', async () => {
    const reseller = await t.createReseller()
    const token = await t.tokenFor({ role: 'reseller', resellerId: reseller.id })
    const response = await createUser(validBody(), { resellerId: reseller.id, token })
    expect(response.status, response.text).toBe(201)
    expect(Object.keys(response.body).sort()).toEqual(USER_KEYS_WITHOUT_ORGANIZATION)
  })

  it('answers 403 to a reseller token creating under another reseller, and writes nothing', async () => {
    const mine = await t.createReseller()
    const theirs = await t.createReseller()
    const token = await t.tokenFor({ role: 'reseller', resellerId: mine.id })
    await expectRefused(() => createUser(validBody(), { resellerId: theirs.id, token }), 403)
    expect(await t.count('users', 'reseller_id = $1', [theirs.id])).toBe(0)
  })

  it('answers 403 (not 404) to a reseller token naming a reseller that does not exist', async () => {
    const mine = await t.createReseller()
    const token = await t.tokenFor({ role: 'reseller', resellerId: mine.id })
    await expectRefused(() => createUser(validBody(), { resellerId: randomUUID(), token }), 403)
  })

  it('answers 403 to a reseller token reading another reseller’s user', async () => {
    const theirs = await t.createReseller()
    const user = await created(validBody(), theirs.id)
    const mine = await t.createReseller()
    const token = await t.tokenFor({ role: 'reseller', resellerId: mine.id })
    const response = await t.request('GET', `${usersPath(theirs.id)}/${user.id}`, { token })
    expect(response.status).toBe(403)
  })

  it('answers 403 to a platform token', async () => {
    const token = await t.platformToken()
    await expectRefused(() => createUser(validBody(), { token }), 403)
  })
})

describe('POST …/users: the stored password', () => {
  it('stores the password as an argon2id hash with m=19456, t=2, p=1 that verifies', async () => {
    const password = 'Tr0ub4dor&3 but longer'
    const user = await created(validBody({ password }))
    const { rows } = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    )
    const hash = rows[0]?.password_hash as string
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true)
    expect(hash).not.toContain(password)
    expect(await verify(hash, password)).toBe(true)
    expect(await verify(hash, `${password}!`)).toBe(false)
  })

  it('salts each hash: the same password gives two different hashes', async () => {
    const password = 'same password twice'
    const a = await created(validBody({ password }))
    const b = await created(validBody({ password }))
    const { rows } = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = ANY($1::uuid[])',
      [[a.id, b.id]],
    )
    expect(rows).toHaveLength(2)
    expect(rows[0]?.password_hash).not.toBe(rows[1]?.password_hash)
  })
})

describe('POST …/users: audit and outbox', () => {
  it('echoes the X-Correlation-Id it was sent', async () => {
    const correlationId = randomUUID()
    const response = await createUser(validBody(), { headers: { 'x-correlation-id': correlationId } })
    expect(response.status).toBe(201)
    expect(response.headers.get('x-correlation-id')).toBe(correlationId)
  })

  it('writes exactly one audit event reseller.user.created with the correlation id, and no secret', async () => {
    const correlationId = randomUUID()
    const password = 'audit-me-not-1234'
    const response = await createUser(validBody({ password, organizationId: organization.id }), {
      headers: { 'x-correlation-id': correlationId, 'user-agent': 'users-create-test/1.0' },
    })
    expect(response.status, response.text).toBe(201)
    const user = response.body
    const { rows } = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM audit_events WHERE correlation_id = $1',
      [correlationId],
    )
    expect(rows).toHaveLength(1)
    const event = rows[0] as Record<string, unknown>
    expect(event.action).toBe('reseller.user.created')
    expect(event.resource_id).toBe(user.id)
    expect(event.reseller_id).toBe(resellerId)
    expect(event.tenant_id).toBe(t.tenantId)
    expect(event.actor_type).toBe('client')
    expect(event.user_agent).toBe('users-create-test/1.0')
    const changes = (
      typeof event.changes === 'string' ? JSON.parse(event.changes) : event.changes
    ) as Change[]
    const text = JSON.stringify(changes)
    expect(text).not.toContain(password)
    expect(text).not.toMatch(/argon2|password/i)
    const fields = Object.fromEntries(changes.map((c) => [c.field, c]))
    expect(fields.email).toEqual({ field: 'email', from: null, to: user.email })
    expect(fields.organizationId?.to).toBe(organization.id)
    expect(
      await t.count('audit_events', "resource_id = $1 AND action = 'reseller.user.created'", [user.id]),
    ).toBe(1)
  })

  it('serves the audit event at GET /v3/event-logs?correlationId=…', async () => {
    const correlationId = randomUUID()
    const response = await createUser(validBody(), { headers: { 'x-correlation-id': correlationId } })
    expect(response.status).toBe(201)
    const token = await t.tokenFor({ scopes: ['eventLog:read'] })
    const logs = await t.request<Static<typeof EventLogDto>[]>(
      'GET',
      `/v3/event-logs?correlationId=${correlationId}`,
      { token },
    )
    expect(logs.status, logs.text).toBe(200)
    expect(logs.body).toHaveLength(1)
    expect(logs.body[0]).toMatchObject({
      action: 'reseller.user.created',
      resourceId: response.body.id,
      resellerId,
      correlationId,
    })
    expect(logs.text).not.toMatch(/argon2|password/i)
  })

  it('writes exactly one outbox event reseller.user.created carrying no secret', async () => {
    const password = 'outbox-secret-987'
    const user = await created(validBody({ password }))
    const { rows } = await t.db.query<{ event: string; reseller_id: string; data: unknown }>(
      'SELECT event, reseller_id, data FROM outbox_events WHERE resource_id = $1',
      [user.id],
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.event).toBe('reseller.user.created')
    expect(rows[0]?.reseller_id).toBe(resellerId)
    const data = JSON.stringify(rows[0]?.data)
    expect(data).not.toContain(password)
    expect(data).not.toMatch(/argon2|passwordHash|password_hash/i)
  })

  it.each([
    ['a lone UTF-16 surrogate', { firstName: 'x\udc00y' }, 'firstName'],
    ['a lone high surrogate', { lastName: '\ud800' }, 'lastName'],
    ['a NUL byte', { firstName: 'Nul\u0000' }, 'firstName'],
    ['a control character', { company: 'Bell\u0007' }, 'company'],
  ])('refuses a name with %s (400, naming the field) and creates nothing', async (_, fields, field) => {
    const before = await t.count('users')
    const response = await t.request('POST', `/v3/resellers/${resellerId}/users`, {
      token: t.cspToken,
      body: validBody(fields),
    })
    expect(response.status, response.text).toBe(400)
    expect(response.body.message).toContain(field)
    expect(await t.count('users')).toBe(before)
  })

  it('takes tabs, newlines and characters beyond the BMP (a surrogate pair) as sent', async () => {
    const user = await created(validBody({ firstName: 'Ada\tMarie', lastName: 'Love\u{1F600}lace' }))
    expect(user.firstName).toBe('Ada\tMarie')
    expect(user.lastName).toBe('Love\u{1F600}lace')
  })

  // A user in no organization is created by one statement that patches the database's times into the
  // event; one in an organization by a transaction. Either way the event carries the user as created.
  it.each([
    ['in no organization', false],
    ['in an organization', true],
  ])('the outbox event carries the user as the response shows it, times included (%s)', async (_, inOrg) => {
    const organizationId = inOrg ? (await t.createOrganization(resellerId)).id : null
    const user = await created(validBody({ organizationId }))
    const { rows } = await t.db.query<{ data: Record<string, unknown> }>(
      'SELECT data FROM outbox_events WHERE resource_id = $1',
      [user.id],
    )
    const data = rows[0]?.data as Record<string, unknown>
    expect(data.createdAt).toBe(user.createdAt)
    expect(data.updatedAt).toBe(user.createdAt)
    expect(data).toMatchObject({
      id: user.id,
      resellerId,
      organizationId,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      role: user.role,
      twoFactorEnabled: false,
      googleSsoEnabled: false,
      lastLoginAt: null,
      groups: [],
    })
    const stored = await t.db.query<{ at: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM users WHERE id = $1`,
      [user.id],
    )
    expect(stored.rows[0]?.at).toBe(user.createdAt)
  })
})
