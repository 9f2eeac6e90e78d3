// Webhook endpoints: registration rules (SSRF-safe URL, known events, a signing secret shown once), reach
// (a reseller token manages only endpoints bound to its reseller) and audit.
import type { Db, Queryable } from '../../db/connection.ts'
import { sql } from '../../db/sql.ts'
import { assertSecretFits, generateSigningSecret, type SignatureScheme } from '../../delivery/signing.ts'
import { assertPublicUrl } from '../../delivery/ssrf.ts'
import type { FieldSpec } from '../../query/language.ts'
import { BY_CREATION, listPage, type PageQuery } from '../../query/page.ts'
import { decryptSecret, encryptSecret, secretAad } from '../../secrets/envelope.ts'
import type { Keyring } from '../../secrets/keyring.ts'
import type { Actor } from '../actor.ts'
import { type Change, diff } from '../audit/record.ts'
import { isWebhookEvent } from '../catalogue.ts'
import { recordEvent } from '../changes.ts'
import { forbidden, invalid, notFound } from '../errors.ts'
import { isUuid, newId } from '../ids.ts'
import { assertResellerExists } from '../organizations.ts'
import type { Patch } from '../patch.ts'
import { reachScope, tenantOf } from '../reach.ts'

export type EndpointStatus = 'healthy' | 'unhealthy' | 'suspended'

export interface WebhookEndpoint {
  id: string
  tenantId: string
  resellerId: string | null
  name: string
  url: string
  /** In clear: opened from its ciphertext as the row is read (the database holds it encrypted). */
  secret: string
  signatureScheme: SignatureScheme
  enabled: boolean
  events: string[]
  status: EndpointStatus
  createdAt: Date
  updatedAt: Date
}

export interface EndpointInput {
  name: string
  url: string
  /** null: generate one. */
  secret: string | null
  signatureScheme: SignatureScheme
  enabled: boolean
  events: string[]
  resellerId: string | null
}

interface EndpointRow {
  id: string
  tenant_id: string
  reseller_id: string | null
  name: string
  url: string
  secret: string
  signature_scheme: SignatureScheme
  enabled: boolean
  events: string[]
  status: EndpointStatus
  created_at: Date
  updated_at: Date
}

export const ENDPOINT_COLUMNS =
  'id, tenant_id, reseller_id, name, url, secret, signature_scheme, enabled, events, status, created_at, updated_at'

/** The additional authenticated data of an endpoint's secret: the ciphertext opens in this row only. */
export const endpointSecretAad = (id: string): string => secretAad('webhook_endpoints', 'secret', id)

/** An endpoint as the callers that need no secret see it (its secret stays sealed). */
export type EndpointFacts = Omit<WebhookEndpoint, 'secret'>

export const toEndpoint = (row: EndpointRow, keyring: Keyring): WebhookEndpoint => ({
  ...toFacts(row),
  secret: decryptSecret(keyring, row.secret, endpointSecretAad(row.id)),
})

const toFacts = (row: EndpointRow): EndpointFacts => ({
  id: row.id,
  tenantId: row.tenant_id,
  resellerId: row.reseller_id,
  name: row.name,
  url: row.url,
  signatureScheme: row.signature_scheme,
  enabled: row.enabled,
  events: row.events,
  status: row.status,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
})

// The secret is never audited; its rotation shows as a change of `secretRotated`.
const AUDITED = ['name', 'url', 'signatureScheme', 'enabled', 'events', 'status', 'resellerId'] as const
const auditView = (e: EndpointFacts | null) => e as unknown as Record<string, unknown> | null

/** The endpoint as its events carry it: every fact but the secret (picked field by field, so none slips in). */
const snapshotOf = (e: EndpointFacts): EndpointFacts => ({
  id: e.id,
  tenantId: e.tenantId,
  resellerId: e.resellerId,
  name: e.name,
  url: e.url,
  signatureScheme: e.signatureScheme,
  enabled: e.enabled,
  events: e.events,
  status: e.status,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
})

/** An endpoint's event (a change, or a change of health): audited and sent, without the secret. */
export const recordEndpointEvent = (
  tx: Queryable,
  actor: Actor,
  verb: 'created' | 'updated' | 'deleted' | EndpointStatus,
  endpoint: EndpointFacts,
  changes: Change[],
) =>
  recordEvent(tx, actor, {
    action: `webhook.${verb}`,
    resourceId: endpoint.id,
    resellerId: endpoint.resellerId,
    changes,
    data: snapshotOf(endpoint),
  })

