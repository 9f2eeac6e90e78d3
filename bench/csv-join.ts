// Why the CSV export writes chunks of about 32 Ki characters (src/dialects/v3/csv.ts): joins 100 batches of
// 1,000 export-sized lines (214 characters, as the bench's users) into strings of a given number of lines, and
// prints the best of five rounds, for text in Latin-1 and for text with one character beyond it (a name such
// as "Łukasz", which makes V8 store the whole joined string at two bytes a character). Once a joined string
// passes 128 KiB (64 Ki characters of two-byte text) V8 allocates it in its large-object space, and the join
// costs about ten times as much. No database, no service: `npx tsx bench/csv-join.ts`.
const LINE = `${'01a17c09-4434-7f75-8530-3e78e7af19e5,2026-10-27T06:25:44.500Z,'.repeat(3)}Anna,Wallace,user,false\r\n`

for (const [text, name] of [
  ['Latin-1', 'Anna'],
  ['two-byte', 'Łukasz'],
] as const) {
  const batches = Array.from({ length: 100 }, (_, b) =>
    Array.from({ length: 1000 }, (_, i) => `${b}:${i}:${i === 500 ? name : 'Anna'}:${LINE}`.slice(0, 214)),
  )
  for (const size of [100, 200, 300, 350, 500, 1000]) {
    let best = Number.POSITIVE_INFINITY
    for (let round = 0; round < 5; round++) {
      const started = performance.now()
      for (const lines of batches)
        for (let k = 0; k < lines.length; k += size) lines.slice(k, k + size).join('')
      best = Math.min(best, performance.now() - started)
    }
    console.log(
      `${text}: ${String(size).padStart(4)} lines a string (~${(size * 214).toLocaleString('en')} chars): ${best.toFixed(0)} ms for 100,000 lines`,
    )
  }
}
