// What both process entries (main, worker) do around their work: refuse a bad config, report a failed start,
// and stop gracefully on SIGTERM / SIGINT.
import { type Config, ConfigError, loadConfig } from './config.ts'

/** The config, or a message naming the bad variable and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`)
      process.exit(78)
    }
    throw error
  }
}

/**
 * Runs a process entry; a start that throws prints its stack and exits 1, or, for a configuration found wrong
 * only at start (a key file that holds no key, secrets encrypted under a key it was not given), its message
 * and exits 78.
 */
export function runProcess(main: () => Promise<void>): void {
  main().catch((error) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`)
      process.exit(78)
    }
    process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
}

/**
 * On the first SIGTERM or SIGINT: log, run `close`, exit 0. A close that hangs past the grace (an in-flight
 * webhook attempt's timeout and some) exits 1.
 */
export function stopGracefullyOnSignals(
  config: Config,
  log: { info(details: object, message: string): void },
  message: string,
  close: () => Promise<void>,
): void {
  let isStopping = false
  const stop = async (signal: string) => {
    if (isStopping) return
    isStopping = true
    log.info({ signal }, message)
    const timer = setTimeout(() => process.exit(1), config.webhookTimeoutMs + 10_000).unref()
    await close()
    clearTimeout(timer)
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}
