// Dates a list may filter by: the instants PostgreSQL's timestamptz holds and JavaScript writes alike.
import { invalid } from './errors.ts'

/** The instants PostgreSQL's timestamptz holds that this service accepts: years 1 to 9999. */
const FIRST_INSTANT = new Date('0001-01-01T00:00:00Z').getTime()
const LAST_INSTANT = new Date('9999-12-31T23:59:59.999Z').getTime()

/** Refuses a date outside years 1–9999 (beyond them PostgreSQL cannot, or JavaScript can hardly, compare). */
export function assertStorableDate(date: Date, field: string): Date {
  const time = date.getTime()
  if (Number.isNaN(time) || time < FIRST_INSTANT || time > LAST_INSTANT)
    throw invalid(field, `${field} must be a date between the years 1 and 9999.`)
  return date
}
