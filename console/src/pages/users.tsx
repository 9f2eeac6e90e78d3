// A reseller's users: the v3 list (search, filters, sort, pages), create with the API's validation messages next
// to their fields, edit, delete. Each action shows only for the scope that allows it.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, Link, messageFor, SelectField } from '../ui.tsx'

export type User =
  paths['/v3/resellers/{resellerId}/users']['get']['responses']['200']['content']['application/json'][number]

const PAGE_SIZE = 20
const BUILTIN_ROLES = ['user', 'organization-admin', 'reseller-admin']

/** The roles one may give: the tenant's, when the user may read them; else the built-ins. */
export function useRoles(session: Session): string[] {
  const [roles, setRoles] = useState(BUILTIN_ROLES)
  useEffect(() => {
    if (!may(session, 'role:read')) return
    void api.GET('/v3/roles', { params: { query: { limit: 100 } } }).then(({ data }) => {
      if (data) setRoles(data.map((role) => role.name))
    })
  }, [session])
  return roles
}

export function UsersPage(props: { session: Session; resellerId: string; query: URLSearchParams }) {
  const { session, resellerId } = props
  const [search, setSearch] = useState(props.query.get('search') ?? '')
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('')
  const [sort, setSort] = useState('-createdAt')
  const [page, setPage] = useState(1)
  const [applied, setApplied] = useState({ search, email, role })
  const [users, setUsers] = useState<User[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [creating, setCreating] = useState(false)
  const [reload, setReload] = useState(0)
  const roles = useRoles(session)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    let live = true
    void api
      .GET('/v3/resellers/{resellerId}/users', {
        params: {
          path: { resellerId },
          query: {
            page,
            limit: PAGE_SIZE,
            sort,
            ...(applied.search ? { search: applied.search } : {}),
            ...(applied.email ? { 'email[cn]': applied.email } : {}),
            ...(applied.role ? { role: applied.role } : {}),
          },
        },
      })
      .then(({ data, error: refused, response }) => {
        if (!live) return
        setUsers(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
        const count = response.headers.get('x-total-count')
        setTotal(count === null ? null : Number(count))
      })
    return () => {
      live = false
    }
  }, [resellerId, page, sort, applied, reload])

  function filter(event: FormEvent) {
    event.preventDefault()
    setPage(1)
    setApplied({ search, email, role })
  }

  const pages = total === null ? null : Math.max(1, Math.ceil(total / PAGE_SIZE))
  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
        {may(session, 'reseller:user:create') && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New user
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateUser
          resellerId={resellerId}
          roles={roles}
          onDone={() => {
            setCreating(false)
            setReload((n) => n + 1)
          }}
        />
      ) : null}
      <form className="filters" onSubmit={filter} aria-label="Filter users">
        <Field label="Search" name="search" value={search} onChange={setSearch} />
        <Field label="Email contains" name="email" value={email} onChange={setEmail} />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onChange={setRole}
          options={[{ value: '', label: 'Any role' }, ...roles.map((r) => ({ value: r, label: r }))]}
        />
        <SelectField
          label="Sort by"
          name="sort"
          value={sort}
          onChange={(value) => {
            setSort(value)
            setPage(1)
          }}
          options={[
            { value: '-createdAt', label: 'Newest first' },
            { value: 'createdAt', label: 'Oldest first' },
            { value: 'name', label: 'Name A–Z' },
            { value: '-name', label: 'Name Z–A' },
            { value: 'email', label: 'Email A–Z' },
          ]}
        />
        <button type="submit">Filter</button>
        <button type="button" className="secondary" onClick={() => void exportCsv(resellerId, applied)}>
          Export CSV
        </button>
      </form>
      {error ? <Alert>{error.message}</Alert> : null}
      <table>
        <caption className="visually-hidden">Users of the reseller</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Company</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((user) => (
            <tr key={user.id}>
              <td>
                <Link to={`/users/${user.id}`}>{user.name || user.email}</Link>
              </td>
              <td>{user.email}</td>
              <td>{user.role}</td>
              <td>{user.company}</td>
              <td>{formatDate(user.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {users && users.length === 0 ? <p>No user matches.</p> : null}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
          Previous page
        </button>
        <span>
          Page {page}
          {pages ? ` of ${pages}` : ''}
          {total !== null ? ` (${total} users)` : ''}
        </span>
        <button
          type="button"
          disabled={users === null || users.length < PAGE_SIZE}
          onClick={() => setPage((p) => p + 1)}
        >
          Next page
        </button>
      </nav>
    </>
  )
}

function CreateUser(props: { resellerId: string; roles: string[]; onDone: () => void }) {
  const [firstName, setFirstName] = useState('')
  const [lastName, setLastName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState('user')
  const [company, setCompany] = useState('')
  const [allowCustomerPortalAccess, setAllow] = useState(true)
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/resellers/{resellerId}/users', {
      params: { path: { resellerId: props.resellerId } },
      body: {
        firstName,
        lastName: lastName || null,
        email,
        password,
        role,
        company: company || null,
        allowCustomerPortalAccess,
      },
    })
    if (data) props.onDone()
    else setError(refused as ApiError)
  }

  const unplaced =
    error &&
    !['firstName', 'lastName', 'email', 'password', 'role', 'company'].some((f) => messageFor(error, f))
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      <div className="grid">
        <Field
          label="First name"
          name="firstName"
          value={firstName}
          onChange={setFirstName}
          error={messageFor(error, 'firstName')}
          required
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
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          error={messageFor(error, 'password')}
          autoComplete="new-password"
          required
        />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onChange={setRole}
          error={messageFor(error, 'role')}
          options={props.roles.map((r) => ({ value: r, label: r }))}
        />
        <Field
          label="Company"
          name="company"
          value={company}
          onChange={setCompany}
          error={messageFor(error, 'company')}
        />
      </div>
      <div className="check">
        <input
          id="allow-portal"
          type="checkbox"
          checked={allowCustomerPortalAccess}
          onChange={(event) => setAllow(event.target.checked)}
        />
        <label htmlFor="allow-portal">Allow customer portal access</label>
      </div>
      {unplaced ? <Alert>{error.message}</Alert> : null}
      <div className="actions">
        <button type="submit">Create user</button>
        <button type="button" className="secondary" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

/** The filtered users as CSV (the API streams it), saved through a blob: the request carries the bearer token. */
async function exportCsv(resellerId: string, applied: { search: string; email: string; role: string }) {
  const { data, response } = await api.GET('/v3/resellers/{resellerId}/users/export', {
    params: {
      path: { resellerId },
      query: {
        ...(applied.search ? { search: applied.search } : {}),
        ...(applied.email ? { 'email[cn]': applied.email } : {}),
        ...(applied.role ? { role: applied.role } : {}),
      },
    },
    parseAs: 'blob',
  })
  if (!response.ok || !(data instanceof Blob)) return
  const url = URL.createObjectURL(data)
  const link = document.createElement('a')
  link.href = url
  link.download = 'users.csv'
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
