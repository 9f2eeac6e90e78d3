// 3b. The v3 CSV export of 100,000 users (the largest reseller's newest, by a createdAt[gte] filter; all
// of them when it has fewer): rows/s and the service's peak RSS, against exportUsers called directly
// (the same batched SQL and mapping, no CSV, no HTTP). Up to RUNS exports, one at a time, bounded in time.
import http from 'node:http'
import type { Db } from '../../src/db/connection.ts'
import { parseListQuery } from '../../src/dialects/v3/list-query.ts'
import { exportUsers, USER_FIELDS } from '../../src/domain/users/list.ts'
import type { Scenario } from '../lib/context.ts'
import { summarize } from '../lib/measure.ts'
import { fmt, ratioOf } from '../lib/report.ts'
import { reportPeakRss } from '../lib/rows.ts'

const RUNS = 5
/** The export's rows/s against the domain call's. */
const TARGET_RATIO = 0.7

type Runs = { ms: number[]; rows: number[] }

/**
 * Runs each fn once unmeasured (the JIT's first pass, on every side alike), then in turn (the first, the
 * second, the first, …) up to RUNS times each (at least once) within the time budget; returns each side's
 * measured runs. In turn, so that a change in the machine's load during the run falls on both sides.
 */
async function alternate(seconds: number, fns: (() => Promise<number>)[]): Promise<Runs[]> {
  for (const fn of fns) await fn()
  const deadline = performance.now() + seconds * 1000 * fns.length
  const results = fns.map(() => ({ ms: [] as number[], rows: [] as number[] }))
  let runs = 0
  do {
    for (const [i, fn] of fns.entries()) {
      const started = performance.now()
      const rows = await fn()
      const result = results[i] as Runs
      result.ms.push(performance.now() - started)
      result.rows.push(rows)
    }
    runs++
  } while (runs < RUNS && performance.now() < deadline)
  return results
}

/**
 * GETs url and counts the lines of the answer as it arrives. node:http, not fetch: the reader shares the two
 * cores with the service and the database, and fetch's web stream of the body cost it about 3 µs a row (a
 * third of a core during an export), node:http's chunks a tenth of that. Newlines by indexOf, not a loop over
 * each byte, for the same reason.
 */
function countLines(url: string, token: string): Promise<{ status: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      let lines = 0
      response.on('data', (bytes: Buffer) => {
        for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, lines }))
      response.on('error', reject)
    })
    request.on('error', reject)
  })
}

const rowsPerSecond = (r: Runs) =>
  r.rows.reduce((a, b) => a + b, 0) / (r.ms.reduce((a, b) => a + b, 0) / 1000)

export const exportUsersScenario: Scenario = {
  name: 'export-users',
  title: '3. CSV export',
  async run(ctx) {
    const fixtures = await ctx.fixtures()
    const { big, exportFrom, exportRows, actor } = fixtures
    const query = exportFrom ? `?${new URLSearchParams({ 'createdAt[gte]': exportFrom })}` : ''
    const filters = exportFrom ? parseListQuery({ 'createdAt[gte]': exportFrom }, USER_FIELDS).filters : []
    const budget = Math.max(ctx.options.seconds, 10)

    const service = await ctx.service('seeded')
    service.rss.reset()
    let errors = 0
    const viaHttp = async () => {
      const { status, lines } = await countLines(
        `${service.url}/v3/resellers/${big.id}/users/export${query}`,
        service.token,
      )
      const rows = Math.max(0, lines - 1) // the header line
      if (status !== 200 || rows !== exportRows) errors++
      return rows
    }
    const directly = (db: Db) => async () => {
      let rows = 0
      for await (const batch of exportUsers(db, actor, big.id, filters, null)) rows += batch.length
      return rows
    }
    let viaHttpRuns: Runs
    let direct: Runs
    let peak: number
    if (ctx.options.embedded) {
      // The embedded database is the service's own: the direct call opens its data directory after it stops.
      ;[viaHttpRuns] = (await alternate(budget, [viaHttp])) as [Runs]
      peak = service.rss.peak
      await service.stop()
      const db = await fixtures.database.open(10)
      try {
        ;[direct] = (await alternate(budget, [directly(db)])) as [Runs]
      } finally {
        await db.close()
      }
    } else {
      const db = await fixtures.database.open(10)
      try {
        ;[viaHttpRuns, direct] = (await alternate(budget, [viaHttp, directly(db)])) as [Runs, Runs]
      } finally {
        peak = service.rss.peak
        await service.stop()
        await db.close()
      }
    }
    const label = `v3 CSV export of ${exportRows.toLocaleString('en')} users, ${viaHttpRuns.ms.length} run(s)`
    const value = rowsPerSecond(viaHttpRuns)
    const baseline = rowsPerSecond(direct)
    ctx.report({
      metric: `${label}: throughput`,
      value: fmt.rate(value, 'rows/s'),
      baseline: fmt.rate(baseline, 'rows/s'),
      ratio: ratioOf(value, baseline),
      target: `≥ ${TARGET_RATIO.toFixed(2)}× baseline`,
      met: value / baseline >= TARGET_RATIO,
      data: { viaHttp: viaHttpRuns, direct },
    })
    const times = summarize(viaHttpRuns.ms, errors, 0)
    const directTimes = summarize(direct.ms, 0, 0)
    ctx.report({
      metric: `${label}: time per export p50 / max`,
      value: `${fmt.ms(times.p50).replace(' ms', '')} / ${fmt.ms(times.max)}`,
      baseline: `${fmt.ms(directTimes.p50).replace(' ms', '')} / ${fmt.ms(directTimes.max)}`,
      ratio: ratioOf(times.p50, directTimes.p50),
      target: '',
      met: null,
    })
    ctx.report({
      metric: `${label}: errors (not 200, or a row count other than ${exportRows.toLocaleString('en')})`,
      value: `${errors} of ${viaHttpRuns.ms.length}`,
      baseline: '—',
      ratio: null,
      target: '',
      met: null,
    })
    reportPeakRss(ctx, service, peak)
    ctx.note(
      `CSV export: baseline = exportUsers() iterated in the benchmark process on a pool of the same size (the same batched keyset SQL and mapping, without CSV or HTTP)${ctx.options.embedded ? '' : ', run in turn with the exports (one each, then the next)'}.`,
    )
  },
}
