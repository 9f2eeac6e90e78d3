// The signed-in user's own page: name, password and two-factor (GET/PATCH /v3/me, POST /v3/me/password, the
// two-factor enrolment). Every user has it, whatever its role.

import QRCode from 'qrcode'
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api } from '../session.ts'
import { Alert, type ApiError, Field, messageFor } from '../ui.tsx'

type Me = paths['/v3/me']['get']['responses']['200']['content']['application/json']

export function ProfilePage() {
  const [me, setMe] = useState<Me | null>(null)
  const [firstName, setFirstName] = useState('')
  const [lastName, setLastName] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')

  const show = useCallback((user: Me) => {
    setMe(user)
    setFirstName(user.firstName)
    setLastName(user.lastName)
  }, [])
  useEffect(() => {
    void api.GET('/v3/me').then(({ data, error: refused }) => {
      if (data) show(data)
      else setError(refused as ApiError)
    })
  }, [show])

  async function save(event: FormEvent) {
    event.preventDefault()
    setNotice('')
    const { data, error: refused } = await api.PATCH('/v3/me', { body: { firstName, lastName } })
    if (data) {
      show(data)
      setError(null)
      setNotice('Saved.')
    } else setError(refused as ApiError)
  }

  if (!me) return error ? <Alert>{error.message}</Alert> : <p>Loading…</p>
  return (
    <>
      <h1>Profile</h1>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Role</dt>
        <dd>{me.role}</dd>
        <dt>Two-factor</dt>
        <dd>{me.twoFactorEnabled ? 'On' : 'Off'}</dd>
      </dl>
      <form className="card" onSubmit={save} noValidate aria-labelledby="name-title">
        <h2 id="name-title">Name</h2>
        <Field
          label="First name"
          name="firstName"
          value={firstName}
          onChange={setFirstName}
          error={messageFor(error, 'firstName')}
        />
        <Field
          label="Last name"
          name="lastName"
          value={lastName}
          onChange={setLastName}
          error={messageFor(error, 'lastName')}
        />
        {notice ? <Alert tone="info">{notice}</Alert> : null}
        <button type="submit">Save</button>
      </form>
      <PasswordForm />
      <TwoFactor
        enabled={me.twoFactorEnabled}
        onChange={() => void api.GET('/v3/me').then((r) => r.data && show(r.data))}
      />
    </>
  )
}

function PasswordForm() {
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  async function submit(event: FormEvent) {
    event.preventDefault()
    setNotice('')
    const { response, error: refused } = await api.POST('/v3/me/password', {
      body: { currentPassword, newPassword },
    })
    if (response.ok) {
      setError(null)
      setCurrent('')
      setNew('')
      setNotice('Password changed. Your other sessions have ended.')
    } else setError(refused as ApiError)
  }
  const placed = messageFor(error, 'currentPassword') || messageFor(error, 'newPassword')
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        value={currentPassword}
        onChange={setCurrent}
        error={messageFor(error, 'currentPassword')}
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        value={newPassword}
        onChange={setNew}
        error={messageFor(error, 'newPassword')}
      />
      {error && !placed ? <Alert>{error.message}</Alert> : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      <button type="submit">Change password</button>
    </form>
  )
}

function TwoFactor(props: { enabled: boolean; onChange: () => void }) {
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null)
  const [qrCode, setQrCode] = useState('')
  const [code, setCode] = useState('')
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  async function start() {
    const { data, error: refused } = await api.POST('/v3/me/two-factor')
    if (data) {
      setEnrolment(data)
      // A data: image (the CSP allows img-src data:), drawn in the page: the secret goes to no other server.
      setQrCode(await QRCode.toDataURL(data.otpauthUri, { margin: 2, width: 200 }))
    } else setError(refused as ApiError)
  }
  async function confirm(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/me/two-factor/confirm', { body: { code } })
    if (data) {
      setRecoveryCodes((data as { recoveryCodes?: string[] }).recoveryCodes ?? [])
      setEnrolment(null)
      setCode('')
      setError(null)
      props.onChange()
    } else setError(refused as ApiError)
  }
  async function turnOff(event: FormEvent) {
    event.preventDefault()
    const { response, error: refused } = await api.DELETE('/v3/me/two-factor', { body: { code } })
    if (response.ok) {
      setCode('')
      setError(null)
      props.onChange()
    } else setError(refused as ApiError)
  }

  return (
    <section className="card" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">Two-factor sign-in</h2>
      {recoveryCodes ? (
        <Alert tone="info">
          Two-factor is on. Keep these recovery codes; they are shown once:
          <ul className="codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {error ? <Alert>{error.message}</Alert> : null}
      {props.enabled ? (
        <form onSubmit={turnOff} noValidate>
          <Field
            label="Two-factor code"
            name="code"
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
          />
          <button type="submit" className="danger">
            Turn two-factor off
          </button>
        </form>
      ) : enrolment ? (
        <form onSubmit={confirm} noValidate>
          <p>Scan this code with your authenticator app (or type the key), then enter the code it shows.</p>
          {qrCode ? <img src={qrCode} width={200} height={200} alt="QR code of the two-factor key" /> : null}
          <p>
            Key: <code>{enrolment.secret}</code>
          </p>
          <p className="muted">
            <code>{enrolment.otpauthUri}</code>
          </p>
          <Field
            label="Two-factor code"
            name="code"
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
          />
          <button type="submit">Turn two-factor on</button>
        </form>
      ) : (
        <button type="button" onClick={start}>
          Set up two-factor
        </button>
      )}
    </section>
  )
}
