// The reseller's organizations: list with search and pages, create (the API's messages next to their fields),
// delete. Each action shows only for the scope that allows it.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, messageFor } from '../ui.tsx'

type Organization =
  paths['/v3/resellers/{resellerId}/organizations']['get']['responses']['200']['content']['application/json'][number]
const PAGE_SIZE = 20

export function OrganizationsPage(props: { session: Session }) {
  const { session } = props
  const resellerId = session.resellerId ?? ''
  const [search, setSearch] = useState('')
  const [applied, setApplied] = useState('')
  const [page, setPage] = useState(1)
  const [rows, setRows] = useState<Organization[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [creating, setCreating] = useState(false)
  const [reload, setReload] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    void api
      .GET('/v3/resellers/{resellerId}/organizations', {
        params: {
          path: { resellerId },
          query: { page, limit: PAGE_SIZE, sort: 'name', ...(applied ? { search: applied } : {}) },
        },
      })
      .then(({ data, error: refused }) => {
        setRows(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
      })
  }, [resellerId, page, applied, reload])

  async function remove(organization: Organization) {
    if (!window.confirm(`Delete ${organization.name}?`)) return
    const { response, error: refused } = await api.DELETE('/v3/resellers/{resellerId}/organizations/{id}', {
      params: { path: { resellerId, id: organization.id } },
    })
    if (response.ok) setReload((n) => n + 1)
    else setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>Organizations</h1>
        {may(session, 'reseller:organization:create') && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New organization
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateOrganization
          resellerId={resellerId}
          onDone={() => {
            setCreating(false)
            setReload((n) => n + 1)
          }}
        />
      ) : null}
      <form
        className="filters"
        aria-label="Filter organizations"
        onSubmit={(event: FormEvent) => {
          event.preventDefault()
          setPage(1)
          setApplied(search)
        }}
      >
        <Field label="Search" name="search" value={search} onChange={setSearch} />
        <button type="submit">Filter</button>
      </form>
      {error ? <Alert>{error.message}</Alert> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Allowed users</th>
            <th scope="col">Created</th>
            {may(session, 'reseller:organization:delete') ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).map((organization) => (
            <tr key={organization.id}>
              <td>{organization.name}</td>
              <td>{organization.email}</td>
              <td>{organization.allowedUsers === -1 ? 'Unlimited' : organization.allowedUsers}</td>
              <td>{formatDate(organization.createdAt)}</td>
              {may(session, 'reseller:organization:delete') ? (
                <td>
                  <button type="button" className="danger" onClick={() => void remove(organization)}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {rows && rows.length === 0 ? <p>No organization matches.</p> : null}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
          Previous page
        </button>
        <span>Page {page}</span>
        <button
          type="button"
          disabled={rows === null || rows.length < PAGE_SIZE}
          onClick={() => setPage((p) => p + 1)}
        >
          Next page
        </button>
      </nav>
    </>
  )
}

function CreateOrganization(props: { resellerId: string; onDone: () => void }) {
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [description, setDescription] = useState('')
  const [allowedUsers, setAllowedUsers] = useState('-1')
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/resellers/{resellerId}/organizations', {
      params: { path: { resellerId: props.resellerId } },
      body: { name, email, description: description || null, allowedUsers: Number(allowedUsers) },
    })
    if (data) props.onDone()
    else setError(refused as ApiError)
  }
  const placed = ['name', 'email', 'description', 'allowedUsers'].some((f) => messageFor(error, f))
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-organization-title">
      <h2 id="new-organization-title">New organization</h2>
      <div className="grid">
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          error={messageFor(error, 'name')}
          required
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
          label="Description"
          name="description"
          value={description}
          onChange={setDescription}
          error={messageFor(error, 'description')}
        />
        <Field
          label="Allowed users (-1: unlimited)"
          name="allowedUsers"
          inputMode="numeric"
          value={allowedUsers}
          onChange={setAllowedUsers}
          error={messageFor(error, 'allowedUsers')}
        />
      </div>
      {error && !placed ? <Alert>{error.message}</Alert> : null}
      <div className="actions">
        <button type="submit">Create organization</button>
        <button type="button" className="secondary" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
