// Resellers: the v3 list (search, pages); for a csp session (a platform admin's API client, the only token the API
// lets write resellers: domain/reach.ts) create and edit with the API's validation messages next to their fields,
// and delete after a confirmation. A reseller's own session sees its reseller, read only.
import { type FormEvent, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, mayWriteAsCsp, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, messageFor } from '../ui.tsx'
import {
  confirmDelete,
  FormCard,
  limitValue,
  PAGE_SIZE,
  Pager,
  RowActions,
  SearchForm,
  usePagedList,
} from './admin-kit.tsx'

type Reseller = paths['/v3/resellers']['get']['responses']['200']['content']['application/json'][number]

const FIELDS = ['name', 'email', 'description', 'allowedUsers', 'allowedOrganizations']

export function ResellersPage(props: { session: Session }) {
  const mayWrite = mayWriteAsCsp(props.session, 'reseller:write')
  const list = usePagedList<Reseller>(
    (page, search) =>
      api.GET('/v3/resellers', {
        params: { query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) } },
      }),
    [],
  )
  const [editing, setEditing] = useState<Reseller | 'new' | null>(null)
  const [notice, setNotice] = useState('')

  function done(message: string) {
    setEditing(null)
    setNotice(message)
    list.reload()
  }

  async function remove(reseller: Reseller) {
    setNotice('')
    if (!confirmDelete(`the reseller ${reseller.name}`)) return
    const { response, error } = await api.DELETE('/v3/resellers/{id}', {
      params: { path: { id: reseller.id } },
    })
    if (response.ok) done(`Reseller ${reseller.name} deleted.`)
    else list.setError(error as ApiError)
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
      <SearchForm label="Search resellers" onSearch={list.setSearch} />
      {list.error ? <Alert>{list.error.message}</Alert> : null}
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
            {(list.items ?? []).map((reseller) => (
              <tr key={reseller.id}>
                <td>{reseller.name}</td>
                <td>{reseller.email}</td>
                <td>{reseller.allowedUsers < 0 ? 'No limit' : reseller.allowedUsers}</td>
                <td>{reseller.allowedOrganizations < 0 ? 'No limit' : reseller.allowedOrganizations}</td>
                <td>{formatDate(reseller.createdAt)}</td>
                {mayWrite ? (
                  <RowActions
                    name={reseller.name}
                    onEdit={() => setEditing(reseller)}
                    onDelete={() => void remove(reseller)}
                  />
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.items && list.items.length === 0 ? <p>No reseller matches.</p> : null}
      <Pager
        page={list.page}
        total={list.total}
        shown={list.items?.length ?? null}
        noun="resellers"
        onPage={list.setPage}
      />
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
    if (data) props.onDone(`Reseller ${data.name} ${existing ? 'saved' : 'created'}.`)
    else setError(refused as ApiError)
  }

  const title = existing ? `Edit ${existing.name}` : 'New reseller'
  const field = (label: string, key: string, value: string, onChange: (v: string) => void) => (
    <Field
      label={label}
      name={key}
      value={value}
      onChange={onChange}
      error={messageFor(error, key)}
      required={key === 'name' || key === 'email'}
      {...(key === 'email' ? { type: 'email' } : {})}
      {...(key.startsWith('allowed') ? { inputMode: 'numeric' as const } : {})}
    />
  )
  return (
    <FormCard
      title={title}
      submitLabel={existing ? 'Save reseller' : 'Create reseller'}
      error={error}
      fields={FIELDS}
      onSubmit={submit}
      onCancel={props.onCancel}
    >
      <div className="grid">
        {field('Name', 'name', name, setName)}
        {field('Email', 'email', email, setEmail)}
        {field('Description', 'description', description, setDescription)}
        {field('Allowed users', 'allowedUsers', allowedUsers, setAllowedUsers)}
        {field(
          'Allowed organizations',
          'allowedOrganizations',
          allowedOrganizations,
          setAllowedOrganizations,
        )}
      </div>
      <p className="hint">Leave Allowed users and Allowed organizations empty for no limit.</p>
    </FormCard>
  )
}
