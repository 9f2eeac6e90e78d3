// Starts the real service (as it ships: the bundle `npm start` builds, `node dist/main.js`) in its own process and
// waits until it is ready. Benchmarks drive it from another process, over loopback only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { baseEnv, ROOT, stopChild, track } from './processes.ts'

export { ROOT }

export interface Service {
  url: string
  clientId: string
  clientSecret: string
  child: ChildProcess
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/**
 * The node options `npm start` runs the service with (package.json's start script, up to dist/main.js): the
 * service is measured as it ships, its garbage collector's settings included.
 */
export const START_NODE_OPTIONS: string[] = (() => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string }
  }
  const words = pkg.scripts.start.split(/\s+/)
  return words.slice(1, words.indexOf('dist/main.js'))
})()

let isBuilt = false

/** Builds dist/ once per benchmark run, as npm start's prestart step does. */
function buildOnce(): void {
  if (isBuilt) return
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' })
  isBuilt = true
}

export async function startService(
  databaseUrl: string,
  env: Record<string, string> = {},
  /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeOptions: string[] = [],
): Promise<Service> {
  buildOnce()
  const port = await freePort()
  const clientId = 'bench-csp'
  const clientSecret = randomBytes(24).toString('hex')
  // Tracked: killed when the benchmark's process exits, however it exits.
  const child = track(
    spawn(process.execPath, [...nodeOptions, ...START_NODE_OPTIONS, 'dist/main.js'], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        BOOTSTRAP_TENANT_DOMAIN: 'bench.example.com',
        BOOTSTRAP_CLIENT_ID: clientId,
        BOOTSTRAP_CLIENT_SECRET: clientSecret,
        LOG_LEVEL: 'warn',
        // Throughput is measured, not the rate limit (which would cap one client at 100 req/s); a scenario
        // that measures limits turns them back on.
        RATE_LIMIT_MAX: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`)
    if (Date.now() > deadline) {
      await stopChild(child)
      throw new Error('service did not become ready in 60 s')
    }
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    clientId,
    clientSecret,
    child,
    // SIGTERM (the service drains in-flight work), SIGKILL if it has not exited within 30 s.
    stop: () => stopChild(child, 30_000),
  }
}

/** A new reseller of the service's tenant (v3 POST /v3/resellers), for a benchmark's users. */
export async function createReseller(
  service: Service,
  token: string,
  name = 'Bench',
): Promise<{ id: string }> {
  const response = await fetch(`${service.url}/v3/resellers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, email: `${name.toLowerCase()}@example.com` }),
  })
  return (await response.json()) as { id: string }
}

export async function tokenOf(service: Service): Promise<string> {
  const response = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: service.clientId,
      client_secret: service.clientSecret,
    }),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}
