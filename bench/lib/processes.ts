// Every child process a benchmark starts is tracked here, so that each one is killed when the run ends,
// whether it ends well, by an error or by Ctrl-C. Baselines run as bare `node --import tsx` processes.
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

export const ROOT = path.resolve(import.meta.dirname, '../..')

const live = new Set<ChildProcess>()

export function track<T extends ChildProcess>(child: T): T {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

/** Kills (SIGKILL) every tracked child still running: the last resort, safe to call from an exit handler. */
export function killAll(): void {
  for (const child of live) if (isRunning(child)) child.kill('SIGKILL')
}
process.once('exit', killAll)

/** SIGTERM, then SIGKILL if the child has not exited within timeoutMs. */
export async function stopChild(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (!isRunning(child)) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  await exited
  clearTimeout(timer)
}

/**
 * The benchmark's key-encryption key: ENCRYPTION_KEY when given, else one fixed for the benchmark's own
 * throwaway databases, so that a seeded database kept from an earlier run opens in the next. Never the
 * service's: the service has no built-in key.
 */
const BENCH_ENCRYPTION_KEY = process.env.ENCRYPTION_KEY || 'YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8='

/** The minimal environment a child gets: nothing of the caller's but PATH, HOME and the encryption key. */
export const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
})

function spawnScript(script: string, env: Record<string, string>): ChildProcess {
  return track(
    spawn(process.execPath, ['--import', 'tsx', path.resolve(ROOT, script)], {
      cwd: ROOT,
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  )
}

/**
 * Runs a script in a bare process and resolves to the JSON object of the last line it prints. The process
 * is killed if it has not finished within timeoutMs.
 */
export async function runJson<T>(script: string, env: Record<string, string>, timeoutMs: number): Promise<T> {
  const child = spawnScript(script, env)
  let last = ''
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.trim()) last = line
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`${script} exited with ${code ?? 'a signal'}`)
  return JSON.parse(last) as T
}

export interface ChildServer {
  url: string
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts a script that serves HTTP and prints {"port": N} once it listens. */
export async function startChildServer(
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const child = spawnScript(script, env)
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not listen in ${timeoutMs} ms`)),
      timeoutMs,
    )
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { port?: number }
        if (message.port) {
          clearTimeout(timer)
          resolve(message.port)
        }
      } catch {}
    })
  }).catch(async (error) => {
    await stopChild(child)
    throw error
  })
  return { url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child) }
}
