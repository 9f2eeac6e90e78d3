// The fields of a user list (both dialects' filters, sorts and search) and the columns and indexes behind them.
import type { FieldSpec } from '../../query/language.ts'

export const USER_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'u.id', kind: 'id' },
  organizationId: { column: 'u.organization_id', kind: 'id', isSortable: false, isNullable: true },
  // users_role_fkey: a user's role is one of its tenant's roles ($1 is always the tenant).
  role: {
    column: 'u.role',
    kind: 'text',
    lookup: (match) => `SELECT r.name FROM roles r WHERE r.tenant_id = $1 AND ${match('r.name')}`,
  },
  // sw/ew: users_reseller_{name,email}_{prefix,suffix}; cn/nc and search: users_{name,email}_trgm.
  email: {
    column: 'u.email',
    kind: 'email',
    sortColumn: 'lower(u.email)',
    hasAffixIndexes: true,
    isTrigramIndexed: true,
  },
  name: { column: 'u.name', kind: 'text', hasAffixIndexes: true, isTrigramIndexed: true },
  createdAt: { column: 'u.created_at', kind: 'date' },
  updatedAt: { column: 'u.updated_at', kind: 'date' },
  // Cryptlex's lastSeenAt: the last sign-in (none yet: NULL). No index: matched over the reseller's users.
  lastSeenAt: {
    column: 'u.last_login_at',
    kind: 'date',
    isSortable: false,
    isNullable: true,
    description:
      "The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it.",
  },
  // Cryptlex's users holding a license of a product: we have no products, so no user holds one.
  productId: {
    column: 'NULL::uuid',
    kind: 'id',
    isSortable: false,
    isNullable: true,
    description:
      'The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user.',
  },
}
