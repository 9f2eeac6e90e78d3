// The webhook body: {event, data, triggeredAt}, where data is what the v3 API returns for the resource.
// Outbox rows keep the domain snapshot taken at commit; it is rendered here, once, at fan-out.
import { presentOrganization, presentReseller, presentRole, presentUser } from '../dialects/v3/present.ts'
import type { Organization } from '../domain/organizations.ts'
import type { Reseller } from '../domain/resellers.ts'
import type { Role } from '../domain/roles.ts'
import type { User } from '../domain/users.ts'

const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'lastLoginAt', 'disabledAt'])

/** Revives the Date fields of a JSON snapshot of a domain entity. */
function revive<T>(snapshot: unknown): T {
  return JSON.parse(JSON.stringify(snapshot), (key, value) =>
    DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value,
  ) as T
}

export function presentEventData(event: string, snapshot: unknown): unknown {
  if (event.startsWith('reseller.user.')) return presentUser(revive<User>(snapshot))
  if (event.startsWith('reseller.organization.')) return presentOrganization(revive<Organization>(snapshot))
  if (event.startsWith('reseller.')) return presentReseller(revive<Reseller>(snapshot))
  if (event.startsWith('role.')) return presentRole(revive<Role>(snapshot))
  return snapshot
}

export function renderBody(event: string, data: unknown, triggeredAt: Date): string {
  return JSON.stringify({ event, data, triggeredAt: triggeredAt.toISOString() })
}
