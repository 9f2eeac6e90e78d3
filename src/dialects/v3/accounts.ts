// Signing in and out (Cryptlex's POST /v3/accounts/login, and logout), and the signed-in user's own routes
// (GET/PATCH /v3/me, POST /v3/me/password). Answers that carry a token are never stored (no-store) nor kept
// for an Idempotency-Key: these operations are public or the user's own, and a replay would hand out a secret.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { endSession } from '../../auth/sessions.ts'
import { signInWithPassword, TWO_FACTOR_REQUIRED } from '../../auth/sign-in.ts'
import { createIpThrottle } from '../../auth/throttle.ts'
import { AUDIENCE } from '../../auth/tokens.ts'
import { isDomainError, tooManyRequests } from '../../domain/errors.ts'
import { getUser } from '../../domain/users/get.ts'
import { changeOwnPassword } from '../../domain/users/password.ts'
import { updateUser } from '../../domain/users/update.ts'
import { actorOf, requestFactsOf } from '../../http/request-context.ts'
import { presentUser } from '../../representations/cryptlex.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { UserDto } from './schemas.ts'
import { LoginRequest, LoginResponse, LogoutRequest, MeUpdate, MyPasswordChange } from './sign-in-schemas.ts'

const tags = ['v3 accounts']
const noStore = (reply: FastifyReply) =>
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')

export const accountRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, config, principals } = deps
  const ipThrottle = createIpThrottle(app.limits.count, 'lf', {
    maxFailures: config.signIn.ipMaxFailures,
    windowSeconds: config.signIn.ipWindowSeconds,
  })

  app.post(
    '/accounts/login',
    {
      config: { operation: 'LoginAccount' },
      schema: {
        tags,
        summary: 'Sign a user in',
        description:
          'Returns an access token whose scope follows the user’s role, and a refresh token. A wrong email or password answers 401 INVALID_CREDENTIALS alike. After LOGIN_MAX_FAILURES consecutive failures (default 10) the account is locked for LOGIN_LOCKOUT_SECONDS (default 900): 429 ACCOUNT_LOCKED with Retry-After, the right password too. After LOGIN_IP_MAX_FAILURES failures from one address in LOGIN_IP_WINDOW_S, that address gets 429 TOO_MANY_REQUESTS. A user without a password (created through v1) cannot sign in until it sets one. Takes no Idempotency-Key: the answer is a secret and is never stored.',
        body: LoginRequest,
        response: withErrors({ 200: LoginResponse }),
      },
    },
    async (request, reply) => {
      noStore(reply)
      const facts = requestFactsOf(request)
      const ip = facts.ipAddress ?? 'unknown'
      const blockedFor = await ipThrottle.blockedFor(ip)
      if (blockedFor > 0)
        throw tooManyRequests(
          'Too many failed sign-ins from this address. Retry after the time in Retry-After.',
          blockedFor,
        )
      const body = request.body
      try {
        return await signInWithPassword(
          deps,
          {
            accountAlias: body.accountAlias,
            email: body.email,
            password: body.password,
            code: body.code,
            audience: body.audience ?? AUDIENCE,
          },
          facts,
        )
      } catch (error) {
        // A right password still waiting for its second factor is no failure of this address.
        if (isDomainError(error) && error.kind === 'Unauthorized' && error.code !== TWO_FACTOR_REQUIRED)
          await ipThrottle.recordFailure(ip)
        throw error
      }
    },
  )

  app.post(
    '/accounts/logout',
    {
      config: { operation: 'LogoutAccount' },
      schema: {
        tags,
        summary: 'Sign out: end the session of a refresh token',
        description:
          'Revokes the session the refresh token belongs to (every refresh token of that sign-in); its access tokens stop working within 30 s. An unknown or already revoked token also answers 204.',
        body: LogoutRequest,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      noStore(reply)
      const revoked = await endSession(deps, request.body.refreshToken, requestFactsOf(request))
      if (revoked) principals.forgetSessions([revoked])
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/me',
    {
      config: { operation: 'GetCurrentUser' },
      schema: { tags, summary: 'The signed-in user', response: withErrors({ 200: UserDto }) },
    },
    async (request) => {
      const actor = actorOf(request)
      return presentUser(await getUser(db, actor, actor.resellerId as string, actor.id))
    },
  )

  app.patch(
    '/me',
    {
      config: { operation: 'UpdateCurrentUser' },
      schema: {
        tags,
        summary: 'Change the signed-in user’s names',
        description:
          'An absent or null firstName stays as it is; a null lastName clears it. Fires reseller.user.updated.',
        body: MeUpdate,
        response: withErrors({ 200: UserDto }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const body = request.body
      const user = await db.transaction((tx) =>
        updateUser(tx, actor, actor.resellerId as string, actor.id, {
          firstName: body.firstName ?? undefined,
          lastName: body.lastName === null ? '' : body.lastName,
        }),
      )
      return presentUser(user)
    },
  )

  app.post(
    '/me/password',
    {
      config: { operation: 'ChangeCurrentUserPassword' },
      schema: {
        tags,
        summary: 'Change the signed-in user’s password',
        description:
          'The current password must be right (403 INVALID_CREDENTIALS otherwise, counted as a failed sign-in toward the lock). Every other session of the user ends; this one goes on. Fires reseller.user.password.changed.',
        body: MyPasswordChange,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const revoked = await changeOwnPassword(db, actorOf(request), request.body, config.signIn)
      principals.forgetSessions(revoked)
      return reply.code(204).send(null)
    },
  )
}
