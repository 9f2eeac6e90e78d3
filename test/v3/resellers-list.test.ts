import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let resellerIds: string[]
beforeAll(async () => {
  t = await startTestApp()
  resellerIds = []
  for (const name of ['Alpha Ltd', 'Beta GmbH', 'Gamma SA', 'alphabet inc']) {
    const reseller = await t.createReseller({
      name,
      email: `${name.split(' ')[0]?.toLowerCase()}@resellers.example`,
    })
    resellerIds.push(reseller.id)
  }
})
afterAll(async () => {
  await t?.close()
})

const names = (body: { name: string }[]) => body.map((r) => r.name)

describe('the list language on resellers', () => {
  it.each([
    ['name[sw]=Alpha&sort=createdAt', ['Alpha Ltd', 'alphabet inc']],
    ['name[sw]=Alpha Ltd', ['Alpha Ltd']],
    ['name[cn]=ALPHA&sort=-createdAt', ['alphabet inc', 'Alpha Ltd']],
    ['name[nc]=a', []],
    ['name[in]=Beta GmbH,Gamma SA', ['Beta GmbH', 'Gamma SA']],
    ['email=BETA@resellers.example', ['Beta GmbH']],
    ['search=gmbh', ['Beta GmbH']],
    ['sort=-createdAt&limit=2', ['alphabet inc', 'Gamma SA']],
    ['sort=email', ['Alpha Ltd', 'alphabet inc', 'Beta GmbH', 'Gamma SA']],
  ])('answers %s', async (query, expected) => {
    const response = await t.request('GET', `/v3/resellers?${query}`, { token: t.cspToken })
    expect(response.status, response.text).toBe(200)
    expect(names(response.body)).toEqual(expected)
  })

  it('counts the matches in Pagination-Count, not the page', async () => {
    const response = await t.request('GET', '/v3/resellers?name[cn]=a&limit=1', { token: t.cspToken })
    expect(response.body).toHaveLength(1)
    expect(response.headers.get('pagination-count')).toBe('4')
  })

  it.each(['foo=1', 'name[gt]=x', 'sort=password', 'createdAt[gt]=yesterday'])(
    'refuses %s with 400',
    async (query) => {
      const response = await t.request('GET', `/v3/resellers?${query}`, { token: t.cspToken })
      expect(response.status).toBe(400)
      expect(response.body.message).toMatch(/foo|name|password|createdAt/)
    },
  )

  it('gives a reseller token only its own reseller, whatever it filters', async () => {
    const token = await t.tokenFor({ role: 'reseller', resellerId: resellerIds[1] as string })
    const response = await t.request('GET', '/v3/resellers?name[cn]=a', { token })
    expect(names(response.body)).toEqual(['Beta GmbH'])
    expect(response.headers.get('pagination-count')).toBe('1')
  })
})

describe('the list language on organizations', () => {
  it('filters, searches and sorts one reseller’s organizations', async () => {
    const rid = resellerIds[0] as string
    for (const name of ['North', 'South', 'Northeast']) await t.createOrganization(rid, { name })
    await t.createOrganization(resellerIds[1] as string, { name: 'North elsewhere' })
    const response = await t.request('GET', `/v3/resellers/${rid}/organizations?name[sw]=North&sort=-name`, {
      token: t.cspToken,
    })
    expect(response.status, response.text).toBe(200)
    expect(names(response.body)).toEqual(['Northeast', 'North'])
    expect(response.headers.get('pagination-count')).toBe('2')
    const bad = await t.request('GET', `/v3/resellers/${rid}/organizations?address=x`, { token: t.cspToken })
    expect(bad.status).toBe(400)
  })
})
