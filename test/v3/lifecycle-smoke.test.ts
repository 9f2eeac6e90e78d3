import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

it('lists, filters, updates, exports and deletes', async () => {
  const r = await t.createReseller()
  const o = await t.createOrganization(r.id, { allowedUsers: 1 })
  const ids: string[] = []
  for (const [i, name] of ['Ada', 'Bob', 'Cy'].entries()) {
    const res = await t.request('POST', `/v3/resellers/${r.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: name,
        lastName: 'X',
        email: `${name}@ex.com`,
        role: 'user',
        allowCustomerPortalAccess: true,
        password: 'password1',
        ...(i === 0 ? { organizationId: o.id } : {}),
      },
    })
    expect(res.status, res.text).toBe(201)
    ids.push(res.body.id)
  }
  let list = await t.request('GET', `/v3/resellers/${r.id}/users?sort=-name&limit=2`, { token: t.cspToken })
  expect(list.status, list.text).toBe(200)
  expect(list.headers.get('pagination-count')).toBe('3')
  expect(list.body.map((u: { firstName: string }) => u.firstName)).toEqual(['Cy', 'Bob'])
  list = await t.request('GET', `/v3/resellers/${r.id}/users?email[cn]=bo&search=x`, { token: t.cspToken })
  expect(
    list.body.map((u: { firstName: string }) => u.firstName),
    list.text,
  ).toEqual(['Bob'])
  expect(list.headers.get('pagination-count')).toBe('1')
  const bad = await t.request('GET', `/v3/resellers/${r.id}/users?email[gt]=x&foo=1`, { token: t.cspToken })
  expect(bad.status).toBe(400)
  const moved = await t.request('PATCH', `/v3/resellers/${r.id}/users/${ids[1]}`, {
    token: t.cspToken,
    body: { organizationId: o.id },
  })
  expect(moved.status, moved.text).toBe(422)
  const out = await t.request('PATCH', `/v3/resellers/${r.id}/users/${ids[0]}`, {
    token: t.cspToken,
    body: { organizationId: null, firstName: 'Adeline' },
  })
  expect(out.status, out.text).toBe(200)
  expect(out.body.organization).toBeNull()
  const inn = await t.request('PATCH', `/v3/resellers/${r.id}/users/${ids[1]}`, {
    token: t.cspToken,
    body: { organizationId: o.id },
  })
  expect(inn.status, inn.text).toBe(200)
  const csv = await t.request('GET', `/v3/resellers/${r.id}/users/export?name[sw]=a`, { token: t.cspToken })
  expect(csv.status, csv.text).toBe(200)
  expect(csv.headers.get('content-type')).toContain('text/csv')
  expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(2)
  const pw = await t.request('POST', `/v3/resellers/${r.id}/users/${ids[2]}/password`, {
    token: t.cspToken,
    body: { password: 'newpassword' },
  })
  expect(pw.status, pw.text).toBe(204)
  const del = await t.request('DELETE', `/v3/resellers/${r.id}/users/${ids[2]}`, { token: t.cspToken })
  expect(del.status, del.text).toBe(204)
  expect(
    (await t.request('GET', `/v3/resellers/${r.id}/users/${ids[2]}`, { token: t.cspToken })).status,
  ).toBe(404)
  const again = await t.request('POST', `/v3/resellers/${r.id}/users`, {
    token: t.cspToken,
    body: {
      firstName: 'Cy',
      email: 'cy@ex.com',
      role: 'user',
      allowCustomerPortalAccess: true,
      password: 'password1',
    },
  })
  expect(again.status, again.text).toBe(201)
})
