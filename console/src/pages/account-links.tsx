// The pages the service's mails link to: /console/accept-invitation#token=… and /console/reset-password#token=…
// (the token in the fragment reaches no server); and the request for a reset link.
import { type FormEvent, useState } from 'react'
import { api } from '../session.ts'
import { Alert, type ApiError, Field, Link, messageFor } from '../ui.tsx'

const tokenOfFragment = () => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? ''

export function SetPasswordPage(props: { kind: 'invitation' | 'reset' }) {
  const token = tokenOfFragment()
  const [password, setPassword] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [done, setDone] = useState(false)
  const title = props.kind === 'invitation' ? 'Accept your invitation' : 'Choose a new password'

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { response, error: refused } =
      props.kind === 'invitation'
        ? await api.POST('/v3/accounts/invitations/accept', { body: { token, password } })
        : await api.POST('/v3/accounts/password-reset/confirm', { body: { token, password } })
    if (response.ok) setDone(true)
    else setError(refused as ApiError)
  }

  if (!token && props.kind === 'reset') return <RequestResetPage />
  return (
    <main className="narrow" id="main">
      <h1>{title}</h1>
      {done ? (
        <Alert tone="info">
          Your password is set. <Link to="/">Sign in</Link>
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            error={messageFor(error, 'password')}
            required
          />
          {error && !messageFor(error, 'password') ? <Alert>{error.message}</Alert> : null}
          <button type="submit">Set password</button>
        </form>
      )}
    </main>
  )
}

function RequestResetPage() {
  const [accountAlias, setAccountAlias] = useState(window.location.hostname)
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  async function submit(event: FormEvent) {
    event.preventDefault()
    const { response, error: refused } = await api.POST('/v3/accounts/password-reset', {
      body: { accountAlias, email },
    })
    if (response.ok) setSent(true)
    else setError(refused as ApiError)
  }
  return (
    <main className="narrow" id="main">
      <h1>Reset your password</h1>
      {sent ? (
        <Alert tone="info">If the account exists, a link to choose a new password is on its way.</Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label="Account alias" name="accountAlias" value={accountAlias} onChange={setAccountAlias} />
          <Field label="Email" name="email" type="email" value={email} onChange={setEmail} />
          {error ? <Alert>{error.message}</Alert> : null}
          <button type="submit">Send the link</button>
        </form>
      )}
      <p>
        <Link to="/">Back to sign-in</Link>
      </p>
    </main>
  )
}
