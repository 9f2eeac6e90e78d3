// Two-factor sign-in (TOTP) of the signed-in user — enrol, confirm, turn off — and an admin's reset of a
// user's. Our extension: Cryptlex documents no such routes. The rules live in domain/users/two-factor.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  beginTwoFactor,
  confirmTwoFactor,
  disableTwoFactor,
  resetTwoFactor,
} from '../../domain/users/two-factor.ts'
import { actorOf } from '../../http/request-context.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { ResellerItemParams } from './schemas.ts'

const tags = ['v3 sign-in']

const TwoFactorCode = Type.Object(
  {
    code: Type.String({
      minLength: 6,
      maxLength: 32,
      description:
        'A code of the authenticator app (six digits), or, where a recovery code is taken, one of them (e.g. `abcd-efgh-jkmn-pqrs`).',
    }),
  },
  { additionalProperties: false },
)

const TwoFactorEnrolment = Type.Object({
  secret: Type.String({
    description: 'The TOTP secret in base32, for an app that cannot read the QR code. Shown this once.',
  }),
  otpauthUri: Type.String({
    description: 'The otpauth:// URI of the secret (RFC 6238: SHA-1, 6 digits, 30 s): the QR code’s content.',
  }),
})

const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    minItems: 10,
    maxItems: 10,
    description:
      'Ten single-use codes that stand in for a TOTP code. Shown this once: only their hashes are kept.',
  }),
})

export const twoFactorRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, keyring }) => {
  app.post(
    '/me/two-factor',
    {
      config: { operation: 'BeginTwoFactor' },
      schema: {
        tags,
        summary: 'Start two-factor enrolment',
        description:
          'A new TOTP secret for the signed-in user, pending until POST /v3/me/two-factor/confirm confirms it with a code (a pending one is replaced). 409 TWO_FACTOR_ALREADY_ENABLED while two-factor is on.',
        response: withErrors({ 200: TwoFactorEnrolment }),
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store')
      return beginTwoFactor(db, keyring, actorOf(request))
    },
  )

  app.post(
    '/me/two-factor/confirm',
    {
      config: { operation: 'ConfirmTwoFactor' },
      schema: {
        tags,
        summary: 'Confirm two-factor enrolment',
        description:
          'Turns two-factor on with a code of the pending secret and answers the ten recovery codes, once. From then on, POST /v3/accounts/login asks for a code. 400 INVALID_TWO_FACTOR_CODE for a wrong code; 409 TWO_FACTOR_NOT_STARTED with no enrolment pending.',
        body: TwoFactorCode,
        response: withErrors({ 200: RecoveryCodes }),
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store')
      return confirmTwoFactor(db, keyring, actorOf(request), request.body.code)
    },
  )

  app.delete(
    '/me/two-factor',
    {
      config: { operation: 'DisableTwoFactor' },
      schema: {
        tags,
        summary: 'Turn two-factor off',
        description:
          'Proven with a code (TOTP or recovery code), so that an access token alone cannot turn it off. Forgets the secret and the recovery codes. 409 TWO_FACTOR_NOT_ENABLED when it is off.',
        body: TwoFactorCode,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await disableTwoFactor(db, keyring, actorOf(request), request.body.code)
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/resellers/:resellerId/users/:id/two-factor',
    {
      config: { operation: 'ResetResellerUserTwoFactor' },
      schema: {
        tags: ['v3 users'],
        summary: "Reset a reseller user's two-factor",
        description:
          'For a user who lost the app and the recovery codes: two-factor is off, the secret and codes forgotten; the user signs in with the password and may enrol again. Answers 204 when it was already off.',
        params: ResellerItemParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await resetTwoFactor(db, actorOf(request), request.params.resellerId, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
