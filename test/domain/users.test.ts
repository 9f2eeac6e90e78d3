// The users domain core, called directly (no HTTP): createUser, createUserWithPassword, getUser.
import { verify } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Actor, systemActor } from '../../src/domain/actor.ts'
import { DomainError, type ErrorKind, fromDatabaseError } from '../../src/domain/errors.ts'
import { newId } from '../../src/domain/ids.ts'
import { createUser, createUserWithPassword } from '../../src/domain/users/create.ts'
import { getUser } from '../../src/domain/users/get.ts'
import type { CreateUserInput, User } from '../../src/domain/users/model.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let resellerId: string
let groups: { id: string; name: string }[]

beforeAll(async () => {
  t = await startTestApp()
  resellerId = (await t.createReseller()).id
  groups = (
    await t.db.query<{ id: string; name: string }>('SELECT id, name FROM groups WHERE tenant_id = $1', [
      t.tenantId,
    ])
  ).rows
})
afterAll(async () => {
  await t?.close()
})

/** An API client acting for the bootstrap tenant: csp by default, or a reseller's own client. */
function actorFor(overrides: Partial<Actor> = {}): Actor {
  return {
    ...systemActor(t.tenantId, newId()),
    type: 'client',
    id: 'domain-test-client',
    ipAddress: '192.0.2.10',
    userAgent: 'domain-test',
    ...overrides,
  }
}
const resellerActor = (rid: string) => actorFor({ role: 'reseller', resellerId: rid })

const input = (overrides: Partial<CreateUserInput> = {}): CreateUserInput => ({
  organizationId: null,
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: `${unique('ada')}@example.com`,
  role: 'user',
  company: null,
  allowCustomerPortalAccess: false,
  passwordHash: null,
  groupIds: [],
  ...overrides,
})

const create = (actor: Actor, rid: string, values: CreateUserInput) =>
  t.db.transaction((tx) => createUser(tx, actor, rid, values))

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

async function expectDomainError(
  promise: Promise<unknown>,
  kind: ErrorKind,
  details: { code?: string; field?: string } = {},
): Promise<DomainError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(DomainError)
  expect(error).toMatchObject({ kind, ...details })
  return error as DomainError
}

async function footprint() {
  const [users, audit, outbox, slots] = await Promise.all([
    t.count('users'),
    t.count('audit_events'),
    t.count('outbox_events'),
    t.db.query<{ n: number }>(
      `SELECT ((SELECT COALESCE(sum(user_count), 0) FROM resellers)
             + (SELECT COALESCE(sum(user_count), 0) FROM organizations))::int AS n`,
    ),
  ])
  return { users, audit, outbox, slots: slots.rows[0]?.n }
}

/** Runs a failing create (with its own expectations) and checks the rolled-back transaction left nothing behind. */
async function expectNothingWritten<T>(run: () => Promise<T>): Promise<T> {
  const before = await footprint()
  const result = await run()
  expect(await footprint()).toEqual(before)
  return result
}

async function slotsOf(table: 'resellers' | 'organizations', id: string): Promise<number> {
  const { rows } = await t.db.query<{ user_count: number }>(`SELECT user_count FROM ${table} WHERE id = $1`, [
    id,
  ])
  return rows[0]?.user_count ?? -1
}

