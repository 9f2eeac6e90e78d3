// API clients: OAuth2 client credentials that mint access tokens for a csp or reseller principal.
import { randomBytes } from 'node:crypto'
import { hashClientSecret, type Pepper, verifyClientSecret } from '../auth/client-secrets.ts'
import { isScope, SCOPES } from '../auth/scopes.ts'
import type { Queryable } from '../db/connection.ts'
import { sql } from '../db/sql.ts'
import { CREATION_ORDER, listPage } from '../query/page.ts'
import type { Actor } from './actor.ts'
import { recordEvent } from './changes.ts'
import { forbidden, invalid, notFound } from './errors.ts'
import { isUuid, newId } from './ids.ts'
import { assertResellerExists } from './organizations.ts'
import { type PageRequest, reachScope, tenantOf } from './reach.ts'

export interface ApiClient {
  id: string
  tenantId: string
  clientId: string
  name: string
  role: 'csp' | 'reseller'
  resellerId: string | null
  scopes: string[]
  createdAt: Date
  updatedAt: Date
}

export interface CreateClientInput {
  name: string
  role: 'csp' | 'reseller'
  resellerId: string | null
  scopes: string[]
}

interface ClientRow {
  id: string
  tenant_id: string
  client_id: string
  name: string
  role: 'csp' | 'reseller'
  reseller_id: string | null
  scopes: string[]
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, tenant_id, client_id, name, role, reseller_id, scopes, created_at, updated_at'

const toClient = (row: ClientRow): ApiClient => ({
  id: row.id,
  tenantId: row.tenant_id,
  clientId: row.client_id,
  name: row.name,
  role: row.role,
  resellerId: row.reseller_id,
  scopes: row.scopes,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
})

export const generateSecret = (): string => randomBytes(32).toString('base64url')
export const generateClientId = (): string => `rc_${randomBytes(15).toString('base64url')}`

/**
 * Creates a client and returns its secret, which is stored only as a hash and never shown again.
 * No escalation: a client's scopes are a subset of the creator's, and a reseller creates only
 * clients of its own reseller.
 */
export async function createClient(
  tx: Queryable,
  actor: Actor,
  input: CreateClientInput,
  pepper: Pepper,
  credentials: { clientId: string; clientSecret: string } = {
    clientId: generateClientId(),
    clientSecret: generateSecret(),
  },
): Promise<{ client: ApiClient; clientSecret: string }> {
  const tenantId = tenantOf(actor)
  input.scopes.forEach((scope, index) => {
    if (!isScope(scope)) throw invalid(`scopes[${index}]`, `"${scope}" is not a known scope.`)
  })
  // API clients and signed-in users are bound by their own scopes; the system (bootstrap) and the platform
  // operator are not.
  if (actor.type === 'client' || actor.type === 'user') {
    const extra = input.scopes.find((scope) => !actor.scopes.has(scope))
    if (extra)
      throw forbidden(`A client cannot be given the scope "${extra}", which the caller's token lacks.`)
  }
  if (input.role === 'csp') {
    if (actor.role !== 'csp') throw forbidden('Only a csp token may create csp clients.')
    if (input.resellerId !== null) throw invalid('resellerId', 'A csp client belongs to no reseller.')
  } else {
    if (input.resellerId === null) throw invalid('resellerId', 'A reseller client needs its resellerId.')
    if (actor.role === 'reseller' && actor.resellerId !== input.resellerId)
      throw forbidden('This token cannot act on that reseller.')
    if (!isUuid(input.resellerId))
      throw invalid('resellerId', 'resellerId must name a reseller of this tenant.')
    await assertResellerExists(tx, tenantId, input.resellerId).catch(() => {
      throw invalid('resellerId', 'resellerId must name a reseller of this tenant.')
    })
  }
  const { rows } = await tx.query<ClientRow>(
    `INSERT INTO api_clients (id, tenant_id, client_id, secret_hash, name, role, reseller_id, scopes,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now()) RETURNING ${COLUMNS}`,
    [
      newId(),
      tenantId,
      credentials.clientId,
      hashClientSecret(pepper, credentials.clientSecret),
      input.name,
      input.role,
      input.resellerId,
      [...new Set(input.scopes)],
    ],
  )
  const client = toClient(rows[0] as ClientRow)
  await recordEvent(tx, actor, {
    action: 'client.created',
    resourceId: client.id,
    resellerId: client.resellerId,
    changes: [
      { field: 'clientId', from: null, to: client.clientId },
      { field: 'name', from: null, to: client.name },
      { field: 'role', from: null, to: client.role },
      { field: 'resellerId', from: null, to: client.resellerId },
      { field: 'scopes', from: null, to: client.scopes },
    ],
    data: client,
  })
  return { client, clientSecret: credentials.clientSecret }
}

export async function listClients(
  tx: Queryable,
  actor: Actor,
  page: PageRequest,
): Promise<{ items: ApiClient[]; total: number }> {
  const { rows, total } = await listPage<ClientRow>(
    tx,
    {
      from: 'api_clients',
      columns: COLUMNS,
      scope: sql`${reachScope(actor, 'reseller_id')} AND revoked_at IS NULL`,
      ...CREATION_ORDER,
    },
    page,
  )
  return { items: rows.map(toClient), total }
}

/** Revokes a client: its secret stops working at once, its tokens within the principal cache's lifetime. */
export async function deleteClient(tx: Queryable, actor: Actor, id: string): Promise<ApiClient> {
  const tenantId = tenantOf(actor)
  if (!isUuid(id)) throw notFound('Client')
  const { rows } = await tx.query<ClientRow>(
    `UPDATE api_clients SET revoked_at = now(), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL
       AND ($3::uuid IS NULL OR reseller_id = $3::uuid)
     RETURNING ${COLUMNS}`,
    [tenantId, id, actor.role === 'reseller' ? actor.resellerId : null],
  )
  if (!rows[0]) throw notFound('Client')
  const client = toClient(rows[0])
  await auditRevoked(tx, actor, client)
  return client
}

/**
 * Revokes every live client of a reseller being deleted: their secrets get no token, their tokens are
 * refused. Answers their ids, for the caller to forget in its principal cache.
 */
export async function revokeResellerClients(
  tx: Queryable,
  actor: Actor,
  tenantId: string,
  resellerId: string,
): Promise<string[]> {
  const { rows } = await tx.query<ClientRow>(
    `UPDATE api_clients SET revoked_at = now(), updated_at = now()
     WHERE tenant_id = $1 AND reseller_id = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [tenantId, resellerId],
  )
  for (const row of rows) await auditRevoked(tx, actor, toClient(row))
  return rows.map((row) => row.id)
}

// The webhook data of a deleted client is the client as it was, as every *.deleted event sends its resource.
const auditRevoked = (tx: Queryable, actor: Actor, client: ApiClient) =>
  recordEvent(tx, actor, {
    action: 'client.deleted',
    resourceId: client.id,
    resellerId: client.resellerId,
    changes: [{ field: 'revoked', from: false, to: true }],
    data: client,
  })

export interface ClientCredentialsRow {
  id: string
  tenant_id: string
  client_id: string
  secret_hash: string
  role: 'csp' | 'reseller'
  reseller_id: string | null
  scopes: string[]
}

/** The active client with this client_id in an active tenant, or null. */
export async function findActiveClient(
  tx: Queryable,
  clientId: string,
): Promise<ClientCredentialsRow | null> {
  const { rows } = await tx.query<ClientCredentialsRow>(
    `SELECT c.id, c.tenant_id, c.client_id, c.secret_hash, c.role, c.reseller_id, c.scopes
     FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
     WHERE c.client_id = $1 AND c.revoked_at IS NULL AND t.disabled_at IS NULL`,
    [clientId],
  )
  return rows[0] ?? null
}

/**
 * Replaces a legacy (unsalted) hash by a salted one, once the secret has just been checked against it; a no-op
 * if the hash changed meanwhile. Not audited: the credentials are the same, only their form at rest changes.
 */
export async function upgradeSecretHash(
  tx: Queryable,
  id: string,
  legacyHash: string,
  pepper: Pepper,
  secret: string,
): Promise<void> {
  await tx.query(
    sql`UPDATE api_clients SET secret_hash = ${hashClientSecret(pepper, secret)}
        WHERE id = ${id} AND secret_hash = ${legacyHash}`,
  )
}

/** The tenant of a live client of an enabled tenant; null when the client is revoked or its tenant disabled. */
export async function activeClientTenant(tx: Queryable, id: string): Promise<string | null> {
  const { rows } = await tx.query<{ tenant_id: string }>(
    sql`SELECT c.tenant_id FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
     WHERE c.id = ${id} AND c.revoked_at IS NULL AND t.disabled_at IS NULL`,
  )
  return rows[0]?.tenant_id ?? null
}

/**
 * Makes sure the tenant has a csp client with every scope and exactly these credentials (BOOTSTRAP_*).
 * Idempotent: a second start with the same values changes nothing.
 */
export async function ensureClient(
  tx: Queryable,
  actor: Actor,
  credentials: { clientId: string; clientSecret: string },
  name: string,
  pepper: Pepper,
): Promise<void> {
  const { rows } = await tx.query<{
    id: string
    tenant_id: string
    secret_hash: string
    role: string
    scopes: string[]
    revoked_at: Date | null
  }>('SELECT id, tenant_id, secret_hash, role, scopes, revoked_at FROM api_clients WHERE client_id = $1', [
    credentials.clientId,
  ])
  const existing = rows[0]
  if (!existing) {
    await createClient(
      tx,
      actor,
      { name, role: 'csp', resellerId: null, scopes: [...SCOPES] },
      pepper,
      credentials,
    )
    return
  }
  if (existing.tenant_id !== actor.tenantId)
    throw invalid('clientId', 'This client id already belongs to another tenant.')
  const secret = verifyClientSecret(pepper, credentials.clientSecret, existing.secret_hash)
  if (secret.matches && secret.isLegacy)
    await upgradeSecretHash(tx, existing.id, existing.secret_hash, pepper, credentials.clientSecret)
  const isCurrent =
    secret.matches &&
    existing.role === 'csp' &&
    existing.revoked_at === null &&
    SCOPES.every((scope) => existing.scopes.includes(scope))
  if (isCurrent) return
  const updated = await tx.query<ClientRow>(
    `UPDATE api_clients SET secret_hash = $2, role = 'csp', reseller_id = NULL, scopes = $3, revoked_at = NULL,
       updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [existing.id, hashClientSecret(pepper, credentials.clientSecret), [...SCOPES]],
  )
  await recordEvent(tx, actor, {
    action: 'client.updated',
    resourceId: existing.id,
    resellerId: null,
    changes: [{ field: 'secret', from: '[redacted]', to: '[redacted]' }],
    data: toClient(updated.rows[0] as ClientRow),
  })
}
