// The v3 scope vocabulary (Cryptlex's names plus our client scopes). Tokens carry a subset.

export const SCOPES = [
  'reseller:read',
  'reseller:write',
  'reseller:user:read',
  'reseller:user:create',
  'reseller:user:update',
  'reseller:user:delete',
  'reseller:organization:read',
  'reseller:organization:create',
  'reseller:organization:update',
  'reseller:organization:delete',
  'role:read',
  'role:write',
  'webhook:read',
  'webhook:write',
  'webhookEventLog:read',
  'eventLog:read',
  'client:read',
  'client:write',
] as const
export type Scope = (typeof SCOPES)[number]

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value)
