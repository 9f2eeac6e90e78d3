// An account link issued, then mailed: the invitation (an API client asks; its errors are its answer) and the
// password reset (anyone asks; the answer is the same, and as quick, whatever happens).
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/connection.ts'
import type { Actor } from '../domain/actor.ts'
import { inviteUser, type RequestFacts, requestPasswordReset } from '../domain/users/account-links.ts'
import type { Mailer } from './mailer.ts'
import { invitationMail, resetMail } from './messages.ts'

export interface AccountMailDeps {
  db: Db
  mailer: Mailer
  publicUrl: string
  log: FastifyBaseLogger
}

/** Issues the invitation (refusals: the user is not reached or not there) and mails it once committed. */
export async function sendInvitation(
  deps: AccountMailDeps,
  actor: Actor,
  resellerId: string,
  id: string,
): Promise<void> {
  const toMail = await deps.db.transaction((tx) => inviteUser(tx, actor, resellerId, id))
  deps.mailer.send(invitationMail(deps.publicUrl, toMail))
}

/**
 * Starts a password reset and returns at once. Everything that depends on whether the account exists (the
 * look-up, the throttle, the link, its event, the mail) runs after the answer, so the answer cannot tell.
 */
export function startPasswordReset(
  deps: AccountMailDeps,
  facts: RequestFacts,
  accountAlias: string,
  email: string,
): void {
  deps.mailer.later('a password reset request', async () => {
    const outcome = await requestPasswordReset(deps.db, facts, accountAlias, email)
    if (outcome.kind === 'issued') deps.mailer.send(resetMail(deps.publicUrl, outcome.mail))
    else if (outcome.kind === 'throttled')
      deps.log.warn(
        { userId: outcome.userId, correlationId: facts.correlationId },
        'password reset not sent: the user had as many reset mails as an hour allows',
      )
  })
}
