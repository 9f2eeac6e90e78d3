// Ids are UUIDv7 (RFC 9562): valid, unique, and in creation order, within a millisecond too.
import { describe, expect, it } from 'vitest'
import { isUuid, newId } from '../../src/domain/ids.ts'

describe('newId', () => {
  it('gives valid, distinct version-7 UUIDs that sort in the order they were made', () => {
    const ids = Array.from({ length: 20_000 }, newId) // many per millisecond, and the pool refilled often
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) {
      expect(isUuid(id)).toBe(true)
      expect(id[14]).toBe('7') // version
      expect('89ab').toContain(id[19] as string) // RFC 9562 variant
    }
    expect([...ids].sort()).toEqual(ids)
  })

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now()
    const id = newId()
    const msecs = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)
    expect(msecs).toBeGreaterThanOrEqual(before)
    expect(msecs).toBeLessThanOrEqual(Date.now() + 1)
  })
})
