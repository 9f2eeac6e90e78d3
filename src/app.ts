// buildApp(deps): the Fastify instance, used by main, tests and benchmarks. listen() is the caller's.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyServerOptions, LogController } from 'fastify'
import { v1 } from './dialects/v1/index.ts'
import { v3 } from './dialects/v3/index.ts'
import { correlationIdOf, requestContext } from './http/request-context.ts'
import { createValidatorCompiler } from './http/validation.ts'
import { loggerOptions } from './logging.ts'
import { healthRoutes } from './ops/health.ts'
import { metricsPlugin } from './ops/metrics.ts'
import { oauthRoutes } from './ops/oauth.ts'
import { openapiPlugin } from './ops/openapi.ts'
import { platform } from './platform/index.ts'
import type { AppDeps } from './services.ts'

export async function buildApp(deps: AppDeps, options: { logger?: FastifyServerOptions['logger'] } = {}) {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(deps.config.logLevel) ?? false,
    genReqId: correlationIdOf,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    requestIdHeader: false,
    trustProxy: false,
    bodyLimit: 1_048_576,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(createValidatorCompiler())

  await app.register(requestContext)
  await app.register(metricsPlugin)
  await app.register(openapiPlugin, { publicUrl: deps.config.publicUrl })

  await app.register(healthRoutes, { db: deps.db })
  await app.register(oauthRoutes, { db: deps.db, tokens: deps.tokens, config: deps.config })
  await app.register(v3, { ...deps, prefix: '/v3' })
  await app.register(v1, { ...deps, prefix: '/v1' })
  await app.register(platform, { ...deps, prefix: '/platform' })
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
