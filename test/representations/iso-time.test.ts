// isoTime writes exactly what Date#toISOString writes, for every time: the exports and responses that use it
// must not differ from the text a client got before by a character.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoTime } from '../../src/representations/iso-time.ts'

const MAX = 8_640_000_000_000_000 // the largest time a Date holds

describe('isoTime', () => {
  it('is toISOString for any time a Date can hold, in any order (days evicting each other)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -MAX, max: MAX }), { minLength: 1, maxLength: 200 }),
        (times) => {
          for (const t of times) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
        },
      ),
      { numRuns: 300 },
    )
  })

  it('is toISOString around its edges: 1970, year 9999 to 10000, each day, hour, minute and second boundary', () => {
    const edges = [
      0, -1, 1, 253_402_300_799_999, 253_402_300_800_000, 86_399_999, 86_400_000, 951_782_400_000,
    ]
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.integer({ min: -2, max: 2 }),
        (t, d) => {
          for (const unit of [1000, 60_000, 3_600_000, 86_400_000]) {
            const edge = Math.floor(t / unit) * unit + d
            expect(isoTime(new Date(edge))).toBe(new Date(edge).toISOString())
          }
        },
      ),
    )
    for (const t of edges) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
  })

  it('throws for an invalid date, as toISOString does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError)
  })
})
