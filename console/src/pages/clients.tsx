// API clients of the signed-in user's reseller: the v3 list (pages), create (name and scopes, within the user's
// own scopes, which the API also enforces) whose secret is shown once, and revoke after a confirmation.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, isPlatformAdmin, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, messageFor } from '../ui.tsx'
import { confirmDelete, FormCard, PAGE_SIZE, Pager, totalOf } from './admin-kit.tsx'
import { ResellerSelect } from './reseller-picker.tsx'

type Client = paths['/v3/clients']['get']['responses']['200']['content']['application/json'][number]
type Created = paths['/v3/clients']['post']['responses']['201']['content']['application/json']

const FIELDS = ['name', 'scopes', 'resellerId']

export function ClientsPage(props: { session: Session }) {
  const { session } = props
  const mayWrite = may(session, 'client:write')
  const [page, setPage] = useState(1)
  const [clients, setClients] = useState<Client[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<Created | null>(null)
  const [notice, setNotice] = useState('')
  const [reload, setReload] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    let live = true
    void api
      .GET('/v3/clients', { params: { query: { page, limit: PAGE_SIZE } } })
      .then(({ data, error: refused, response }) => {
        if (!live) return
        setClients(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
        setTotal(totalOf(response))
      })
    return () => {
      live = false
    }
  }, [page, reload])

  async function revoke(client: Client) {
    setNotice('')
    if (!confirmDelete(`the API client ${client.name} (its tokens stop working within a minute)`)) return
    const { response, error: refused } = await api.DELETE('/v3/clients/{id}', {
      params: { path: { id: client.id } },
    })
    if (response.ok) {
      setNotice(`API client ${client.name} deleted.`)
      setReload((n) => n + 1)
    } else setError(refused as ApiError)
  }

  return (
    <>
      <div className="page-head">
        <h1>API clients</h1>
        {mayWrite && !creating && !created ? (
          <button
            type="button"
            onClick={() => {
              setNotice('')
              setCreating(true)
            }}
          >
            New API client
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateClient
          session={session}
          onCreated={(client) => {
            setCreating(false)
            setCreated(client)
            setReload((n) => n + 1)
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {created ? <SecretOnce client={created} onDone={() => setCreated(null)} /> : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      {error ? <Alert>{error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">API clients</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client id</th>
              <th scope="col">Role</th>
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
                <td>{client.role}</td>
                <td>{client.scopes.join(' ')}</td>
                <td>{formatDate(client.createdAt)}</td>
                {mayWrite ? (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${client.name}`}
                      onClick={() => void revoke(client)}
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
      {clients && clients.length === 0 ? <p>No API client yet.</p> : null}
      <Pager page={page} total={total} shown={clients?.length ?? null} noun="API clients" onPage={setPage} />
    </>
  )
}

function CreateClient(props: {
  session: Session
  onCreated: (client: Created) => void
  onCancel: () => void
}) {
  const { session } = props
  const platform = isPlatformAdmin(session)
  // A csp session's new client: of one reseller, or (none picked) a csp client of every reseller.
  const [owner, setOwner] = useState('')
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<Set<string>>(new Set())
  const [error, setError] = useState<ApiError | null>(null)
  const scopesErrorId = useId()

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/clients', {
      body: {
        name,
        scopes: [...scopes],
        ...(!platform
          ? { role: 'reseller' as const, resellerId: session.resellerId }
          : owner
            ? { role: 'reseller' as const, resellerId: owner }
            : { role: 'csp' as const }),
      },
    })
    if (data) props.onCreated(data)
    else setError(refused as ApiError)
  }

  const scopesError = messageFor(error, 'scopes')
  return (
    <FormCard
      title="New API client"
      submitLabel="Create API client"
      error={error}
      fields={FIELDS}
      onSubmit={submit}
      onCancel={props.onCancel}
    >
      {platform ? (
        <ResellerSelect
          label="Reseller"
          name="resellerId"
          value={owner}
          noneLabel="None: a csp client, for every reseller"
          onChange={setOwner}
          error={messageFor(error, 'resellerId')}
        />
      ) : (
        <p>
          A client of your reseller (role <code>reseller</code>); it may hold only scopes your own role has.
        </p>
      )}
      <Field
        label="Name"
        name="name"
        value={name}
        onChange={setName}
        error={messageFor(error, 'name')}
        required
      />
      <fieldset aria-describedby={scopesError ? scopesErrorId : undefined}>
        <legend>Scopes</legend>
        {scopesError ? (
          <p className="field-error" id={scopesErrorId}>
            {scopesError}
          </p>
        ) : null}
        <div className="claim-groups">
          {session.scopes.map((scope) => (
            <div className="check" key={scope}>
              <input
                id={`scope-${scope}`}
                type="checkbox"
                checked={scopes.has(scope)}
                onChange={(event) =>
                  setScopes((set) => {
                    const next = new Set(set)
                    if (event.target.checked) next.add(scope)
                    else next.delete(scope)
                    return next
                  })
                }
              />
              <label htmlFor={`scope-${scope}`}>{scope}</label>
            </div>
          ))}
        </div>
      </fieldset>
    </FormCard>
  )
}

/** The secret, shown once: the API keeps only its hash, and this page forgets it when it is dismissed. */
function SecretOnce(props: { client: Created; onDone: () => void }) {
  const [copied, setCopied] = useState(false)
  // The form that was focused is gone: the keyboard's focus comes here, to the secret.
  const ref = useRef<HTMLElement>(null)
  useEffect(() => ref.current?.focus(), [])
  return (
    <section ref={ref} tabIndex={-1} className="card secret" aria-labelledby="secret-title">
      <h2 id="secret-title">API client {props.client.name} created</h2>
      <Alert tone="info">
        <p>Copy the client secret now: it is shown only this once, and cannot be shown again.</p>
        <dl className="facts">
          <dt>Client id</dt>
          <dd>
            <code>{props.client.clientId}</code>
          </dd>
          <dt>Client secret</dt>
          <dd>
            <code data-testid="client-secret">{props.client.clientSecret}</code>
          </dd>
        </dl>
      </Alert>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(props.client.clientSecret).then(() => setCopied(true))
          }}
        >
          {copied ? 'Copied' : 'Copy secret'}
        </button>
        <button type="button" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
    </section>
  )
}
