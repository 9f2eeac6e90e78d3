// API clients: list, create (its secret shown this once; the API keeps only a hash), delete. A signed-in user's new
// client is its reseller's, with scopes among the user's own.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, messageFor } from '../ui.tsx'

type Client = paths['/v3/clients']['get']['responses']['200']['content']['application/json'][number]

export function ClientsPage(props: { session: Session }) {
  const { session } = props
  const mayWrite = may(session, 'client:write')
  const [clients, setClients] = useState<Client[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [made, setMade] = useState<{ clientId: string; clientSecret: string } | null>(null)
  const [creating, setCreating] = useState(false)
  const [reload, setReload] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    void api.GET('/v3/clients', { params: { query: { limit: 100 } } }).then(({ data, error: refused }) => {
      setClients(data ?? [])
      setError((refused as ApiError | undefined) ?? null)
    })
  }, [reload])

  async function remove(client: Client) {
    if (!window.confirm(`Delete the client ${client.name}? Its tokens stop working.`)) return
    const { response, error: refused } = await api.DELETE('/v3/clients/{id}', {
      params: { path: { id: client.id } },
    })
    if (response.ok) setReload((n) => n + 1)
    else setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>API clients</h1>
        {mayWrite && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New API client
          </button>
        ) : null}
      </div>
      {made ? (
        <Alert tone="info">
          Client created. Copy its secret now: it is shown this once.
          <dl className="facts">
            <dt>Client id</dt>
            <dd>
              <code>{made.clientId}</code>
            </dd>
            <dt>Client secret</dt>
            <dd>
              <code>{made.clientSecret}</code>
            </dd>
          </dl>
        </Alert>
      ) : null}
      {creating ? (
        <CreateClient
          session={session}
          onDone={(secret) => {
            setCreating(false)
            setMade(secret)
            setReload((n) => n + 1)
          }}
        />
      ) : null}
      {error ? <Alert>{error.message}</Alert> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Client id</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            {mayWrite ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {(clients ?? []).map((client) => (
            <tr key={client.id}>
              <td>{client.name}</td>
              <td>
                <code>{client.clientId}</code>
              </td>
              <td>{client.scopes.join(', ')}</td>
              <td>{formatDate(client.createdAt)}</td>
              {mayWrite ? (
                <td>
                  <button type="button" className="danger" onClick={() => void remove(client)}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function CreateClient(props: {
  session: Session
  onDone: (made: { clientId: string; clientSecret: string } | null) => void
}) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>([])
  const [error, setError] = useState<ApiError | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/clients', {
      body: { name, role: 'reseller', resellerId: props.session.resellerId, scopes },
    })
    if (data) props.onDone({ clientId: data.clientId, clientSecret: data.clientSecret })
    else setError(refused as ApiError)
  }
  const toggle = (scope: string, on: boolean) =>
    setScopes((list) => (on ? [...list, scope] : list.filter((s) => s !== scope)))
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-client-title">
      <h2 id="new-client-title">New API client</h2>
      <Field
        label="Name"
        name="name"
        value={name}
        onChange={setName}
        error={messageFor(error, 'name')}
        required
      />
      <fieldset className="claims">
        <legend>Scopes (among your own)</legend>
        {props.session.scopes.map((scope) => (
          <div className="check" key={scope}>
            <input
              id={`scope-${scope}`}
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(event) => toggle(scope, event.target.checked)}
            />
            <label htmlFor={`scope-${scope}`}>{scope}</label>
          </div>
        ))}
      </fieldset>
      {error && !messageFor(error, 'name') ? <Alert>{error.message}</Alert> : null}
      <div className="actions">
        <button type="submit">Create API client</button>
        <button type="button" className="secondary" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  )
}
