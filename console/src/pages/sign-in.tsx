// Sign-in: POST /v3/accounts/login with the tenant's domain as the account alias; the two-factor code is asked for
// when the API answers TWO_FACTOR_REQUIRED. Or, for a platform admin, an API client's credentials (client-credentials
// grant), the second way in.
import { type FormEvent, useEffect, useState } from 'react'
import { api, rememberAccountAlias, signInWithClient, startSession } from '../session.ts'
import { Alert, type ApiError, Field, Link } from '../ui.tsx'

interface IdentityProvider {
  id: string
  name: string
}

export function SignInPage(props: { refusal: string | null }) {
  const [providers, setProviders] = useState<IdentityProvider[]>([])
  useEffect(() => {
    void fetch('/console/config.json')
      .then((response) => (response.ok ? response.json() : { identityProviders: [] }))
      .then((settings: { identityProviders: IdentityProvider[] }) => setProviders(settings.identityProviders))
  }, [])
  const [accountAlias, setAccountAlias] = useState(window.location.hostname)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [needsCode, setNeedsCode] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [withClient, setWithClient] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const { data, error: refused } = await api.POST('/v3/accounts/login', {
      body: { accountAlias, email, password, ...(needsCode && code ? { code } : {}) },
    })
    setBusy(false)
    if (data) {
      rememberAccountAlias(accountAlias)
      startSession(data)
      return
    }
    const answer = refused as ApiError
    if (answer?.code === 'TWO_FACTOR_REQUIRED') {
      setNeedsCode(true)
      return
    }
    setError(answer ?? { message: 'The service did not answer.', code: null })
  }

  if (withClient)
    return (
      <main className="narrow" id="main">
        <h1>Sign in</h1>
        <ClientSignIn accountAlias={accountAlias} onBack={() => setWithClient(false)} />
      </main>
    )

  return (
    <main className="narrow" id="main">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate>
        <Field
          label="Account alias"
          name="accountAlias"
          value={accountAlias}
          onChange={setAccountAlias}
          required
          autoComplete="organization"
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={setEmail}
          required
          autoComplete="username"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="current-password"
        />
        {needsCode ? (
          <Field
            label="Two-factor code"
            name="code"
            value={code}
            onChange={setCode}
            required
            autoComplete="one-time-code"
            inputMode="numeric"
          />
        ) : null}
        {needsCode ? (
          <Alert tone="info">Enter the code of your authenticator app, or a recovery code.</Alert>
        ) : null}
        {error ? <Alert>{error.message}</Alert> : props.refusal ? <Alert>{props.refusal}</Alert> : null}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {providers.map((provider) => (
        <p key={provider.id}>
          <a
            className="button secondary"
            href={`/v3/accounts/oidc/start?${new URLSearchParams({
              accountAlias,
              returnTo: `${window.location.origin}/console/`,
              provider: provider.id,
            })}`}
          >
            Sign in with {provider.name}
          </a>
        </p>
      ))}
      <p>
        <Link to="/reset-password">Forgot your password?</Link>
      </p>
      <p>
        <button type="button" className="secondary" onClick={() => setWithClient(true)}>
          Sign in with an API client
        </button>
      </p>
    </main>
  )
}

/** A platform admin's way in: a csp API client's id and secret; the secret leaves the page with the request. */
function ClientSignIn(props: { accountAlias: string; onBack: () => void }) {
  // The tenant's domain, which v1 calls name in X-Tenant (the groups page).
  const [accountAlias, setAccountAlias] = useState(props.accountAlias)
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    rememberAccountAlias(accountAlias)
    const refusal = await signInWithClient(clientId.trim(), clientSecret)
    if (!refusal) return
    setBusy(false)
    setError(refusal)
    setClientSecret('')
  }

  return (
    <>
      <form onSubmit={submit} noValidate aria-label="Sign in with an API client">
        <h2>With an API client</h2>
        <p className="hint">For platform admins: the credentials of a csp API client.</p>
        <Field
          label="Account alias"
          name="accountAlias"
          value={accountAlias}
          onChange={setAccountAlias}
          required
          autoComplete="organization"
        />
        <Field
          label="Client ID"
          name="clientId"
          value={clientId}
          onChange={setClientId}
          required
          autoComplete="username"
        />
        <Field
          label="Client secret"
          name="clientSecret"
          type="password"
          value={clientSecret}
          onChange={setClientSecret}
          required
          autoComplete="current-password"
        />
        {error ? <Alert>{error}</Alert> : null}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p>
        <button type="button" className="secondary" onClick={props.onBack}>
          Sign in with email and password
        </button>
      </p>
    </>
  )
}
