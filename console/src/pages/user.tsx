// One user of the reseller: edit its fields (the API's messages next to them), invite, unlock, reset its
// two-factor, delete; its audit log one link away. Each action shows only for the scope that allows it.
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, Link, messageFor, navigate, SelectField } from '../ui.tsx'
import { type User, useRoles } from './users.tsx'

export function UserPage(props: { session: Session; resellerId: string; id: string }) {
  const { session, id, resellerId } = props
  const path = { resellerId, id }
  const [user, setUser] = useState<User | null>(null)
  const [firstName, setFirstName] = useState('')
  const [lastName, setLastName] = useState('')
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('')
  const [company, setCompany] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  const roles = useRoles(session)
  const mayUpdate = may(session, 'reseller:user:update')

  const show = useCallback((u: User) => {
    setUser(u)
    setFirstName(u.firstName)
    setLastName(u.lastName)
    setEmail(u.email)
    setRole(u.role)
    setCompany(u.company ?? '')
  }, [])
  useEffect(() => {
    void api
      .GET('/v3/resellers/{resellerId}/users/{id}', { params: { path: { resellerId, id } } })
      .then((r) => {
        if (r.data) show(r.data)
        else setError(r.error as ApiError)
      })
  }, [resellerId, id, show])

  async function save(event: FormEvent) {
    event.preventDefault()
    setNotice('')
    const { data, error: refused } = await api.PATCH('/v3/resellers/{resellerId}/users/{id}', {
      params: { path },
      body: { firstName, lastName, email, role, company },
    })
    if (data) {
      show(data)
      setError(null)
      setNotice('Saved.')
    } else setError(refused as ApiError)
  }

  async function act(label: string, run: () => Promise<{ error?: unknown; response: Response }>) {
    setNotice('')
    const { error: refused, response } = await run()
    if (response.ok) setNotice(label)
    else setError(refused as ApiError)
  }

  if (!user) return error ? <Alert>{error.message}</Alert> : <p>Loading…</p>
  return (
    <>
      <p>
        <Link to="/users">← Users</Link>
      </p>
      <h1>{user.name || user.email}</h1>
      <form className="card" onSubmit={save} noValidate aria-label="Edit user">
        <fieldset disabled={!mayUpdate}>
          <legend>Details</legend>
          <div className="grid">
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
            <Field
              label="Email"
              name="email"
              type="email"
              value={email}
              onChange={setEmail}
              error={messageFor(error, 'email')}
            />
            <SelectField
              label="Role"
              name="role"
              value={role}
              onChange={setRole}
              error={messageFor(error, 'role')}
              options={(roles.includes(role) ? roles : [role, ...roles]).map((r) => ({ value: r, label: r }))}
            />
            <Field
              label="Company"
              name="company"
              value={company}
              onChange={setCompany}
              error={messageFor(error, 'company')}
            />
          </div>
          {mayUpdate ? <button type="submit">Save</button> : null}
        </fieldset>
      </form>
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      {error && !notice ? <Alert>{error.message}</Alert> : null}
      <dl className="facts">
        <dt>Two-factor</dt>
        <dd>{user.twoFactorEnabled ? 'On' : 'Off'}</dd>
        <dt>Last sign-in</dt>
        <dd>{formatDate(user.lastLoginAt)}</dd>
        <dt>Created</dt>
        <dd>{formatDate(user.createdAt)}</dd>
      </dl>
      <div className="actions">
        {mayUpdate ? (
          <>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                act('Invitation sent.', () =>
                  api.POST('/v3/resellers/{resellerId}/users/{id}/invitations', { params: { path } }),
                )
              }
            >
              Send invitation
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                act('Unlocked.', () =>
                  api.POST('/v3/resellers/{resellerId}/users/{id}/unlock', { params: { path } }),
                )
              }
            >
              Unlock
            </button>
            {user.twoFactorEnabled ? (
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  act('Two-factor reset.', () =>
                    api.DELETE('/v3/resellers/{resellerId}/users/{id}/two-factor', { params: { path } }),
                  )
                }
              >
                Reset two-factor
              </button>
            ) : null}
          </>
        ) : null}
        <Link to={`/audit?resourceId=${user.id}`}>Audit log of this user</Link>
        {may(session, 'reseller:user:delete') ? (
          <button
            type="button"
            className="danger"
            onClick={async () => {
              if (!window.confirm(`Delete ${user.email}?`)) return
              const { response, error: refused } = await api.DELETE('/v3/resellers/{resellerId}/users/{id}', {
                params: { path },
              })
              if (response.ok) navigate('/users')
              else setError(refused as ApiError)
            }}
          >
            Delete user
          </button>
        ) : null}
      </div>
    </>
  )
}
