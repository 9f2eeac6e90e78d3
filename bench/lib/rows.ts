// The rows most scenarios report: throughput against a baseline (with an optional floor on the ratio),
// latency, errors, and the service's peak RSS under the load against its RSS right after start.
import type { Context, RunningService } from './context.ts'
import type { Measured } from './measure.ts'
import { fmt, ratioOf } from './report.ts'

export interface LoadRows {
  label: string
  value: Measured
  baseline: Measured | null
  unit?: string
  baselineUnit?: string
  /** Target: value.rps ≥ minRatio × baseline.rps. */
  minRatio?: number
  /** Target: value.p99 < maxP99 ms. */
  maxP99?: number
}

export function reportLoad(ctx: Context, rows: LoadRows): void {
  const { label, value, baseline } = rows
  const ratio = ratioOf(value.rps, baseline?.rps)
  ctx.report({
    metric: `${label}: throughput`,
    value: fmt.rate(value.rps, rows.unit),
    baseline: fmt.rate(baseline?.rps, rows.baselineUnit ?? rows.unit),
    ratio,
    target: rows.minRatio === undefined ? '' : `≥ ${rows.minRatio.toFixed(2)}× baseline`,
    met: rows.minRatio === undefined ? null : ratio !== null && ratio >= rows.minRatio,
    data: { value, baseline },
  })
  ctx.report({
    metric: `${label}: latency p50 / p99`,
    value: fmt.latency(value),
    baseline: fmt.latency(baseline),
    ratio: ratioOf(value.p99, baseline?.p99),
    target: rows.maxP99 === undefined ? '' : `p99 < ${rows.maxP99} ms`,
    met: rows.maxP99 === undefined ? null : value.p99 < rows.maxP99,
  })
  ctx.report({
    metric: `${label}: errors`,
    value: `${fmt.count(value.errors)} of ${fmt.count(value.ok + value.errors)}`,
    baseline: baseline ? `${fmt.count(baseline.errors)} of ${fmt.count(baseline.ok + baseline.errors)}` : '—',
    ratio: null,
    target: '',
    met: null,
  })
}

/** Peak RSS during the measured loads of a service, against its RSS right after start. */
export function reportPeakRss(
  ctx: Context,
  service: RunningService,
  peak: number | null,
  label = 'service',
): void {
  ctx.report({
    metric: `${label}: peak RSS under load (baseline: right after start)`,
    value: fmt.mb(peak),
    baseline: fmt.mb(service.startRss),
    ratio: ratioOf(peak, service.startRss),
    target: '',
    met: null,
    data: { peakRss: peak, startRss: service.startRss },
  })
  ctx.peaks.push({ scenario: ctx.scenario, label, bytes: peak })
}
