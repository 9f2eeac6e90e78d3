// The audit log: one event per change, in the change's transaction, read through GET /v3/event-logs.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Json, type Response, startTestApp, type TestApp, unique } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const EVENT_KEYS = [
  'action',
  'actorId',
  'actorType',
  'changes',
  'correlationId',
  'createdAt',
  'id',
  'ipAddress',
  'resellerId',
  'resource',
  'resourceId',
  'updatedAt',
  'userAgent',
].sort()

const email = (prefix = 'e') => `${unique(prefix)}@example.com`

const events = (query = '', token = t.cspToken): Promise<Response<Json>> =>
  t.request('GET', `/v3/event-logs${query ? `?${query}` : ''}`, { token })

/** A request with its own correlation id, so the events it caused can be counted. */
async function change(method: string, path: string, body?: unknown, token = t.cspToken) {
  const correlationId = randomUUID()
  const response = await t.request(method, path, {
    token,
    body,
    headers: { 'x-correlation-id': correlationId, 'user-agent': 'event-log-test' },
  })
  return { response, correlationId }
}

const tenantEvents = () => t.count('audit_events', 'tenant_id = $1', [t.tenantId])

const userBody = (organizationId: string | null = null) => ({
  firstName: 'Audit',
  lastName: 'Subject',
  email: email('user'),
  role: 'user',
  organizationId,
  allowCustomerPortalAccess: false,
  password: 'password123',
})

describe('every change writes exactly one audit event', () => {
  it('for each create, update and delete of resellers, organizations, users, roles and clients', async () => {
    const steps: { action: string; status: number; correlationId: string; resourceId: string }[] = []
    const run = async (
      action: string,
      status: number,
      method: string,
      path: string,
      body?: unknown,
      resourceId?: string,
    ) => {
      const before = await tenantEvents()
      const { response, correlationId } = await change(method, path, body)
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(status)
      expect(await tenantEvents(), `${method} ${path}`).toBe(before + 1)
      const id = (resourceId ?? response.body?.id) as string
      steps.push({ action, status, correlationId, resourceId: id })
      return response.body
    }

    const reseller = await run('reseller.created', 201, 'POST', '/v3/resellers', {
      name: 'Audited',
      email: email(),
    })
    const r = `/v3/resellers/${reseller.id}`
    await run('reseller.updated', 200, 'PATCH', r, { description: 'Changed' })
    const organization = await run('reseller.organization.created', 201, 'POST', `${r}/organizations`, {
      name: 'Audited Org',
      email: email(),
    })
    const o = `${r}/organizations/${organization.id}`
    await run('reseller.organization.updated', 200, 'PATCH', o, { address: { city: 'Lyon' } })
    const user = await run('reseller.user.created', 201, 'POST', `${r}/users`, userBody(organization.id))
    const u = `${r}/users/${user.id}`
    await run('reseller.user.updated', 200, 'PATCH', u, { firstName: 'Changed' })
    await run('reseller.user.deleted', 204, 'DELETE', u, undefined, user.id)
    await run('reseller.organization.deleted', 204, 'DELETE', o, undefined, organization.id)
    await run('reseller.deleted', 204, 'DELETE', r, undefined, reseller.id)
    await run('role.created', 201, 'POST', '/v3/roles', {
      name: unique('auditor-'),
      claims: ['reseller:read'],
    })
    const client = await run('client.created', 201, 'POST', '/v3/clients', {
      name: 'Audited client',
      role: 'csp',
      scopes: ['reseller:read'],
    })
    await run('client.deleted', 204, 'DELETE', `/v3/clients/${client.id}`, undefined, client.id)

    for (const step of steps) {
      const { rows } = await t.db.query<{ action: string; resource_id: string; tenant_id: string }>(
        'SELECT action, resource_id, tenant_id FROM audit_events WHERE correlation_id = $1',
        [step.correlationId],
      )
      expect(rows, step.action).toEqual([
        { action: step.action, resource_id: step.resourceId, tenant_id: t.tenantId },
      ])
      const listed = await events(`correlationId=${step.correlationId}`)
      expect(listed.body.map((e: { action: string }) => e.action)).toEqual([step.action])
    }
  })

  it('writes none for a change that is refused', async () => {
    const limited = await t.createReseller({ allowedOrganizations: 1 })
    await t.createOrganization(limited.id)
    const before = await tenantEvents()
    const refusals = [
      await change('POST', '/v3/resellers', { name: 'n'.repeat(257), email: email() }),
      await change('POST', '/v3/resellers', { name: 'x', email: 'nope' }),
      await change('DELETE', `/v3/resellers/${limited.id}`),
      await change('POST', `/v3/resellers/${limited.id}/organizations`, { name: 'Over', email: email() }),
      await change('PATCH', `/v3/resellers/${randomUUID()}`, { name: 'Ghost' }),
      await change('POST', '/v3/clients', { name: 'c', role: 'csp', scopes: ['nope'] }),
    ]
    expect(refusals.map((r) => r.response.status)).toEqual([400, 400, 409, 422, 404, 400])
    expect(await tenantEvents()).toBe(before)
    for (const { correlationId } of refusals)
      expect(await t.count('audit_events', 'correlation_id = $1', [correlationId])).toBe(0)
  })

  it('writes none for a change that changes nothing', async () => {
    const reseller = await t.createReseller()
    const before = await tenantEvents()
    const { response } = await change('PATCH', `/v3/resellers/${reseller.id}`, { name: reseller.name })
    expect(response.status).toBe(200)
    expect(await tenantEvents()).toBe(before)
  })

  it('counts match: one reseller.created per reseller, one organization event per organization change', async () => {
    const tenant = await t.createTenant(`${unique('counts')}.example.com`)
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await t.createReseller({}, tenant.token)).id)
    for (const id of ids.slice(0, 2)) await t.createOrganization(id, {}, tenant.token)
    await t.request('DELETE', `/v3/resellers/${ids[3]}`, { token: tenant.token })
    const count = (action: string) =>
      t.count('audit_events', 'tenant_id = $1 AND action = $2', [tenant.tenantId, action])
    expect(await count('reseller.created')).toBe(
      await t.count('resellers', 'tenant_id = $1', [tenant.tenantId]),
    )
    expect(await count('reseller.created')).toBe(4)
    expect(await count('reseller.deleted')).toBe(
      await t.count('resellers', 'tenant_id = $1 AND deleted_at IS NOT NULL', [tenant.tenantId]),
    )
    expect(await count('reseller.organization.created')).toBe(
      await t.count('organizations', 'tenant_id = $1', [tenant.tenantId]),
    )
  })
})

