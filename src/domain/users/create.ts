// Creating a user (the seed operation): one statement when it joins no organization and no group, else a
// transaction; both take the reseller's slot under the capacity rule and write the audit and outbox events.
import { hashPassword } from '../../auth/passwords.ts'
import type { Db, Queryable } from '../../db/connection.ts'
import { type Param, type Sql, sql } from '../../db/sql.ts'
import type { Actor } from '../actor.ts'
import { resellerUsersFull, takeResellerUserSlot } from '../capacity.ts'
import { changeStatement, recordResourceChange } from '../changes.ts'
import { invalid } from '../errors.ts'
import { addUserToGroups, resolveGroups } from '../groups.ts'
import { isUuid, newId } from '../ids.ts'
import { assertResellerExists } from '../organizations.ts'
import { assertResellerReach, assertRoleWithinReach, organizationForActor } from '../reach.ts'
import { DEFAULT_ROLE } from '../roles.ts'
import {
  type CreateUserInput,
  toUser,
  USER_COLUMNS,
  USER_TRACKING,
  type User,
  type UserRow,
} from './model.ts'
import { takeOrganizationUserSlot } from './organization-slot.ts'

/**
 * What both create paths check before any statement: reach (the reseller, and an organization-admin's own
 * organization, where its users go when none is named), a well-formed id, and the role to give.
 */
function prepareCreate(actor: Actor, resellerId: string, input: CreateUserInput) {
  const tenantId = assertResellerReach(actor, resellerId)
  if (input.id !== undefined && !isUuid(input.id)) throw invalid('id', 'id must be a UUID.')
  return {
    tenantId,
    id: input.id ?? newId(),
    role: input.role ?? DEFAULT_ROLE,
    organizationId: organizationForActor(actor, input.organizationId),
  }
}

/** The insert's columns and values (the other columns take their defaults: false, false, null). */
const INSERT_COLUMNS =
  sql.raw(`id, tenant_id, reseller_id, organization_id, first_name, last_name, email, role,
  company, allow_customer_portal_access, password_hash, created_at, updated_at`)
const insertValues = (
  row: { id: string; tenantId: string; resellerId: string; organizationId: string | null; role: string },
  input: CreateUserInput,
): Sql =>
  sql`${row.id}, ${row.tenantId}, ${row.resellerId}, ${row.organizationId}, ${input.firstName}, ${input.lastName},
    ${input.email}, ${row.role}, ${input.company}, ${input.allowCustomerPortalAccess}, ${input.passwordHash},
    now(), now()`
const RETURNED = sql.raw(USER_COLUMNS.replaceAll('u.', ''))

/** The role is checked by the users_role_fkey foreign key, in the insert itself: one round trip fewer. */
const mapRoleError = (role: string) => (error: { code?: string; constraint?: string }) => {
  if (error?.code === '23503' && error.constraint === 'users_role_fkey')
    throw invalid('role', `role "${role}" is not a role of this tenant.`)
  throw error
}

export async function createUser(
  tx: Queryable,
  actor: Actor,
  resellerId: string,
  input: CreateUserInput,
): Promise<User> {
  const { tenantId, id, role, organizationId } = prepareCreate(actor, resellerId, input)
  await assertRoleWithinReach(tx, actor, tenantId, role)
  const groups = await resolveGroups(tx, tenantId, input.groupIds)
  // The reseller's slot first, then the organization's: always in that order, so creates cannot deadlock.
  const slot = await tx.query(takeResellerUserSlot(tenantId, resellerId), { isPrepared: true })
  if (slot.rowCount === 0) {
    await assertResellerExists(tx, tenantId, resellerId)
    throw resellerUsersFull()
  }
  const organization = organizationId
    ? await takeOrganizationUserSlot(tx, tenantId, resellerId, organizationId)
    : null
  const values = insertValues(
    { id, tenantId, resellerId, organizationId: organization?.id ?? null, role },
    input,
  )
  const { rows } = await tx
    .query<UserRow>(sql`INSERT INTO users (${INSERT_COLUMNS}) VALUES (${values}) RETURNING ${RETURNED}`, {
      isPrepared: true,
    })
    .catch(mapRoleError(role))
  const user = toUser(rows[0] as UserRow, organization, groups)
  await addUserToGroups(tx, tenantId, user.id, groups)
  await recordResourceChange(tx, actor, USER_TRACKING, 'created', null, user)
  return user
}

/**
 * Creates a user with a password: the reach check first (cheap), then the argon2id hash on a hashing thread,
 * before any statement, so no row lock is held while hashing.
 */
export async function createUserWithPassword(
  db: Db,
  actor: Actor,
  resellerId: string,
  input: Omit<CreateUserInput, 'passwordHash'> & { password: string | null },
): Promise<User> {
  const { organizationId } = prepareCreate(actor, resellerId, { ...input, passwordHash: null })
  const { password, ...rest } = input
  const passwordHash = password === null ? null : await hashPassword(password)
  const full = { ...rest, passwordHash }
  // A signed-in user's create checks the role it gives first: the transaction's path.
  if (organizationId === null && full.groupIds.length === 0 && actor.type !== 'user') {
    const user = await createUserAtOnce(db, actor, resellerId, full)
    if (user) return user
  }
  return db.transaction((tx) => createUser(tx, actor, resellerId, full))
}

/** A timestamp as JSON.stringify writes a Date: UTC, to the millisecond. */
const JSON_TIME = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`)

/** The event's data: the draft user with the row's times. */
const withRowTimes = (draft: Param) =>
  sql`jsonb_set(jsonb_set(${draft}::jsonb, '{createdAt}', to_jsonb(ins.at)), '{updatedAt}', to_jsonb(ins.at))`

/**
 * createUser in one statement — slot, row, audit and outbox events, NOTIFY — for a user in no organization and
 * no group: one round trip instead of five. The events are written only if the insert is (they read its row).
 * Null: no slot was taken; the caller's transaction then tells why.
 */
async function createUserAtOnce(
  db: Db,
  actor: Actor,
  resellerId: string,
  input: CreateUserInput,
): Promise<User | null> {
  const { tenantId, id, role } = prepareCreate(actor, resellerId, input)
  const row = { id, tenantId, resellerId, organizationId: null, role }
  const draft = toUser(
    {
      ...{ id, tenant_id: tenantId, reseller_id: resellerId, organization_id: null, role },
      ...{
        first_name: input.firstName,
        last_name: input.lastName,
        email: input.email,
        company: input.company,
      },
      allow_customer_portal_access: input.allowCustomerPortalAccess,
      ...{ two_factor_enabled: false, google_sso_enabled: false, last_login_at: null },
      ...{ created_at: new Date(0), updated_at: new Date(0) },
    },
    null,
    [],
  )
  const change = changeStatement(actor, USER_TRACKING, 'created', null, draft, {
    from: 'ins',
    data: withRowTimes,
  })
  const { rows } = await db
    .query<UserRow>(
      sql`WITH slot AS (${takeResellerUserSlot(sql.param(tenantId), sql.param(resellerId))}), ins AS (
         INSERT INTO users (${INSERT_COLUMNS}) SELECT ${insertValues(row, input)} FROM slot
         RETURNING ${RETURNED}, to_char(created_at AT TIME ZONE 'UTC', ${JSON_TIME}) AS at
       ), ${change.ctes}
       SELECT ins.*, ${change.notify} FROM ins`,
      { isPrepared: true },
    )
    .catch(mapRoleError(role))
  return rows[0] ? toUser(rows[0], null, []) : null
}
