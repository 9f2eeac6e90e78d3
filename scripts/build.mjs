// Bundles the service into dist/ (run by `npm start` and `npm run worker` before they start, in well
// under a second): plain JavaScript at run time, no TypeScript loader in memory; then builds the console.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { buildConsole } from './build-console.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(root, 'dist')

await build({
  entryPoints: [path.join(root, 'src/main.ts'), path.join(root, 'src/worker.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
})
// Migrations are read at run time from beside the code that applies them: exactly the source's, so that a
// migration removed from the source (never released) is not applied from an earlier build's copy.
fs.rmSync(path.join(outdir, 'migrations'), { recursive: true, force: true })
fs.mkdirSync(path.join(outdir, 'migrations'), { recursive: true })
for (const file of fs.readdirSync(path.join(root, 'src/db/migrations')))
  fs.copyFileSync(path.join(root, 'src/db/migrations', file), path.join(outdir, 'migrations', file))

// The web console, served at /console (skipped when its sources have not changed since the last build).
await buildConsole()
