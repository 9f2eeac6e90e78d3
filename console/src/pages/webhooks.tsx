// The reseller's webhook portal: its endpoints (health, a test event) and the delivery log (attempts, the
// response), with redelivery.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, may, type Session } from '../session.ts'
import { Alert, type ApiError, Field, formatDate, SelectField } from '../ui.tsx'
import { type Endpoint, EndpointForm } from './webhook-endpoint-form.tsx'

type Delivery =
  paths['/v3/webhook-event-logs']['get']['responses']['200']['content']['application/json'][number]
const PAGE_SIZE = 25

export function WebhooksPage(props: { session: Session }) {
  const mayWrite = may(props.session, 'webhook:write')
  const mayReadLog = may(props.session, 'webhookEventLog:read')
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null)
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null)
  const [event, setEvent] = useState('')
  const [status, setStatus] = useState('')
  const [applied, setApplied] = useState({ event: '', status: '' })
  const [page, setPage] = useState(1)
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  const [reload, setReload] = useState(0)
  const [editing, setEditing] = useState<Endpoint | 'new' | null>(null)
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    void api.GET('/v3/webhooks', { params: { query: { limit: 100 } } }).then(({ data, error: refused }) => {
      setEndpoints(data ?? [])
      if (refused) setError(refused as ApiError)
    })
  }, [reload])
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is the signal to read the list again after a change
  useEffect(() => {
    if (!mayReadLog) return
    void api
      .GET('/v3/webhook-event-logs', {
        params: {
          query: {
            page,
            limit: PAGE_SIZE,
            sort: '-createdAt',
            ...(applied.event ? { 'event[cn]': applied.event } : {}),
            ...(applied.status ? { status: applied.status } : {}),
          },
        },
      })
      .then(({ data, error: refused }) => {
        setDeliveries(data ?? [])
        if (refused) setError(refused as ApiError)
      })
  }, [applied, page, reload, mayReadLog])

  async function act(done: string, run: () => Promise<{ error?: unknown; response: Response }>) {
    setNotice('')
    setError(null)
    const { error: refused, response } = await run()
    if (response.ok) {
      setNotice(done)
      setReload((n) => n + 1)
    } else setError(refused as ApiError)
  }

  function filter(e: FormEvent) {
    e.preventDefault()
    setPage(1)
    setApplied({ event, status })
  }

  return (
    <>
      <div className="page-head">
        <h1>Webhooks</h1>
        {mayWrite && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            New endpoint
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <EndpointForm
          key={editing === 'new' ? 'new' : editing.id}
          endpoint={editing === 'new' ? null : editing}
          onDone={(done) => {
            setEditing(null)
            if (done?.token) setSecret({ name: done.name, token: done.token })
            else if (done) setNotice(`${done.name} saved.`)
            setReload((n) => n + 1)
          }}
        />
      ) : null}
      {secret ? (
        <Alert tone="info">
          {secret.name} created. Its signing secret, shown this once: <code>{secret.token}</code>
        </Alert>
      ) : null}
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      {error ? <Alert>{error.message}</Alert> : null}
      <section aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        {endpoints && endpoints.length === 0 ? <p>No endpoint yet.</p> : null}
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">URL</th>
              <th scope="col">Health</th>
              <th scope="col">Events</th>
              {mayWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {(endpoints ?? []).map((endpoint) => (
              <tr key={endpoint.id}>
                <td>{endpoint.name}</td>
                <td>
                  <code>{endpoint.url}</code>
                </td>
                <td>
                  <span className={`badge badge-${endpoint.status}`}>{endpoint.status}</span>
                  {endpoint.enabled ? '' : ' (disabled)'}
                </td>
                <td>{endpoint.events.join(', ')}</td>
                {mayWrite ? (
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        act(`Test event sent to ${endpoint.name}.`, () =>
                          api.POST('/v3/webhooks/{id}/test', { params: { path: { id: endpoint.id } } }),
                        )
                      }
                    >
                      Send test event
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Edit ${endpoint.name}`}
                      onClick={() => {
                        setNotice('')
                        setEditing(endpoint)
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (window.confirm(`Delete the endpoint ${endpoint.name}?`))
                          void act(`${endpoint.name} deleted.`, () =>
                            api.DELETE('/v3/webhooks/{id}', { params: { path: { id: endpoint.id } } }),
                          )
                      }}
                    >
                      Delete
                    </button>
                    {endpoint.enabled ? null : (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          act(`${endpoint.name} resumed.`, () =>
                            api.PATCH('/v3/webhooks/{id}', {
                              params: { path: { id: endpoint.id } },
                              body: { enabled: true },
                            }),
                          )
                        }
                      >
                        Resume
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {mayReadLog ? (
        <section aria-labelledby="deliveries-title">
          <h2 id="deliveries-title">Deliveries</h2>
          <form className="filters" onSubmit={filter} aria-label="Filter deliveries">
            <Field label="Event contains" name="event" value={event} onChange={setEvent} />
            <SelectField
              label="Status"
              name="status"
              value={status}
              onChange={setStatus}
              options={['', 'pending', 'queued', 'succeeded', 'retrying', 'failed', 'cancelled'].map((s) => ({
                value: s,
                label: s || 'Any status',
              }))}
            />
            <button type="submit">Filter</button>
          </form>
          {deliveries && deliveries.length === 0 ? <p>No delivery matches.</p> : null}
          <ul className="entries">
            {(deliveries ?? []).map((delivery) => (
              <li key={delivery.id} className="entry">
                <details>
                  <summary>
                    <span className="action">{delivery.event}</span>{' '}
                    <span className={`badge badge-${delivery.status}`}>{delivery.status}</span>{' '}
                    <span className="muted">
                      {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'} ·{' '}
                      {formatDate(delivery.createdAt)}
                    </span>
                  </summary>
                  <dl className="facts">
                    <dt>URL</dt>
                    <dd>
                      <code>{delivery.url}</code>
                    </dd>
                    <dt>Last attempt</dt>
                    <dd>{formatDate(delivery.lastAttemptedAt)}</dd>
                    <dt>Response status</dt>
                    <dd>{delivery.responseStatusCode ?? '—'}</dd>
                    <dt>Error</dt>
                    <dd>{delivery.errorMessage || '—'}</dd>
                  </dl>
                  <h3>Request body</h3>
                  <pre>{delivery.requestBody}</pre>
                  <h3>Response body</h3>
                  <pre>{delivery.responseBody || '—'}</pre>
                  {mayWrite ? (
                    <button
                      type="button"
                      onClick={() =>
                        act('Redelivery queued.', () =>
                          api.POST('/v3/webhook-event-logs/{id}/resend', {
                            params: { path: { id: delivery.id } },
                          }),
                        )
                      }
                    >
                      Redeliver
                    </button>
                  ) : null}
                </details>
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label="Pages of deliveries">
            <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
              Previous page
            </button>
            <span>Page {page}</span>
            <button
              type="button"
              disabled={deliveries === null || deliveries.length < PAGE_SIZE}
              onClick={() => setPage((p) => p + 1)}
            >
              Next page
            </button>
          </nav>
        </section>
      ) : null}
    </>
  )
}
