// One row per measured figure; one markdown table for the terminal and bench/results/latest.md, and the
// same rows (with their raw numbers) in bench/results/latest.json.
import fs from 'node:fs'
import path from 'node:path'
import type { Machine } from './machine.ts'
import type { Measured } from './measure.ts'
import { ROOT } from './processes.ts'

export interface Row {
  scenario: string
  metric: string
  value: string
  baseline: string
  /** value ÷ baseline for throughput; the loaded ÷ the idle figure for latency and memory. */
  ratio: number | null
  target: string
  /** null: the row has no target. */
  met: boolean | null
  /** The raw numbers behind the row, for latest.json. */
  data?: Record<string, unknown>
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n)

export const fmt = {
  rate(n: number | null | undefined, unit = 'req/s'): string {
    if (!finite(n)) return '—'
    return `${n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1)} ${unit}`
  },
  ms(n: number | null | undefined): string {
    if (!finite(n)) return '—'
    return n >= 100 ? `${Math.round(n)} ms` : n >= 10 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`
  },
  latency(m: Pick<Measured, 'p50' | 'p99'> | null | undefined): string {
    if (!m) return '—'
    return `${fmt.ms(m.p50).replace(' ms', '')} / ${fmt.ms(m.p99)}`
  },
  mb(bytes: number | null | undefined): string {
    return finite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : '—'
  },
  count(n: number): string {
    return n.toLocaleString('en')
  },
  ratio(n: number | null): string {
    return finite(n) ? `${n.toFixed(2)}×` : '—'
  },
}

export const ratioOf = (
  value: number | null | undefined,
  baseline: number | null | undefined,
): number | null => (finite(value) && finite(baseline) && baseline > 0 ? value / baseline : null)

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function table(rows: Row[]): string {
  const lines = [
    '| scenario | metric | value | baseline | ratio | target | met? |',
    '|---|---|--:|--:|--:|---|---|',
  ]
  let previous = ''
  for (const row of rows) {
    const met = row.met === null ? '' : row.met ? 'yes' : '**no**'
    const scenario = row.scenario === previous ? '' : row.scenario
    previous = row.scenario
    lines.push(
      `| ${[scenario, row.metric, row.value, row.baseline, fmt.ratio(row.ratio), row.target, met].map(cell).join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

export interface Report {
  machine: Machine
  command: string
  options: Record<string, unknown>
  startedAt: string
  finishedAt: string
  rows: Row[]
  notes: string[]
  failures: { scenario: string; error: string }[]
}

export function markdown(report: Report): string {
  const m = report.machine
  return [
    '# Reseller API benchmark',
    '',
    `Taken ${report.startedAt} on ${m.cpu} (${m.cores} cores), ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; ${m.database}.`,
    `Load average when the run started: ${m.loadAverage}.`,
    '',
    `Command: \`${report.command}\``,
    '',
    table(report.rows),
    '',
    ...(report.failures.length
      ? ['Scenarios that failed:', '', ...report.failures.map((f) => `- ${f.scenario}: ${f.error}`), '']
      : []),
    'Notes:',
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
  ].join('\n')
}

export function writeResults(report: Report): string[] {
  const dir = path.join(ROOT, 'bench', 'results')
  fs.mkdirSync(dir, { recursive: true })
  const md = path.join(dir, 'latest.md')
  const json = path.join(dir, 'latest.json')
  fs.writeFileSync(md, markdown(report))
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`)
  return [md, json]
}