/** An endpoint's facts by id, deleted or not, in the caller's transaction (the dispatcher's health events). */
export async function endpointFactsById(tx: Queryable, id: string): Promise<EndpointFacts> {
  const { rows } = await tx.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`,
    [id],
  )
  if (!rows[0]) throw notFound('Webhook')
  return toFacts(rows[0])
}

function checkEvents(events: readonly string[]): string[] {
  events.forEach((event, index) => {
    if (!isWebhookEvent(event)) throw invalid(`events[${index}]`, `"${event}" is not a webhook event.`)
  })
  return [...new Set(events)]
}

/** The endpoint's reseller: a reseller token's own, always; a csp token's choice (or none: every event). */
async function resellerFor(tx: Queryable, actor: Actor, tenantId: string, requested: string | null) {
  if (actor.role === 'reseller') {
    if (requested !== null && requested !== actor.resellerId)
      throw forbidden('This token cannot act on that reseller.')
    return actor.resellerId
  }
  if (requested === null) return null
  if (!isUuid(requested)) throw invalid('resellerId', 'resellerId must name a reseller of this tenant.')
  await assertResellerExists(tx, tenantId, requested).catch(() => {
    throw invalid('resellerId', 'resellerId must name a reseller of this tenant.')
  })
  return requested
}

/** The URL is vetted (DNS included) before the transaction opens, so no lock waits on a lookup. */
export async function createEndpoint(
  db: Db,
  actor: Actor,
  input: EndpointInput,
  options: { allowPrivate: boolean; keyring: Keyring },
): Promise<{ endpoint: WebhookEndpoint; isSecretGenerated: boolean }> {
  await assertPublicUrl(input.url, options.allowPrivate)
  return db.transaction((tx) => insertEndpoint(tx, actor, input, options.keyring))
}

async function insertEndpoint(
  tx: Queryable,
  actor: Actor,
  input: EndpointInput,
  keyring: Keyring,
): Promise<{ endpoint: WebhookEndpoint; isSecretGenerated: boolean }> {
  const tenantId = tenantOf(actor)
  const events = checkEvents(input.events)
  const resellerId = await resellerFor(tx, actor, tenantId, input.resellerId)
  const isSecretGenerated = input.secret === null
  const secret = input.secret ?? generateSigningSecret(input.signatureScheme)
  assertSecretFits(input.signatureScheme, secret)
  const id = newId()
  const { rows } = await tx.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, tenant_id, reseller_id, name, url, secret, signature_scheme, enabled, events,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now()) RETURNING ${ENDPOINT_COLUMNS}`,
    [
      id,
      tenantId,
      resellerId,
      input.name,
      input.url,
      encryptSecret(keyring, secret, endpointSecretAad(id)),
      input.signatureScheme,
      input.enabled,
      events,
    ],
  )
  const endpoint = toEndpoint(rows[0] as EndpointRow, keyring)
  await recordEndpointEvent(tx, actor, 'created', endpoint, diff(null, auditView(endpoint), AUDITED))
  return { endpoint, isSecretGenerated }
}

/** The endpoint, if the actor may reach it (a reseller token: only endpoints bound to its reseller). */
export async function getEndpoint(
  tx: Queryable,
  actor: Actor,
  keyring: Keyring,
  id: string,
  lock = false,
): Promise<WebhookEndpoint> {
  return toEndpoint(await selectEndpoint(tx, actor, id, lock), keyring)
}

/** The endpoint, its secret left sealed, if the actor may reach it: for callers that need no secret. */
export async function reachEndpoint(
  tx: Queryable,
  actor: Actor,
  id: string,
  lock = false,
): Promise<EndpointFacts> {
  return toFacts(await selectEndpoint(tx, actor, id, lock))
}

async function selectEndpoint(tx: Queryable, actor: Actor, id: string, lock: boolean): Promise<EndpointRow> {
  const tenantId = tenantOf(actor)
  if (!isUuid(id)) throw notFound('Webhook')
  const { rows } = await tx.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
     WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
       AND ($3::uuid IS NULL OR reseller_id = $3::uuid)${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id, actor.role === 'reseller' ? actor.resellerId : null],
  )
  if (!rows[0]) throw notFound('Webhook')
  return rows[0]
}

/** The list's fields: filters, and the sort (oldest first unless it names one). */
export const ENDPOINT_FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', kind: 'id' },
  name: { column: 'name', kind: 'text' },
  createdAt: { column: 'created_at', kind: 'date' },
  updatedAt: { column: 'updated_at', kind: 'date' },
}

/** What `search` looks in (caseless, contains). */
export const ENDPOINT_SEARCH = 'name or url'