describe('createUser', () => {
  it('creates a user and returns it with the defaults of a new user', async () => {
    const values = input({ company: 'Engines Ltd', allowCustomerPortalAccess: true })
    const user = await create(actorFor(), resellerId, values)
    expect(user).toEqual({
      id: expect.any(String),
      tenantId: t.tenantId,
      resellerId,
      organizationId: null,
      organization: null,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: values.email,
      role: 'user',
      company: 'Engines Ltd',
      allowCustomerPortalAccess: true,
      twoFactorEnabled: false,
      googleSsoEnabled: false,
      lastLoginAt: null,
      groups: [],
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    } satisfies Record<keyof User, unknown>)
    expect(user.createdAt.getTime()).toBe(user.updatedAt.getTime())
  })

  it('gives the user the default role user when role is null', async () => {
    const user = await create(actorFor(), resellerId, input({ role: null }))
    expect(user.role).toBe('user')
  })

  it('takes one slot of the reseller and one of the organization', async () => {
    const reseller = await t.createReseller()
    const org = await t.createOrganization(reseller.id, { allowedUsers: 5 })
    const user = await create(actorFor(), reseller.id, input({ organizationId: org.id }))
    expect(user.organizationId).toBe(org.id)
    expect(user.organization).toMatchObject({ id: org.id, resellerId: reseller.id, allowedUsers: 5 })
    expect(await slotsOf('resellers', reseller.id)).toBe(1)
    expect(await slotsOf('organizations', org.id)).toBe(1)
  })

  it('uses the client-chosen id when one is given', async () => {
    const id = newId()
    const user = await create(actorFor(), resellerId, input({ id }))
    expect(user.id).toBe(id)
  })

  it('refuses a client-chosen id that is not a UUID', async () => {
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), resellerId, input({ id: 'user-1' })), 'Invalid', { field: 'id' }),
    )
  })

  it('refuses a client-chosen id that is already taken, as a duplicate id', async () => {
    const id = newId()
    await create(actorFor(), resellerId, input({ id }))
    const error = await expectNothingWritten(() => rejection(create(actorFor(), resellerId, input({ id }))))
    expect(fromDatabaseError(error)).toMatchObject({
      kind: 'Conflict',
      code: 'DUPLICATE_FIELD_VALUE',
      field: 'id',
    })
  })

  it('resolves groupIds to groups sorted by name, ignoring repeats and the case of the id', async () => {
    const [first, second] = groups
    if (!first || !second) throw new Error('the tenant has no built-in groups')
    const user = await create(
      actorFor(),
      resellerId,
      input({ groupIds: [second.id, first.id.toUpperCase(), second.id] }),
    )
    expect(user.groups).toEqual([first, second].sort((a, b) => a.name.localeCompare(b.name)))
    expect(await t.count('user_groups', 'user_id = $1', [user.id])).toBe(2)
  })

  it('refuses an unknown group id, naming its position', async () => {
    const known = groups[0]?.id as string
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), resellerId, input({ groupIds: [known, newId()] })), 'Invalid', {
        field: 'groupIds[1]',
      }),
    )
  })

  it('refuses a group id that is not a UUID', async () => {
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), resellerId, input({ groupIds: ['admins'] })), 'Invalid', {
        field: 'groupIds[0]',
      }),
    )
  })

  it('refuses a role that is not a role of the tenant', async () => {
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), resellerId, input({ role: 'superuser' })), 'Invalid', {
        field: 'role',
      }),
    )
  })

  it('accepts each built-in role', async () => {
    for (const role of ['reseller-admin', 'organization-admin', 'user']) {
      expect((await create(actorFor(), resellerId, input({ role }))).role).toBe(role)
    }
  })

  it('answers NotFound for an unknown reseller and for a reseller id that is not a UUID', async () => {
    await expectNothingWritten(() => expectDomainError(create(actorFor(), newId(), input()), 'NotFound'))
    await expectNothingWritten(() => expectDomainError(create(actorFor(), 'reseller-1', input()), 'NotFound'))
  })

  it('answers NotFound for a deleted reseller', async () => {
    const reseller = await t.createReseller()
    await t.db.query('UPDATE resellers SET deleted_at = now() WHERE id = $1', [reseller.id])
    await expectNothingWritten(() => expectDomainError(create(actorFor(), reseller.id, input()), 'NotFound'))
  })

  it('answers NotFound for a reseller of another tenant, even to a csp actor', async () => {
    const other = await t.createTenant('domain-other.example.com')
    const foreign = await t.createReseller({}, other.token)
    await expectNothingWritten(() => expectDomainError(create(actorFor(), foreign.id, input()), 'NotFound'))
  })

  it('refuses an organization of another reseller, an unknown one, a deleted one and a malformed id', async () => {
    const other = await t.createReseller()
    const foreignOrg = await t.createOrganization(other.id)
    const deletedOrg = await t.createOrganization(resellerId)
    await t.db.query('UPDATE organizations SET deleted_at = now() WHERE id = $1', [deletedOrg.id])
    for (const organizationId of [foreignOrg.id, newId(), deletedOrg.id, 'org-1']) {
      await expectNothingWritten(() =>
        expectDomainError(create(actorFor(), resellerId, input({ organizationId })), 'Invalid', {
          field: 'organizationId',
        }),
      )
    }
  })

  it('refuses with LimitReached once the reseller’s allowedUsers is reached', async () => {
    const reseller = await t.createReseller({ allowedUsers: 1 })
    await create(actorFor(), reseller.id, input())
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), reseller.id, input()), 'LimitReached', {
        code: 'USER_LIMIT_REACHED',
      }),
    )
    expect(await slotsOf('resellers', reseller.id)).toBe(1)
  })

  it('refuses with LimitReached once the organization’s allowedUsers is reached, and gives back the reseller slot', async () => {
    const reseller = await t.createReseller({ allowedUsers: 10 })
    const org = await t.createOrganization(reseller.id, { allowedUsers: 1 })
    await create(actorFor(), reseller.id, input({ organizationId: org.id }))
    await expectNothingWritten(() =>
      expectDomainError(create(actorFor(), reseller.id, input({ organizationId: org.id })), 'LimitReached', {
        code: 'USER_LIMIT_REACHED',
      }),
    )
    expect(await slotsOf('resellers', reseller.id)).toBe(1)
    expect(await slotsOf('organizations', org.id)).toBe(1)
  })

  it('refuses an email already in use, in any case, as a duplicate email, and keeps the slot free', async () => {
    const reseller = await t.createReseller({ allowedUsers: 2 })
    const local = unique('dup')
    await create(actorFor(), reseller.id, input({ email: `${local}@example.com` }))
    const error = await expectNothingWritten(() =>
      rejection(create(actorFor(), reseller.id, input({ email: `${local.toUpperCase()}@example.com` }))),
    )
    expect(fromDatabaseError(error)).toMatchObject({
      kind: 'Conflict',
      code: 'DUPLICATE_FIELD_VALUE',
      field: 'email',
    })
    expect(await slotsOf('resellers', reseller.id)).toBe(1)
  })

  it('frees the email of a deleted user', async () => {
    const email = `${unique('gone')}@example.com`
    const first = await create(actorFor(), resellerId, input({ email }))
    await t.db.query('UPDATE users SET deleted_at = now() WHERE id = $1', [first.id])
    const second = await create(actorFor(), resellerId, input({ email }))
    expect(second.id).not.toBe(first.id)
  })

  it('lets a reseller actor create under its own reseller', async () => {
    const reseller = await t.createReseller()
    const user = await create(resellerActor(reseller.id), reseller.id, input())
    expect(user.resellerId).toBe(reseller.id)
  })

  it('forbids a reseller actor to create under another reseller, existing or not', async () => {
    const mine = await t.createReseller()
    const theirs = await t.createReseller()
    for (const target of [theirs.id, newId()]) {
      await expectNothingWritten(() =>
        expectDomainError(create(resellerActor(mine.id), target, input()), 'Forbidden', {
          code: 'FORBIDDEN',
        }),
      )
    }
  })

  it('forbids the platform operator, who reaches no tenant', async () => {
    const platform = actorFor({ type: 'platform', role: 'platform', tenantId: null })
    await expectNothingWritten(() => expectDomainError(create(platform, resellerId, input()), 'Forbidden'))
  })

  it('writes one audit event with the actor, the request facts and the changes, never a secret', async () => {
    const actor = actorFor()
    const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'
    const user = await create(actor, resellerId, input({ company: 'Engines Ltd', passwordHash }))
    const { rows } = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM audit_events WHERE correlation_id = $1',
      [actor.correlationId],
    )
    expect(rows).toHaveLength(1)
    const event = rows[0] as Record<string, unknown>
    expect(event).toMatchObject({
      tenant_id: t.tenantId,
      action: 'reseller.user.created',
      resource: 'reseller.user',
      resource_id: user.id,
      reseller_id: resellerId,
      actor_type: 'client',
      actor_id: 'domain-test-client',
      ip_address: '192.0.2.10',
      user_agent: 'domain-test',
    })
    const changes = typeof event.changes === 'string' ? JSON.parse(event.changes) : event.changes
    expect(changes).toEqual(
      expect.arrayContaining([
        { field: 'firstName', from: null, to: 'Ada' },
        { field: 'lastName', from: null, to: 'Lovelace' },
        { field: 'email', from: null, to: user.email },
        { field: 'role', from: null, to: 'user' },
        { field: 'company', from: null, to: 'Engines Ltd' },
      ]),
    )
    expect(JSON.stringify(changes)).not.toMatch(/argon2|password/i)
  })

  it('writes one outbox event reseller.user.created carrying the user but no secret', async () => {
    const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'
    const user = await create(actorFor(), resellerId, input({ passwordHash }))
    const { rows } = await t.db.query<{ event: string; tenant_id: string; data: unknown }>(
      'SELECT event, tenant_id, data FROM outbox_events WHERE resource_id = $1',
      [user.id],
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.event).toBe('reseller.user.created')
    expect(rows[0]?.tenant_id).toBe(t.tenantId)
    const data = typeof rows[0]?.data === 'string' ? JSON.parse(rows[0].data) : rows[0]?.data
    expect(data).toMatchObject({ id: user.id, email: user.email })
    expect(JSON.stringify(data)).not.toMatch(/argon2|password/i)
  })
})

