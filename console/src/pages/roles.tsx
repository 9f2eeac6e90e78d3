// Roles with their claims: the v3 list (search, pages), each role's claims shown; for a csp session (the only token
// the API lets write roles: domain/reach.ts) create and edit a custom role (name, description, claims picked by
// resource from GET /v3/roles/claims) with the API's messages next to their fields, and delete after a
// confirmation. Built-in roles are read-only.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, mayWriteAsCsp, type Session } from '../session.ts'
import { Alert, type ApiError, Field, messageFor } from '../ui.tsx'
import {
  ChoiceGroups,
  confirmDelete,
  FormCard,
  PAGE_SIZE,
  Pager,
  RowActions,
  SearchForm,
  usePagedList,
} from './admin-kit.tsx'

type Role = paths['/v3/roles']['get']['responses']['200']['content']['application/json'][number]
type Claims = Record<string, string[]>

const FIELDS = ['name', 'description', 'claims']

export function RolesPage(props: { session: Session }) {
  const mayWrite = mayWriteAsCsp(props.session, 'role:write')
  const list = usePagedList<Role>(
    (page, search) =>
      api.GET('/v3/roles', {
        params: { query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) } },
      }),
    [],
  )
  const [claims, setClaims] = useState<Claims>({})
  const [editing, setEditing] = useState<Role | 'new' | null>(null)
  const [notice, setNotice] = useState('')

  useEffect(() => {
    if (!mayWrite) return
    void api.GET('/v3/roles/claims').then(({ data }) => {
      if (data) setClaims(data)
    })
  }, [mayWrite])

  function done(message: string) {
    setEditing(null)
    setNotice(message)
    list.reload()
  }

  async function remove(role: Role) {
    setNotice('')
    if (!confirmDelete(`the role ${role.name}`)) return
    const { response, error } = await api.DELETE('/v3/roles/{id}', { params: { path: { id: role.id } } })
    if (response.ok) done(`Role ${role.name} deleted.`)
    else list.setError(error as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>Roles</h1>
        {mayWrite && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            New role
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <RoleForm
          key={editing === 'new' ? 'new' : editing.id}
          role={editing === 'new' ? null : editing}
          claims={claims}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      <SearchForm label="Search roles" onSearch={list.setSearch} />
      {list.error ? <Alert>{list.error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Roles and their claims</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Claims</th>
              {mayWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {(list.items ?? []).map((role) => (
              <tr key={role.id}>
                <td>
                  {role.name}
                  {role.isBuiltin ? <span className="badge">built-in</span> : null}
                </td>
                <td>{role.description}</td>
                <td>
                  {role.claims.length ? (
                    <ul className="claims" aria-label={`Claims of ${role.name}`}>
                      {role.claims.map((claim) => (
                        <li key={claim}>
                          <code>{claim}</code>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    'None'
                  )}
                </td>
                {!mayWrite ? null : role.isBuiltin ? (
                  <td>Read-only</td>
                ) : (
                  <RowActions
                    name={role.name}
                    onEdit={() => setEditing(role)}
                    onDelete={() => void remove(role)}
                  />
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.items && list.items.length === 0 ? <p>No role matches.</p> : null}
      <Pager
        page={list.page}
        total={list.total}
        shown={list.items?.length ?? null}
        noun="roles"
        onPage={list.setPage}
      />
    </>
  )
}

function RoleForm(props: {
  role: Role | null
  claims: Claims
  onDone: (message: string) => void
  onCancel: () => void
}) {
  const existing = props.role
  const [name, setName] = useState(existing?.name ?? '')
  const [description, setDescription] = useState(existing?.description ?? '')
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(existing?.claims ?? []))
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const body = { name, description: description || null, claims: [...chosen] }
    const { data, error: refused } = existing
      ? await api.PATCH('/v3/roles/{id}', { params: { path: { id: existing.id } }, body })
      : await api.POST('/v3/roles', { body })
    if (data) props.onDone(`Role ${data.name} ${existing ? 'saved' : 'created'}.`)
    else setError(refused as ApiError)
  }

  function toggle(claim: string, on: boolean) {
    setChosen((set) => {
      const next = new Set(set)
      if (on) next.add(claim)
      else next.delete(claim)
      return next
    })
  }

  const title = existing ? `Edit ${existing.name}` : 'New role'
  return (
    <FormCard
      title={title}
      submitLabel={existing ? 'Save role' : 'Create role'}
      error={error}
      fields={FIELDS}
      onSubmit={submit}
      onCancel={props.onCancel}
    >
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
      <ChoiceGroups
        legend="Claims"
        groups={props.claims}
        chosen={chosen}
        onToggle={toggle}
        idPrefix="claim"
        error={messageFor(error, 'claims')}
      />
    </FormCard>
  )
}
