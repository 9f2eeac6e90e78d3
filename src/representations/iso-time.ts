// A time as the text Date#toISOString writes (2026-12-04T15:30:36.123Z), written faster: V8's toISOString
// costs about 0.5 µs a call, the largest part of a CSV export's line (bench/profile-read.ts export). The day's
// part ("2026-12-04T") is toISOString's own, kept for the days last seen; the time of day is looked up.

const DAY_MS = 86_400_000
/** 10000-01-01T00:00:00Z: from there on (and before 1970) toISOString writes the year otherwise. */
const END_MS = 253_402_300_800_000
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/** Days seen, direct-mapped: a day's slot is its number's low bits (created and updated on other days coexist). */
const SLOTS = 64
const slotDay = new Float64Array(SLOTS).fill(-1)
const slotPrefix: string[] = new Array(SLOTS).fill('')

/** date.toISOString(), the same text for every date (an invalid one throws alike). */
export function isoTime(date: Date): string {
  const t = date.getTime()
  if (!(t >= 0 && t < END_MS)) return date.toISOString()
  const day = Math.floor(t / DAY_MS)
  const slot = day & (SLOTS - 1)
  if (slotDay[slot] !== day) {
    slotDay[slot] = day
    slotPrefix[slot] = date.toISOString().slice(0, 11)
  }
  let rest = t - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${slotPrefix[slot]}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest - seconds * 1000]}Z`
}
