// The capacity rule, for any interleaving of creates, moves and deletes: a reseller's and an organization's
// live users never exceed what they allow (-1: no limit), and their counters always equal their live users.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Actor, systemActor } from '../../src/domain/actor.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { newId } from '../../src/domain/ids.ts'
import { createUser } from '../../src/domain/users/create.ts'
import { deleteUser } from '../../src/domain/users/delete.ts'
import { updateUser } from '../../src/domain/users/update.ts'
import { startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
let actor: Actor
beforeAll(async () => {
  t = await startTestApp()
  actor = { ...systemActor(t.tenantId, newId()), type: 'client', id: 'capacity-test', role: 'csp' }
})
afterAll(async () => {
  await t?.close()
})

type Op =
  | { kind: 'create'; inOrganization: boolean }
  | { kind: 'delete'; pick: number }
  | { kind: 'move'; pick: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), inOrganization: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat() }),
)
const allowance = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 4 }))

/** Runs one operation; a refusal the rules allow (a limit reached, a user already gone) is not a failure. */
async function run(o: Op, resellerId: string, organizationId: string, users: string[]): Promise<void> {
  try {
    if (o.kind === 'create') {
      const user = await t.db.transaction((tx) =>
        createUser(tx, actor, resellerId, {
          organizationId: o.inOrganization ? organizationId : null,
          firstName: 'Cap',
          lastName: 'Acity',
          email: `${unique('cap')}@example.com`,
          role: null,
          company: null,
          allowCustomerPortalAccess: false,
          passwordHash: null,
          groupIds: [],
        }),
      )
      users.push(user.id)
      return
    }
    const id = users[o.pick % Math.max(users.length, 1)]
    if (!id) return
    if (o.kind === 'delete') await t.db.transaction((tx) => deleteUser(tx, actor, resellerId, id))
    else
      await t.db.transaction((tx) =>
        updateUser(tx, actor, resellerId, id, { organizationId: organizationId }),
      )
  } catch (error) {
    if (!(error instanceof DomainError) || !['LimitReached', 'NotFound'].includes(error.kind)) throw error
  }
}

describe('capacity', () => {
  it('holds for any interleaving of concurrent creates, moves and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(
        allowance,
        allowance,
        fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        async (resellerAllows, organizationAllows, rounds) => {
          const reseller = await t.createReseller({ allowedUsers: resellerAllows })
          const organization = await t.createOrganization(reseller.id, { allowedUsers: organizationAllows })
          const users: string[] = []
          // Each round's operations run at once, racing for the last slots.
          for (const round of rounds)
            await Promise.all(round.map((o) => run(o, reseller.id, organization.id, users)))
          const [{ rows: counters }, live, liveInOrganization] = await Promise.all([
            t.db.query<{ reseller: number; organization: number }>(
              `SELECT r.user_count AS reseller, o.user_count AS organization
               FROM resellers r JOIN organizations o ON o.reseller_id = r.id WHERE o.id = $1`,
              [organization.id],
            ),
            t.count('users', 'reseller_id = $1 AND deleted_at IS NULL', [reseller.id]),
            t.count('users', 'organization_id = $1 AND deleted_at IS NULL', [organization.id]),
          ])
          if (resellerAllows !== -1) expect(live).toBeLessThanOrEqual(resellerAllows)
          if (organizationAllows !== -1) expect(liveInOrganization).toBeLessThanOrEqual(organizationAllows)
          expect(counters[0]).toEqual({ reseller: live, organization: liveInOrganization })
        },
      ),
      { numRuns: 25 },
    )
  })
})
