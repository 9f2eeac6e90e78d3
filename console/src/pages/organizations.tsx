// The signed-in reseller's organizations: the v3 list (search, pages), create and edit with the seed's fields and
// the API's validation messages next to them, delete after a confirmation. Each action shows only for its scope.
import { type FormEvent, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
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

type Organization =
  paths['/v3/resellers/{resellerId}/organizations']['get']['responses']['200']['content']['application/json'][number]

const ADDRESS = [
  ['addressLine1', 'Address line 1'],
  ['addressLine2', 'Address line 2'],
  ['city', 'City'],
  ['state', 'State'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
] as const
type AddressKey = (typeof ADDRESS)[number][0]
const FIELDS = ['name', 'email', 'description', 'allowedUsers', ...ADDRESS.map(([key]) => `address.${key}`)]

export function OrganizationsPage(props: { session: Session; resellerId: string }) {
  const { session, resellerId } = props
  const mayUpdate = may(session, 'reseller:organization:update')
  const mayDelete = may(session, 'reseller:organization:delete')
  const list = usePagedList<Organization>(
    (page, search) =>
      api.GET('/v3/resellers/{resellerId}/organizations', {
        params: {
          path: { resellerId },
          query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) },
        },
      }),
    [resellerId],
  )
  const [editing, setEditing] = useState<Organization | 'new' | null>(null)
  const [notice, setNotice] = useState('')

  function done(message: string) {
    setEditing(null)
    setNotice(message)
    list.reload()
  }

  async function remove(organization: Organization) {
    setNotice('')
    if (!confirmDelete(`the organization ${organization.name}`)) return
    const { response, error: refused } = await api.DELETE('/v3/resellers/{resellerId}/organizations/{id}', {
      params: { path: { resellerId, id: organization.id } },
    })
    if (response.ok) done(`Organization ${organization.name} deleted.`)
    else list.setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>Organizations</h1>
        {may(session, 'reseller:organization:create') && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            New organization
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <OrganizationForm
          key={editing === 'new' ? 'new' : editing.id}
          resellerId={resellerId}
          organization={editing === 'new' ? null : editing}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      <SearchForm label="Search organizations" onSearch={list.setSearch} />
      {list.error ? <Alert>{list.error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Organizations of the reseller</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Allowed users</th>
              <th scope="col">City</th>
              <th scope="col">Created</th>
              {mayUpdate || mayDelete ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {(list.items ?? []).map((organization) => (
              <tr key={organization.id}>
                <td>{organization.name}</td>
                <td>{organization.email}</td>
                <td>{organization.allowedUsers < 0 ? 'No limit' : organization.allowedUsers}</td>
                <td>{organization.address.city}</td>
                <td>{formatDate(organization.createdAt)}</td>
                {mayUpdate || mayDelete ? (
                  <RowActions
                    name={organization.name}
                    onEdit={mayUpdate ? () => setEditing(organization) : null}
                    onDelete={mayDelete ? () => void remove(organization) : null}
                  />
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.items && list.items.length === 0 ? <p>No organization matches.</p> : null}
      <Pager
        page={list.page}
        total={list.total}
        shown={list.items?.length ?? null}
        noun="organizations"
        onPage={list.setPage}
      />
    </>
  )
}

function OrganizationForm(props: {
  resellerId: string
  organization: Organization | null
  onDone: (message: string) => void
  onCancel: () => void
}) {
  const existing = props.organization
  const [name, setName] = useState(existing?.name ?? '')
  const [email, setEmail] = useState(existing?.email ?? '')
  const [description, setDescription] = useState(existing?.description ?? '')
  const [allowedUsers, setAllowedUsers] = useState(
    existing && existing.allowedUsers >= 0 ? String(existing.allowedUsers) : '',
  )
  const [address, setAddress] = useState<Record<AddressKey, string>>(() => {
    const given = existing?.address
    return Object.fromEntries(ADDRESS.map(([key]) => [key, given?.[key] ?? ''])) as Record<AddressKey, string>
  })
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const body = {
      name,
      email,
      description: description || null,
      allowedUsers: limitValue(allowedUsers),
      address: Object.fromEntries(ADDRESS.map(([key]) => [key, address[key] || null])),
    }
    const path = { resellerId: props.resellerId }
    const { data, error: refused } = existing
      ? await api.PATCH('/v3/resellers/{resellerId}/organizations/{id}', {
          params: { path: { ...path, id: existing.id } },
          body,
        })
      : await api.POST('/v3/resellers/{resellerId}/organizations', { params: { path }, body })
    if (data) props.onDone(`Organization ${data.name} ${existing ? 'saved' : 'created'}.`)
    else setError(refused as ApiError)
  }

  const title = existing ? `Edit ${existing.name}` : 'New organization'
  return (
    <FormCard
      title={title}
      submitLabel={existing ? 'Save organization' : 'Create organization'}
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
      </div>
      <fieldset>
        <legend>Address</legend>
        <div className="grid">
          {ADDRESS.map(([key, label]) => (
            <Field
              key={key}
              label={label}
              name={`address.${key}`}
              value={address[key]}
              onChange={(value) => setAddress((a) => ({ ...a, [key]: value }))}
              error={messageFor(error, `address.${key}`)}
            />
          ))}
        </div>
      </fieldset>
      <p className="hint">Leave Allowed users empty for no limit.</p>
    </FormCard>
  )
}
