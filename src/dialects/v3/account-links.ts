// A user's account, by mail: an API client invites a user to set a password; anyone may ask for a password
// reset; the holder of either link sets the password with it. The three public operations take no token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { RESET_MAILS_PER_HOUR, setPasswordByLink } from '../../domain/users/account-links.ts'
import { actorOf, requestFactsOf } from '../../http/request-context.ts'
import { sendInvitation, startPasswordReset } from '../../mail/account-mail.ts'
import { INVITATION_PAGE, RESET_PAGE } from '../../mail/messages.ts'
import type { AppDeps } from '../../services.ts'
import { withErrors } from './common.ts'
import { Password, ResellerItemParams, UserEmail } from './schemas.ts'

const tags = ['v3 accounts']

const LinkUse = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'The token of the mailed link: what follows `#token=`.',
    }),
    password: Password,
  },
  { additionalProperties: false },
)

const PasswordResetRequest = Type.Object(
  {
    accountAlias: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'The account: the domain of its tenant (what X-Tenant names in v1).',
    }),
    email: UserEmail,
  },
  { additionalProperties: false },
)

/** An answer with no body at all (null would be serialized as `null`). */
const NO_BODY = undefined as unknown as null

const LINK_REFUSALS =
  'A link that is not valid answers 400 `LINK_INVALID`; one that has expired, or that a newer link replaced, `LINK_EXPIRED`; one already used, `LINK_USED`.'

export const accountLinkRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, config, principals },
) => {
  const mailDeps = () => ({ db, mailer: app.mailer, publicUrl: config.publicUrl, log: app.log })

  app.post(
    '/resellers/:resellerId/users/:id/invitations',
    {
      config: { operation: 'InviteResellerUser' },
      schema: {
        tags,
        summary: 'Invite a reseller user to set a password',
        description: `Mails the user a link, good once for 7 days, to \`${INVITATION_PAGE}#token=…\` under the service's PUBLIC_URL; a new invitation replaces the user's earlier ones. 202: the mail is sent in the background. Fires user.invitation.sent.`,
        params: ResellerItemParams,
        response: withErrors({ 202: Type.Null({ description: 'Accepted: the mail is on its way.' }) }),
      },
    },
    async (request, reply) => {
      await sendInvitation(mailDeps(), actorOf(request), request.params.resellerId, request.params.id)
      return reply.code(202).send(NO_BODY)
    },
  )

  app.post(
    '/accounts/invitations/accept',
    {
      config: { operation: 'AcceptInvitation' },
      schema: {
        tags,
        summary: 'Accept an invitation: set the password',
        description: `No token: the link's token is the proof. ${LINK_REFUSALS} Fires user.invitation.accepted.`,
        body: LinkUse,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { token, password } = request.body
      principals.forgetSessions(
        await setPasswordByLink(db, requestFactsOf(request), 'invitation', token, password),
      )
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/accounts/password-reset',
    {
      config: { operation: 'RequestPasswordReset' },
      schema: {
        tags,
        summary: 'Ask for a password reset mail',
        description: `Answers 202 whether or not the account exists, and as quickly. If it does, its user is mailed a link, good once for an hour, to \`${RESET_PAGE}#token=…\` under the service's PUBLIC_URL (at most ${RESET_MAILS_PER_HOUR} an hour per user). Fires user.password.reset.requested.`,
        body: PasswordResetRequest,
        response: withErrors({ 202: Type.Null({ description: 'Accepted.' }) }),
      },
    },
    async (request, reply) => {
      const { accountAlias, email } = request.body
      startPasswordReset(mailDeps(), requestFactsOf(request), accountAlias, email)
      return reply.code(202).send(NO_BODY)
    },
  )

  app.post(
    '/accounts/password-reset/confirm',
    {
      config: { operation: 'ConfirmPasswordReset' },
      schema: {
        tags,
        summary: 'Reset the password with a mailed link',
        description: `No token: the link's token is the proof. ${LINK_REFUSALS} Fires user.password.reset.`,
        body: LinkUse,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { token, password } = request.body
      principals.forgetSessions(
        await setPasswordByLink(db, requestFactsOf(request), 'password-reset', token, password),
      )
      return reply.code(204).send(null)
    },
  )
}
