// Builds the web console (console/, React through Vite) into dist/console, which the service serves at /console.
// Skipped when console/'s files and the lockfile are those of the last build (the tests build once per run, in
// parallel files); otherwise built beside and swapped in, so that a running service never reads a half-built one.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const source = path.join(root, 'console')
const outdir = path.join(root, 'dist/console')
const stampFile = path.join(outdir, '.source-hash')

/** The SHA-256 of every file under console/ (names and contents), of the lockfile and of this recipe. */
function sourceHash() {
  const hash = createHash('sha256')
  const walk = (dir) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0')
    }
  }
  walk(source)
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')))
  hash.update(fs.readFileSync(fileURLToPath(import.meta.url)))
  return hash.digest('hex')
}

export async function buildConsole({ force = false } = {}) {
  const hash = sourceHash()
  if (!force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash) return false
  // React's production build whatever the caller's NODE_ENV (vitest's is "test", which gave React's development
  // build: effects run twice, and a second read of a user could overwrite what was typed in its form).
  process.env.NODE_ENV = 'production'
  const { build } = await import('vite')
  const staging = `${outdir}.${process.pid}.tmp`
  await build({
    configFile: path.join(source, 'vite.config.ts'),
    mode: 'production',
    build: { outDir: staging, emptyOutDir: true },
  })
  fs.writeFileSync(path.join(staging, '.source-hash'), hash)
  fs.rmSync(outdir, { recursive: true, force: true })
  try {
    fs.renameSync(staging, outdir)
  } catch (error) {
    // Another build (a parallel test file's) swapped in its own between the two steps: the same sources, so keep it.
    fs.rmSync(staging, { recursive: true, force: true })
    if (!fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== hash) throw error
  }
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  await buildConsole({ force: process.argv.includes('--force') })
