// Runs around every test: a test fails when any v3 response it caused broke Cryptlex's schemas
// (test/support/cryptlex-conformance.ts). With CONFORMANCE_REPORT=<dir>, each test file also writes how many
// responses were judged, by operation and status (scripts/conformance-report.ts sums them).
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, expect } from 'vitest'
import { cryptlexTally, takeCryptlexViolations } from './cryptlex-conformance.ts'

afterEach(() => {
  expect(takeCryptlexViolations(), "v3 responses that break Cryptlex's schemas").toEqual([])
})

afterAll(() => {
  const dir = process.env.CONFORMANCE_REPORT
  const tally = cryptlexTally()
  if (!dir || tally.size === 0) return
  mkdirSync(dir, { recursive: true })
  // Each test file has its own tally (vitest isolates modules per file); one report file each.
  const file = join(dir, `${process.pid}-${randomUUID()}.json`)
  writeFileSync(file, JSON.stringify(Object.fromEntries(tally)))
})
