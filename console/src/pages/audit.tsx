// The audit log: filter by correlation id, action, resource, resource id and date; each change as before/after.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api } from '../session.ts'
import { Alert, type ApiError, Field, formatDate } from '../ui.tsx'

type Entry = paths['/v3/event-logs']['get']['responses']['200']['content']['application/json'][number]
const PAGE_SIZE = 25

const show = (value: unknown) =>
  value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value)

export function AuditPage(props: { query: URLSearchParams }) {
  const initial = {
    correlationId: props.query.get('correlationId') ?? '',
    action: props.query.get('action') ?? '',
    resource: props.query.get('resource') ?? '',
    resourceId: props.query.get('resourceId') ?? '',
    from: '',
    to: '',
  }
  const [form, setForm] = useState(initial)
  const [applied, setApplied] = useState(initial)
  const [page, setPage] = useState(1)
  const [entries, setEntries] = useState<Entry[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const set = (key: keyof typeof initial) => (value: string) => setForm((f) => ({ ...f, [key]: value }))

  useEffect(() => {
    let live = true
    const a = applied
    void api
      .GET('/v3/event-logs', {
        params: {
          query: {
            page,
            limit: PAGE_SIZE,
            sort: '-createdAt',
            ...(a.correlationId ? { correlationId: a.correlationId } : {}),
            ...(a.action ? { 'action[cn]': a.action } : {}),
            ...(a.resource ? { resource: a.resource } : {}),
            ...(a.resourceId ? { resourceId: a.resourceId } : {}),
            ...(a.from ? { 'createdAt[gte]': new Date(a.from).toISOString() } : {}),
            ...(a.to ? { 'createdAt[lte]': new Date(`${a.to}T23:59:59.999`).toISOString() } : {}),
          },
        },
      })
      .then(({ data, error: refused }) => {
        if (!live) return
        setEntries(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
      })
    return () => {
      live = false
    }
  }, [applied, page])

  function filter(event: FormEvent) {
    event.preventDefault()
    setPage(1)
    setApplied(form)
  }

  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" onSubmit={filter} aria-label="Filter the audit log">
        <Field
          label="Correlation id"
          name="correlationId"
          value={form.correlationId}
          onChange={set('correlationId')}
        />
        <Field label="Action contains" name="action" value={form.action} onChange={set('action')} />
        <Field label="Resource" name="resource" value={form.resource} onChange={set('resource')} />
        <Field label="Resource id" name="resourceId" value={form.resourceId} onChange={set('resourceId')} />
        <Field label="From date" name="from" type="date" value={form.from} onChange={set('from')} />
        <Field label="To date" name="to" type="date" value={form.to} onChange={set('to')} />
        <button type="submit">Filter</button>
      </form>
      {error ? <Alert>{error.message}</Alert> : null}
      {entries && entries.length === 0 ? <p>No entry matches.</p> : null}
      <ul className="entries">
        {(entries ?? []).map((entry) => (
          <li key={entry.id} className="entry">
            <details>
              <summary>
                <span className="action">{entry.action}</span> <span>{entry.resource}</span>{' '}
                <code>{entry.resourceId}</code> <span className="muted">{formatDate(entry.createdAt)}</span>
              </summary>
              <dl className="facts">
                <dt>Actor</dt>
                <dd>
                  {entry.actorType} {entry.actorId}
                </dd>
                <dt>Correlation id</dt>
                <dd>
                  <code>{entry.correlationId}</code>
                </dd>
                <dt>IP address</dt>
                <dd>{entry.ipAddress || '—'}</dd>
              </dl>
              {entry.changes.length ? (
                <table>
                  <caption>Changes</caption>
                  <thead>
                    <tr>
                      <th scope="col">Field</th>
                      <th scope="col">Before</th>
                      <th scope="col">After</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entry.changes.map((change) => (
                      <tr key={change.propertyName}>
                        <th scope="row">{change.propertyName}</th>
                        <td>{show(change.oldValue)}</td>
                        <td>{show(change.newValue)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p>No field changed.</p>
              )}
            </details>
          </li>
        ))}
      </ul>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
          Previous page
        </button>
        <span>Page {page}</span>
        <button
          type="button"
          disabled={entries === null || entries.length < PAGE_SIZE}
          onClick={() => setPage((p) => p + 1)}
        >
          Next page
        </button>
      </nav>
    </>
  )
}
