import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

it('lists, updates, deletes and audits through v1', async () => {
  const r = await t.createReseller()
  const r2 = await t.createReseller()
  const groups = (await t.v1('GET', '/v1/users/groups', { token: t.cspToken })).body.items
  for (const [i, name] of ['Ada', 'Bob', 'Cy'].entries()) {
    const res = await t.v1('POST', `/v1/reseller/${i === 2 ? r2.id : r.id}/users`, {
      token: t.cspToken,
      body: {
        firstName: name,
        lastName: 'X',
        email: `${name}@ex.com`,
        role: {},
        groups: i === 0 ? [{ id: groups[0].id }] : [],
      },
    })
    expect(res.status, res.text).toBe(201)
  }
  let list = await t.v1('GET', '/v1/users?PageSize=2&sortPropertyName=email&ascending=false', {
    token: t.cspToken,
  })
  expect(list.status, list.text).toBe(200)
  expect(list.body.totalCount).toBe(3)
  expect(list.body.items.map((u: { email: string }) => u.email)).toEqual(['Cy@ex.com', 'Bob@ex.com'])
  expect(list.body.hasNextPage).toBe(true)
  list = await t.v1('GET', `/v1/users?resellerId=${r.id}&groups=${groups[0].id}`, { token: t.cspToken })
  expect(
    list.body.items.map((u: { email: string }) => u.email),
    list.text,
  ).toEqual(['Ada@ex.com'])
  const rt = await t.tokenFor({ role: 'reseller', resellerId: r2.id })
  list = await t.v1('GET', '/v1/users', { token: rt })
  expect(list.body.items.map((u: { email: string }) => u.email)).toEqual(['Cy@ex.com'])
  const patch = await t.v1('PATCH', `/v1/users/ada%40EX.com?resellerId=${r.id}`, {
    token: t.cspToken,
    body: {
      firstName: 'Adeline',
      lastName: 'X',
      email: 'ada@ex.com',
      role: { name: 'reseller-admin' },
      groups: [],
    },
  })
  expect(patch.status, patch.text).toBe(204)
  const v3 = await t.request('GET', `/v3/resellers/${r.id}/users?email=ada@ex.com`, { token: t.cspToken })
  expect(v3.body[0]).toMatchObject({ firstName: 'Adeline', role: 'reseller-admin' })
  const forbidden = await t.v1('DELETE', `/v1/users/ada@ex.com?resellerId=${r.id}`, { token: rt })
  expect(forbidden.status).toBe(403)
  const del = await t.v1('DELETE', `/v1/users/BOB@ex.com`, { token: t.cspToken })
  expect(del.status, del.text).toBe(204)
  list = await t.v1('GET', '/v1/users', { token: t.cspToken })
  expect(list.body.totalCount).toBe(2)
  const audit = await t.v1('GET', '/v1/AuditLogs?Operations=reseller.user.deleted,reseller.user.updated', {
    token: t.cspToken,
  })
  expect(audit.status, audit.text).toBe(200)
  expect(audit.body.items.map((e: { operation: string }) => e.operation)).toEqual([
    'reseller.user.deleted',
    'reseller.user.updated',
  ])
})
