// The real service (or worker) as a child process, for the tests that start, stop and kill it: spawned with a
// clean environment, its output kept, and killed, if still running, when the test file ends (killChildren).
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../..')

export interface Spawned {
  child: ChildProcess
  /** Everything it wrote so far, stdout and stderr. */
  output: () => string
  exited: Promise<number | null>
}

const children: ChildProcess[] = []

/** `node <args>` in the project's root, with PATH, HOME and the given environment only. */
export function spawnNode(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

/** Waits until the process has written `text`; fails with its output if it exits or the time runs out. */
export async function waitForOutput(spawned: Spawned, text: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!spawned.output().includes(text)) {
    if (spawned.child.exitCode !== null)
      throw new Error(`the process exited before "${text}"; output:\n${spawned.output()}`)
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for "${text}"; output:\n${spawned.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** SIGKILL for every process this file spawned that still runs (for afterAll). */
export function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** A port on 127.0.0.1 that nothing listens on (now). */
export async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve, reject) => {
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', resolve)
  })
  const { port } = probe.address() as net.AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
