// Resellers (platform admins): the v3 list (search, pages), create and edit with the API's validation messages
// next to their fields, delete after a confirmation. Buttons show only for reseller:write.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, mayWriteAsCsp, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, messageFor } from '../ui.tsx'
import {
  confirmDelete,
  limitValue,
  PAGE_SIZE,
  Pager,
  SearchForm,
  totalOf,
  unplacedMessage,
  useFocusOnOpen,
} from './admin-kit.tsx'

type Reseller = paths['/v3/resellers']['get']['responses']['200']['content']['application/json'][number]

const FIELDS = ['name', 'email', 'description', 'allowedUsers', 'allowedOrganizations']

export function ResellersPage(props: { session: Session }) {
  const mayWrite = mayWriteAsCsp(props.session, 'reseller:write')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(1)
  const [resellers, setResellers] = useState<Reseller[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [editing, setEditing] = useState<Reseller | 'new' | null>(null)
  const [notice, setNotice] = useState('')
  const [reload, setReload] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    let live = true
    void api
      .GET('/v3/resellers', {
        params: { query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) } },
      })
      .then(({ data, error: refused, response }) => {
        if (!live) return
        setResellers(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
        setTotal(totalOf(response))
      })
    return () => {
      live = false
    }
  }, [page, search, reload])

  function done(message: string) {
    setEditing(null)
    setNotice(message)
    setReload((n) => n + 1)
  }

  async function remove(reseller: Reseller) {
    setNotice('')
    if (!confirmDelete(`the reseller ${reseller.name}`)) return
    const { response, error: refused } = await api.DELETE('/v3/resellers/{id}', {
      params: { path: { id: reseller.id } },
    })
    if (response.ok) done(`Reseller ${reseller.name} deleted.`)
    else setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>Resellers</h1>
        {mayWrite && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            New reseller
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <ResellerForm
          key={editing === 'new' ? 'new' : editing.id}
          reseller={editing === 'new' ? null : editing}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      <SearchForm
        label="Search resellers"
        onSearch={(value) => {
          setPage(1)
          setSearch(value)
        }}
      />
      {error ? <Alert>{error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Resellers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Allowed users</th>
              <th scope="col">Allowed organizations</th>
              <th scope="col">Created</th>
              {mayWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {(resellers ?? []).map((reseller) => (
              <tr key={reseller.id}>
                <td>{reseller.name}</td>
                <td>{reseller.email}</td>
                <td>{reseller.allowedUsers < 0 ? 'No limit' : reseller.allowedUsers}</td>
                <td>{reseller.allowedOrganizations < 0 ? 'No limit' : reseller.allowedOrganizations}</td>
                <td>{formatDate(reseller.createdAt)}</td>
                {mayWrite ? (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Edit ${reseller.name}`}
                      onClick={() => setEditing(reseller)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${reseller.name}`}
                      onClick={() => void remove(reseller)}
                    >
                      Delete
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {resellers && resellers.length === 0 ? <p>No reseller matches.</p> : null}
      <Pager page={page} total={total} shown={resellers?.length ?? null} noun="resellers" onPage={setPage} />
    </>
  )
}

function ResellerForm(props: {
  reseller: Reseller | null
  onDone: (message: string) => void
  onCancel: () => void
}) {
  const existing = props.reseller
  const limitText = (n: number | undefined) => (n === undefined || n < 0 ? '' : String(n))
  const [name, setName] = useState(existing?.name ?? '')
  const [email, setEmail] = useState(existing?.email ?? '')
  const [description, setDescription] = useState(existing?.description ?? '')
  const [allowedUsers, setAllowedUsers] = useState(limitText(existing?.allowedUsers))
  const [allowedOrganizations, setAllowedOrganizations] = useState(limitText(existing?.allowedOrganizations))
  const [error, setError] = useState<ApiError | null>(null)

  const formRef = useFocusOnOpen()

  async function submit(event: FormEvent) {
    event.preventDefault()
    const body = {
      name,
      email,
      description: description || null,
      allowedUsers: limitValue(allowedUsers),
      allowedOrganizations: limitValue(allowedOrganizations),
    }
    const { data, error: refused } = existing
      ? await api.PATCH('/v3/resellers/{id}', { params: { path: { id: existing.id } }, body })
      : await api.POST('/v3/resellers', { body })
    if (data) props.onDone(existing ? `Reseller ${data.name} saved.` : `Reseller ${data.name} created.`)
    else setError(refused as ApiError)
  }

  const title = existing ? `Edit ${existing.name}` : 'New reseller'
  const unplaced = unplacedMessage(error, FIELDS)
  return (
    <form ref={formRef} className="card" onSubmit={submit} noValidate aria-label={title}>
      <h2>{title}</h2>
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
          label="Allowed users"
          name="allowedUsers"
          value={allowedUsers}
          onChange={setAllowedUsers}
          error={messageFor(error, 'allowedUsers')}
          inputMode="numeric"
        />
        <Field
          label="Allowed organizations"
          name="allowedOrganizations"
          value={allowedOrganizations}
          onChange={setAllowedOrganizations}
          error={messageFor(error, 'allowedOrganizations')}
          inputMode="numeric"
        />
      </div>
      <p className="hint">Leave Allowed users and Allowed organizations empty for no limit.</p>
      {unplaced ? <Alert>{unplaced}</Alert> : null}
      <div className="actions">
        <button type="submit">{existing ? 'Save reseller' : 'Create reseller'}</button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
