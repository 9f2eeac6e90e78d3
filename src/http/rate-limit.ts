// Rate limits (@fastify/rate-limit's counters, in memory or in Redis shared by every process): per client for
// the APIs, per IP outside them and for bearer tokens that fail, with the headers clients read and a 429 in the
// API's error shape past the limit.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../config.ts'
import { tooManyRequests } from '../domain/errors.ts'

export interface Window {
  max: number
  windowSeconds: number
}

/** A counter's state after counting (or reading) one more. */
export interface Count {
  max: number
  remaining: number
  /** Milliseconds until the window resets. */
  resetInMs: number
  isExceeded: boolean
}

export type Counter = (key: string, window: Window, options?: { isReadOnly?: boolean }) => Promise<Count>

export interface Limits {
  /** Counts a request against its client's window (the tenant's override, or the default); 429 past it. */
  client(request: FastifyRequest, reply: FastifyReply): Promise<void>
  /** Counts a request against its source IP's window; 429 past it. */
  ip(request: FastifyRequest, reply: FastifyReply): Promise<void>
  /** The shared counters, for other windows than requests (failed client authentications). */
  count: Counter
  /** Reads a tenant's window afresh on its next request here (it was just changed by this process). */
  forgetTenant(tenantId: string): void
}

declare module 'fastify' {
  interface FastifyInstance {
    limits: Limits
  }
  interface FastifyRequest {
    /** The key a counter counts this request under (set just before counting). */
    limitKey: string
  }
}

/** A tenant's own window, if the platform operator set one. */
export type TenantWindow = (tenantId: string) => Promise<Window | null>

// How long a tenant's window is trusted before it is read again: a change reaches other processes within it.
const TENANT_WINDOW_CACHE_MS = 30_000

/** Each tenant's window, read at most every 30 s per process. */
function cachedTenantWindows(read: TenantWindow) {
  const cache = new Map<string, { window: Window | null; until: number }>()
  return {
    async get(tenantId: string): Promise<Window | null> {
      const now = Date.now()
      const cached = cache.get(tenantId)
      if (cached && cached.until > now) return cached.window
      const window = await read(tenantId)
      if (cache.size > 100_000) cache.clear()
      cache.set(tenantId, { window, until: now + TENANT_WINDOW_CACHE_MS })
      return window
    },
    forget: (tenantId: string) => cache.delete(tenantId),
  }
}

/**
 * The headers a response carries of its window: the IETF draft's RateLimit-Policy / RateLimit (structured
 * fields), and the X-Rate-Limit-* trio Cryptlex documents (the period, what remains, the UTC reset time).
 */
export function setLimitHeaders(reply: FastifyReply, policy: string, window: Window, count: Count): void {
  const resetSeconds = Math.max(0, Math.ceil(count.resetInMs / 1000))
  reply.header('RateLimit-Policy', `"${policy}";q=${window.max};w=${window.windowSeconds}`)
  reply.header('RateLimit', `"${policy}";r=${count.remaining};t=${resetSeconds}`)
  reply.header('X-Rate-Limit-Limit', `${window.windowSeconds}s`)
  reply.header('X-Rate-Limit-Remaining', String(count.remaining))
  reply.header('X-Rate-Limit-Reset', new Date(Date.now() + resetSeconds * 1000).toISOString())
}

/** What the headers of setLimitHeaders and the 429's Retry-After mean, as the OpenAPI document states them. */
export const LIMIT_HEADERS = {
  'RateLimit-Policy': {
    type: 'string',
    description:
      'The window that counted this request (IETF draft-ietf-httpapi-ratelimit-headers): its name (`client` or `ip`), quota `q` and window `w` in seconds. Sent whenever a limit applies.',
    examples: ['"client";q=1000;w=10'],
  },
  RateLimit: {
    type: 'string',
    description:
      'What remains of that window: requests `r` and seconds `t` until it resets (IETF draft-ietf-httpapi-ratelimit-headers).',
    examples: ['"client";r=999;t=10'],
  },
  'X-Rate-Limit-Limit': {
    type: 'string',
    description: 'The period of the window, e.g. `10s` (as Cryptlex sends it).',
    examples: ['10s'],
  },
  'X-Rate-Limit-Remaining': { type: 'integer', description: 'Requests left in the current window.' },
  'X-Rate-Limit-Reset': {
    type: 'string',
    format: 'date-time',
    description: 'The UTC time the current window resets.',
  },
} as const