describe('createUserWithPassword', () => {
  it('stores an argon2id hash (m=19456, t=2, p=1) of the password that verifies', async () => {
    const { passwordHash: _, ...rest } = input()
    const user = await createUserWithPassword(t.db, actorFor(), resellerId, {
      ...rest,
      password: 'hunter2hunter2',
    })
    const { rows } = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    )
    const hash = rows[0]?.password_hash as string
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true)
    expect(await verify(hash, 'hunter2hunter2')).toBe(true)
    expect(await verify(hash, 'hunter3hunter3')).toBe(false)
    expect(JSON.stringify(user)).not.toMatch(/argon2|hunter2/)
  })

  it('stores no hash when the password is null', async () => {
    const { passwordHash: _, ...rest } = input()
    const user = await createUserWithPassword(t.db, actorFor(), resellerId, { ...rest, password: null })
    const { rows } = await t.db.query<{ password_hash: string | null }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    )
    expect(rows[0]?.password_hash).toBeNull()
  })

  it('forbids a reseller actor to create under another reseller', async () => {
    const mine = await t.createReseller()
    const { passwordHash: _, ...rest } = input()
    await expectNothingWritten(() =>
      expectDomainError(
        createUserWithPassword(t.db, resellerActor(mine.id), resellerId, {
          ...rest,
          password: 'whatever-123',
        }),
        'Forbidden',
      ),
    )
  })
})

