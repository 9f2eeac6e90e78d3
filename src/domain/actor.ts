// Who acts, for which tenant, and the request facts every audit event records.

export type PrincipalRole = 'csp' | 'reseller' | 'platform'

export interface Principal {
  /**
   * What the audit log calls the actor: an API client, the platform operator, the system itself, or someone
   * who failed to authenticate (`anonymous`, never a principal of a request), or a signed-in user.
   */
  type: 'client' | 'platform' | 'system' | 'anonymous' | 'user'
  /** The API client's id (its row id), the platform client id, the user's id, or `system`. */
  id: string
  role: PrincipalRole
  tenantId: string | null
  resellerId: string | null
  scopes: ReadonlySet<string>
  /** A signed-in user's session (its refresh-token family); absent for every other principal. */
  sessionId?: string | undefined
  /**
   * The one organization whose users a signed-in organization-admin reaches (domain/reach.ts); absent or null:
   * no restriction beyond the tenant and the reseller.
   */
  organizationId?: string | null | undefined
}

export interface Actor extends Principal {
  correlationId: string
  ipAddress: string | null
  userAgent: string | null
}

export const SYSTEM_ACTOR_ID = 'system'

export function systemActor(tenantId: string | null, correlationId: string): Actor {
  return {
    type: 'system',
    id: SYSTEM_ACTOR_ID,
    role: 'csp',
    tenantId,
    resellerId: null,
    scopes: new Set(),
    correlationId,
    ipAddress: null,
    userAgent: null,
  }
}
