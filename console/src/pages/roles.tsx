// Roles and their claims: the built-ins (read-only) and the tenant's own, created with claims chosen by resource.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, messageFor } from '../ui.tsx'

type Role = paths['/v3/roles']['get']['responses']['200']['content']['application/json'][number]

export function RolesPage(props: { session: Session }) {
  const mayWrite = may(props.session, 'role:write')
  const [roles, setRoles] = useState<Role[] | null>(null)
  const [claims, setClaims] = useState<Record<string, string[]>>({})
  const [error, setError] = useState<ApiError | null>(null)
  const [creating, setCreating] = useState(false)
  const [reload, setReload] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    void api.GET('/v3/roles', { params: { query: { limit: 100 } } }).then(({ data, error: refused }) => {
      setRoles(data ?? [])
      setError((refused as ApiError | undefined) ?? null)
    })
  }, [reload])
  useEffect(() => {
    void api.GET('/v3/roles/claims').then(({ data }) => setClaims((data as Record<string, string[]>) ?? {}))
  }, [])

  async function remove(role: Role) {
    if (!window.confirm(`Delete the role ${role.name}?`)) return
    const { response, error: refused } = await api.DELETE('/v3/roles/{id}', {
      params: { path: { id: role.id } },
    })
    if (response.ok) setReload((n) => n + 1)
    else setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>Roles</h1>
        {mayWrite && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New role
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateRole
          claims={claims}
          onDone={() => {
            setCreating(false)
            setReload((n) => n + 1)
          }}
        />
      ) : null}
      {error ? <Alert>{error.message}</Alert> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Claims</th>
            {mayWrite ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {(roles ?? []).map((role) => (
            <tr key={role.id}>
              <td>
                {role.name}
                {role.isBuiltin ? <span className="muted"> (built-in)</span> : null}
              </td>
              <td>{role.description}</td>
              <td>{role.claims.length ? role.claims.join(', ') : '—'}</td>
              {mayWrite ? (
                <td>
                  {role.isBuiltin ? null : (
                    <button type="button" className="danger" onClick={() => void remove(role)}>
                      Delete
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function CreateRole(props: { claims: Record<string, string[]>; onDone: () => void }) {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [chosen, setChosen] = useState<string[]>([])
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/roles', {
      body: { name, description: description || null, claims: chosen },
    })
    if (data) props.onDone()
    else setError(refused as ApiError)
  }
  const toggle = (claim: string, on: boolean) =>
    setChosen((list) => (on ? [...list, claim] : list.filter((c) => c !== claim)))
  const placed = ['name', 'description'].some((f) => messageFor(error, f))
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-role-title">
      <h2 id="new-role-title">New role</h2>
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
          label="Description"
          name="description"
          value={description}
          onChange={setDescription}
          error={messageFor(error, 'description')}
        />
      </div>
      {Object.entries(props.claims).map(([resource, list]) => (
        <fieldset key={resource} className="claims">
          <legend>{resource}</legend>
          {list.map((claim) => (
            <div className="check" key={claim}>
              <input
                id={`claim-${claim}`}
                type="checkbox"
                checked={chosen.includes(claim)}
                onChange={(event) => toggle(claim, event.target.checked)}
              />
              <label htmlFor={`claim-${claim}`}>{claim}</label>
            </div>
          ))}
        </fieldset>
      ))}
      {error && !placed ? <Alert>{error.message}</Alert> : null}
      <div className="actions">
        <button type="submit">Create role</button>
        <button type="button" className="secondary" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
