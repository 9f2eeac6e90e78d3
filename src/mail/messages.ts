// The two mails the service sends, text and simple HTML: an invitation and a password reset, each with its link.
// The token travels in the link's fragment (#token=…), which a browser sends to no server: it reaches no access
// log and no Referer. The console pages at these paths read it from there (the console comes later).
import type { LinkToMail } from '../domain/users/account-links.ts'
import type { Mail } from './mailer.ts'

export const INVITATION_PAGE = '/console/accept-invitation'
export const RESET_PAGE = '/console/reset-password'

export const linkTo = (publicUrl: string, page: string, token: string): string =>
  `${publicUrl}${page}#token=${token}`

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

/** A time as a person reads it, in UTC: 2026-12-11 12:00 UTC. */
const readable = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`

function compose(
  subject: string,
  greeting: string,
  lines: { intro: string; action: string; until: string; ignore: string },
  link: string,
): Pick<Mail, 'subject' | 'text' | 'html'> {
  const text = [
    greeting,
    '',
    lines.intro,
    '',
    `${lines.action}:`,
    link,
    '',
    lines.until,
    lines.ignore,
    '',
  ].join('\n')
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(lines.intro)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(lines.action)}</a></p>`,
    `<p>${escapeHtml(lines.until)} ${escapeHtml(lines.ignore)}</p>`,
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}

const accountOf = ({ user, tenantDomain }: LinkToMail) =>
  tenantDomain ? `${user.email} at ${tenantDomain}` : user.email

export function invitationMail(publicUrl: string, toMail: LinkToMail): Mail {
  const { user, link } = toMail
  return {
    to: user.email,
    purpose: 'invitation',
    userId: user.id,
    ...compose(
      'You are invited: set your password',
      `Hello ${user.firstName},`,
      {
        intro: `You have been given an account, ${accountOf(toMail)}.`,
        action: 'Set your password',
        until: `The link works once, until ${readable(link.expiresAt)}.`,
        ignore: 'If you did not expect this invitation, ignore this mail.',
      },
      linkTo(publicUrl, INVITATION_PAGE, link.token),
    ),
  }
}

export function resetMail(publicUrl: string, toMail: LinkToMail): Mail {
  const { user, link } = toMail
  return {
    to: user.email,
    purpose: 'password-reset',
    userId: user.id,
    ...compose(
      'Reset your password',
      `Hello ${user.firstName},`,
      {
        intro: `Someone, we hope you, asked to reset the password of your account, ${accountOf(toMail)}.`,
        action: 'Choose a new password',
        until: `The link works once, until ${readable(link.expiresAt)}.`,
        ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
      },
      linkTo(publicUrl, RESET_PAGE, link.token),
    ),
  }
}