export async function listEndpoints(
  tx: Queryable,
  actor: Actor,
  keyring: Keyring,
  query: PageQuery,
): Promise<{ items: WebhookEndpoint[]; total: number }> {
  const { rows, total } = await listPage<EndpointRow>(
    tx,
    {
      from: 'webhook_endpoints',
      columns: ENDPOINT_COLUMNS,
      scope: sql`${reachScope(actor, 'reseller_id')} AND deleted_at IS NULL`,
      fields: ENDPOINT_FIELDS,
      defaultSort: BY_CREATION,
      searchColumns: ['name', 'url'],
    },
    query,
  )
  return { items: rows.map((row) => toEndpoint(row, keyring)), total }
}

/**
 * Updates an endpoint. Enabling a suspended (or unhealthy) endpoint makes it healthy again, and its
 * deliveries resume. A new scheme without a new token gets a generated secret, returned once.
 */
export async function updateEndpoint(
  db: Db,
  actor: Actor,
  id: string,
  patch: Patch<EndpointInput>,
  options: { allowPrivate: boolean; keyring: Keyring },
): Promise<{ endpoint: WebhookEndpoint; isSecretGenerated: boolean }> {
  if (patch.url !== undefined) await assertPublicUrl(patch.url, options.allowPrivate)
  return db.transaction((tx) => changeEndpoint(tx, actor, id, patch, options.keyring))
}

async function changeEndpoint(
  tx: Queryable,
  actor: Actor,
  id: string,
  patch: Patch<EndpointInput>,
  keyring: Keyring,
): Promise<{ endpoint: WebhookEndpoint; isSecretGenerated: boolean }> {
  const tenantId = tenantOf(actor)
  const before = await getEndpoint(tx, actor, keyring, id, true)
  const scheme = patch.signatureScheme ?? before.signatureScheme
  let secret = patch.secret ?? before.secret
  let isSecretGenerated = false
  if (scheme !== before.signatureScheme && (patch.secret === undefined || patch.secret === null)) {
    secret = generateSigningSecret(scheme)
    isSecretGenerated = true
  }
  assertSecretFits(scheme, secret)
  const enabled = patch.enabled ?? before.enabled
  const isReenabled = patch.enabled === true && (before.status !== 'healthy' || !before.enabled)
  const after: WebhookEndpoint = {
    ...before,
    name: patch.name ?? before.name,
    url: patch.url ?? before.url,
    events: patch.events ? checkEvents(patch.events) : before.events,
    resellerId:
      patch.resellerId === undefined
        ? before.resellerId
        : await resellerFor(tx, actor, tenantId, patch.resellerId),
    signatureScheme: scheme,
    secret,
    enabled,
    status: isReenabled ? 'healthy' : before.status,
  }
  const changes = diff(auditView(before), auditView(after), AUDITED)
  if (secret !== before.secret) changes.push({ field: 'secretRotated', from: false, to: true })
  if (changes.length === 0) return { endpoint: before, isSecretGenerated: false }
  const { rows } = await tx.query<EndpointRow>(
    `UPDATE webhook_endpoints SET name = $3, url = $4, secret = $5, signature_scheme = $6, enabled = $7,
       events = $8, status = $9, reseller_id = $10,
       consecutive_failures = CASE WHEN $11::boolean THEN 0 ELSE consecutive_failures END,
       failing_since = CASE WHEN $11::boolean THEN NULL ELSE failing_since END, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
    [
      tenantId,
      id,
      after.name,
      after.url,
      // The same secret is encrypted afresh (a new IV): the ciphertext says nothing of whether it changed.
      encryptSecret(keyring, after.secret, endpointSecretAad(id)),
      after.signatureScheme,
      after.enabled,
      after.events,
      after.status,
      after.resellerId,
      isReenabled,
    ],
  )
  const endpoint = toEndpoint(rows[0] as EndpointRow, keyring)
  await recordEndpointEvent(tx, actor, 'updated', endpoint, changes)
  return { endpoint, isSecretGenerated }
}

/** Deletes an endpoint; its undelivered deliveries are cancelled. */
export async function deleteEndpoint(tx: Queryable, actor: Actor, id: string): Promise<void> {
  const before = await reachEndpoint(tx, actor, id, true)
  await tx.query('UPDATE webhook_endpoints SET deleted_at = now(), updated_at = now() WHERE id = $1', [id])
  await cancelUndelivered(tx, id)
  await recordEndpointEvent(tx, actor, 'deleted', before, diff(auditView(before), null, AUDITED))
}

/** Cancels an endpoint's undelivered deliveries (it was deleted or suspended); they stay in the log, to be resent. */
export async function cancelUndelivered(tx: Queryable, endpointId: string): Promise<void> {
  await tx.query(
    sql`UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
     WHERE webhook_id = ${endpointId} AND status IN ('pending', 'retrying', 'queued')`,
  )
}