export const RETRY_AFTER_HEADER = {
  'Retry-After': {
    type: 'integer',
    minimum: 1,
    description: 'Seconds to wait before sending the request again.',
  },
} as const

function createCounter(app: FastifyInstance): Counter {
  const check = app.createRateLimit({
    keyGenerator: (request) => request.limitKey,
    max: (request) => (request as unknown as { limitWindow: Window }).limitWindow.max,
    timeWindow: (request) => (request as unknown as { limitWindow: Window }).limitWindow.windowSeconds * 1000,
  })
  return async (key, window, options = {}) => {
    // The plugin reads key and window off a request: a small stand-in carries them.
    const carrier = { limitKey: key, limitWindow: window, routeOptions: { config: {} } }
    const result = await check(carrier as unknown as FastifyRequest, { increment: !options.isReadOnly })
    if (result.isAllowed) return { max: window.max, remaining: window.max, resetInMs: 0, isExceeded: false }
    return {
      max: result.max,
      remaining: result.remaining,
      resetInMs: result.ttl,
      isExceeded: options.isReadOnly ? result.remaining <= 0 : result.isExceeded,
    }
  }
}

async function connectRedis(url: string, app: FastifyInstance): Promise<Redis> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, {
    lazyConnect: true,
    // A request never waits for a Redis that is away: its counter is skipped (the limit fails open) and logged.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 500,
  })
  let lastWarning = 0
  redis.on('error', (error) => {
    if (Date.now() - lastWarning < 10_000) return
    lastWarning = Date.now()
    app.log.warn({ err: error }, 'rate limit store (Redis) unavailable; limits are not enforced meanwhile')
  })
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    throw new Error(`REDIS_URL: cannot connect to Redis (${(error as Error).message})`)
  }
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect())
  })
  return redis
}

/**
 * Decorates the app with `limits`. A max of 0 (RATE_LIMIT_MAX=0) turns the default limits off; a tenant's own
 * window still applies to its clients.
 */
export const rateLimits = fp(
  async (app: FastifyInstance, { config, tenantWindow }: { config: Config; tenantWindow: TenantWindow }) => {
    const redis = config.redisUrl ? await connectRedis(config.redisUrl, app) : null
    await app.register(rateLimit, {
      global: false,
      skipOnError: true,
      ...(redis ? { redis, nameSpace: `${config.redisKeyPrefix}rate:` } : { cache: 100_000 }),
    })
    app.decorateRequest('limitKey', '')
    const count = createCounter(app)
    const defaults: Window = config.rateLimit
    const isOff = defaults.max === 0
    const tenantWindows = cachedTenantWindows(tenantWindow)

    async function enforce(
      reply: FastifyReply,
      policy: string,
      key: string,
      window: Window | null,
    ): Promise<void> {
      if (window === null || window.max === 0) return
      const counted = await count(key, window)
      setLimitHeaders(reply, policy, window, counted)
      if (!counted.isExceeded) return
      reply.header('Retry-After', String(Math.max(1, Math.ceil(counted.resetInMs / 1000))))
      app.counters.rateLimited.inc({ policy })
      throw tooManyRequests(
        `Too many requests: at most ${window.max} in ${window.windowSeconds} s. Retry after the time in Retry-After.`,
        counted.resetInMs / 1000,
      )
    }

    app.decorate('limits', {
      async client(request: FastifyRequest, reply: FastifyReply) {
        const principal = request.principal
        if (!principal) return this.ip(request, reply)
        const own = principal.tenantId ? await tenantWindows.get(principal.tenantId) : null
        await enforce(
          reply,
          'client',
          `c:${principal.type}:${principal.id}`,
          own ?? (isOff ? null : defaults),
        )
      },
      async ip(request: FastifyRequest, reply: FastifyReply) {
        if (isOff) return
        await enforce(reply, 'ip', `ip:${rateLimit.normalizeIP?.(request.ip) ?? request.ip}`, defaults)
      },
      count,
      forgetTenant: (tenantId: string) => void tenantWindows.forget(tenantId),
    } satisfies Limits)
  },
  { name: 'rate-limits' },
)