describe('the audit event is written in the change’s transaction', () => {
  const MARKER = 'audit-poison'
  const CONSTRAINT = 'test_audit_poison'
  const poison = () =>
    t.db.query(
      `ALTER TABLE audit_events ADD CONSTRAINT ${CONSTRAINT} CHECK (changes::text NOT LIKE '%${MARKER}%') NOT VALID`,
    )
  const cure = () => t.db.query(`ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS ${CONSTRAINT}`)

  it('so a change whose audit event cannot be written does not happen', async () => {
    const reseller = await t.createReseller({ name: `${MARKER} later` })
    const organization = await t.createOrganization(reseller.id, { name: `${MARKER} org` })
    const limited = await t.createReseller({ allowedOrganizations: 1 })
    await poison()
    try {
      const created = await change('POST', '/v3/resellers', { name: `${MARKER} new`, email: email() })
      expect(created.response.status).toBe(500)
      expect(created.response.body).toEqual({ message: expect.any(String), code: 'INTERNAL_ERROR' })
      expect(await t.count('resellers', 'name = $1', [`${MARKER} new`])).toBe(0)

      const patched = await change('PATCH', `/v3/resellers/${reseller.id}`, { description: `${MARKER}!` })
      expect(patched.response.status).toBe(500)

      // The organization limit slot taken before the audit insert is given back with the rollback.
      const slot = await change('POST', `/v3/resellers/${limited.id}/organizations`, {
        name: `${MARKER} slot`,
        email: email(),
      })
      expect(slot.response.status).toBe(500)

      const deletedOrg = await change(
        'DELETE',
        `/v3/resellers/${reseller.id}/organizations/${organization.id}`,
      )
      expect(deletedOrg.response.status).toBe(500)
    } finally {
      await cure()
    }
    const got = await t.request('GET', `/v3/resellers/${reseller.id}`, { token: t.cspToken })
    expect(got.body).toEqual(reseller)
    const org = await t.request('GET', `/v3/resellers/${reseller.id}/organizations/${organization.id}`, {
      token: t.cspToken,
    })
    expect(org.status).toBe(200)
    expect(await t.count('organizations', 'reseller_id = $1', [limited.id])).toBe(0)
    expect((await t.createOrganization(limited.id)).id).toEqual(expect.any(String))
    // And the same changes succeed once the audit log accepts them.
    expect(
      (await change('PATCH', `/v3/resellers/${reseller.id}`, { description: 'fine' })).response.status,
    ).toBe(200)
  })
})