describe('getUser', () => {
  it('returns the user exactly as createUser returned it, organization and groups included', async () => {
    const org = await t.createOrganization(resellerId, { address: { city: 'London', country: 'GB' } })
    const created = await create(
      actorFor(),
      resellerId,
      input({ organizationId: org.id, company: 'Engines Ltd', groupIds: groups.map((g) => g.id) }),
    )
    const found = await getUser(t.db, actorFor(), resellerId, created.id)
    expect(found).toEqual(created)
    expect(found.organization?.address).toMatchObject({ city: 'London', country: 'GB' })
  })

  it('lets a reseller actor read its own user', async () => {
    const reseller = await t.createReseller()
    const created = await create(resellerActor(reseller.id), reseller.id, input())
    expect(await getUser(t.db, resellerActor(reseller.id), reseller.id, created.id)).toEqual(created)
  })

  it('answers NotFound for an unknown id, a malformed id, another reseller’s user and a deleted user', async () => {
    const other = await t.createReseller()
    const theirs = await create(actorFor(), other.id, input())
    const deleted = await create(actorFor(), resellerId, input())
    await t.db.query('UPDATE users SET deleted_at = now() WHERE id = $1', [deleted.id])
    for (const id of [newId(), 'user-1', theirs.id, deleted.id]) {
      await expectDomainError(getUser(t.db, actorFor(), resellerId, id), 'NotFound')
    }
  })

  it('forbids a reseller actor to read another reseller’s user', async () => {
    const other = await t.createReseller()
    const theirs = await create(actorFor(), other.id, input())
    await expectDomainError(getUser(t.db, resellerActor(resellerId), other.id, theirs.id), 'Forbidden')
  })

  it('hides a user of another tenant', async () => {
    const other = await t.createTenant('domain-hidden.example.com')
    const foreignReseller = await t.createReseller({}, other.token)
    const foreignActor = actorFor({ tenantId: other.tenantId })
    const theirs = await create(foreignActor, foreignReseller.id, input())
    await expectDomainError(getUser(t.db, actorFor(), foreignReseller.id, theirs.id), 'NotFound')
  })
})