describe('GET /v3/event-logs', () => {
  let reseller: Json
  let other: Json
  beforeAll(async () => {
    reseller = await t.createReseller({ name: 'Filter Target' })
    other = await t.createReseller({ name: 'Filter Other' })
    await t.request('PATCH', `/v3/resellers/${reseller.id}`, {
      token: t.cspToken,
      body: { name: 'Filter Target 2' },
    })
    await t.createOrganization(reseller.id)
    await t.createOrganization(other.id)
  })

  it('answers a bare array of events in the Cryptlex shape with the total in Pagination-Count', async () => {
    const response = await events('limit=5')
    expect(response.status).toBe(200)
    expect(Array.isArray(response.body)).toBe(true)
    expect(response.body).toHaveLength(5)
    expect(Number(response.headers.get('pagination-count'))).toBe(await tenantEvents())
    for (const event of response.body) {
      expect(Object.keys(event).sort()).toEqual(EVENT_KEYS)
      for (const c of event.changes)
        expect(Object.keys(c).sort()).toEqual(['newValue', 'oldValue', 'propertyName'])
    }
  })

  it('records who did it, from where, with which correlation id', async () => {
    const { response, correlationId } = await change('POST', '/v3/resellers', { name: 'Who', email: email() })
    const [event] = (await events(`correlationId=${correlationId}`)).body
    expect(event).toMatchObject({
      action: 'reseller.created',
      resource: 'reseller',
      resourceId: response.body.id,
      resellerId: response.body.id,
      actorType: 'client',
      correlationId,
      userAgent: 'event-log-test',
    })
    expect(event.actorId).toEqual(expect.any(String))
    expect(event.ipAddress).toEqual(expect.any(String))
    expect(event.changes).toEqual(
      expect.arrayContaining([
        { propertyName: 'name', oldValue: null, newValue: 'Who' },
        { propertyName: 'allowedUsers', oldValue: null, newValue: -1 },
      ]),
    )
  })

  it('lists newest first', async () => {
    const response = await events('limit=100')
    const times = response.body.map((e: { createdAt: string }) => new Date(e.createdAt).getTime())
    for (let i = 1; i < times.length; i++) expect(times[i - 1]).toBeGreaterThanOrEqual(times[i])
    const { correlationId } = await change('PATCH', `/v3/resellers/${other.id}`, { description: 'newest' })
    const [first] = (await events('limit=1')).body
    expect(first.correlationId).toBe(correlationId)
  })

  it('filters by action= and action[eq]= alike', async () => {
    const plain = await events('action=reseller.updated&limit=100')
    const eq = await events('action[eq]=reseller.updated&limit=100')
    expect(plain.status).toBe(200)
    expect(plain.body.length).toBeGreaterThan(0)
    expect(plain.body.every((e: { action: string }) => e.action === 'reseller.updated')).toBe(true)
    expect(eq.body).toEqual(plain.body)
    expect(plain.headers.get('pagination-count')).toBe(
      String(await t.count('audit_events', "tenant_id = $1 AND action = 'reseller.updated'", [t.tenantId])),
    )
  })

  it('filters by action with other operators', async () => {
    const sw = await events('action[sw]=reseller.organization.&limit=100')
    expect(sw.body.length).toBeGreaterThanOrEqual(2)
    expect(sw.body.every((e: { action: string }) => e.action.startsWith('reseller.organization.'))).toBe(true)
    const inList = await events('action[in]=reseller.created,reseller.updated&limit=100')
    expect(new Set(inList.body.map((e: { action: string }) => e.action))).toEqual(
      new Set(['reseller.created', 'reseller.updated']),
    )
  })

  it('filters by resourceId', async () => {
    const response = await events(`resourceId=${reseller.id}`)
    expect(response.body.map((e: { action: string }) => e.action)).toEqual([
      'reseller.updated',
      'reseller.created',
    ])
    expect(response.body.every((e: { resourceId: string }) => e.resourceId === reseller.id)).toBe(true)
    const combined = await events(`resourceId=${reseller.id}&action=reseller.created`)
    expect(combined.body).toHaveLength(1)
    expect((await events(`resourceId=${randomUUID()}`)).body).toEqual([])
  })

  it('filters by correlationId', async () => {
    const correlationId = randomUUID()
    await t.request('POST', '/v3/resellers', {
      token: t.cspToken,
      body: { name: 'Correlated', email: email() },
      headers: { 'x-correlation-id': correlationId },
    })
    const response = await events(`correlationId=${correlationId}`)
    expect(response.body).toHaveLength(1)
    expect(response.body[0]).toMatchObject({ correlationId, action: 'reseller.created' })
    expect(response.headers.get('pagination-count')).toBe('1')
  })

  it.each(['colour=red', 'colour[eq]=red', 'changes=x'])(
    'refuses the unknown filter %s with 400 naming it',
    async (query) => {
      const response = await events(query)
      expect(response.status).toBe(400)
      expect(response.body.code).toBe('VALIDATION_ERROR')
      expect(response.body.message).toContain(query.split('=')[0])
    },
  )

  it('refuses an operator its field does not have with 400', async () => {
    const response = await events('action[gt]=a')
    expect(response.status).toBe(400)
    expect(response.body.message).toContain('action[gt]')
  })

  it('needs the eventLog:read scope', async () => {
    const token = await t.tokenFor({ scopes: ['reseller:read'] })
    const response = await events('', token)
    expect(response.status).toBe(403)
    expect(response.body.message).toContain('eventLog:read')
  })

  it('shows a reseller token only the events of its reseller', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId: reseller.id })
    const response = await events('limit=100', token)
    expect(response.status).toBe(200)
    expect(response.body.length).toBeGreaterThanOrEqual(4)
    expect(response.body.every((e: { resellerId: string }) => e.resellerId === reseller.id)).toBe(true)
    const actions = response.body.map((e: { action: string }) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining(['reseller.created', 'reseller.updated', 'reseller.organization.created']),
    )
    expect(response.headers.get('pagination-count')).toBe(
      String(await t.count('audit_events', 'tenant_id = $1 AND reseller_id = $2', [t.tenantId, reseller.id])),
    )
    // Another reseller's events stay hidden, whatever the filter.
    expect((await events(`resourceId=${other.id}`, token)).body).toEqual([])
    expect((await events(`resellerId=${other.id}`, token)).body).toEqual([])
    // Tenant-wide events (a csp client's token issuance) too.
    expect(
      (await events('action=client.token.issued&limit=100', token)).body.every(
        (e: { resellerId: string }) => e.resellerId === reseller.id,
      ),
    ).toBe(true)
  })

  it('never shows another tenant’s events, and never shows this tenant’s events to another', async () => {
    const tenant = await t.createTenant(`${unique('audit')}.example.com`)
    const theirs = await t.createReseller({ name: 'Their reseller' }, tenant.token)

    const ours = await events(`resourceId=${theirs.id}`)
    expect(ours.status).toBe(200)
    expect(ours.body).toEqual([])
    expect(ours.headers.get('pagination-count')).toBe('0')
    const all = await events('limit=100')
    expect(all.body.some((e: { resourceId: string }) => e.resourceId === theirs.id)).toBe(false)

    const theirView = await events('limit=100', tenant.token)
    expect(theirView.status).toBe(200)
    expect(theirView.body.some((e: { resourceId: string }) => e.resourceId === theirs.id)).toBe(true)
    expect(theirView.body.some((e: { resourceId: string }) => e.resourceId === reseller.id)).toBe(false)
    expect((await events(`resourceId=${reseller.id}`, tenant.token)).body).toEqual([])
    expect(theirView.headers.get('pagination-count')).toBe(
      String(await t.count('audit_events', 'tenant_id = $1', [tenant.tenantId])),
    )
  })

  it('pages with page and limit', async () => {
    const total = Number((await events('limit=1')).headers.get('pagination-count'))
    const first = await events('page=1&limit=3')
    const second = await events('page=2&limit=3')
    expect(first.body).toHaveLength(3)
    expect(second.body).toHaveLength(Math.min(3, total - 3))
    const ids = [...first.body, ...second.body].map((e: { id: string }) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    const head = await events('limit=6')
    expect(head.body.map((e: { id: string }) => e.id)).toEqual(ids)
  })
})
