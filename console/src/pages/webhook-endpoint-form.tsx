// A new webhook endpoint of the reseller: name, URL and the events it takes (GET /v3/webhooks/events, by resource).
// The generated signing secret is in clear in the create answer only, so it is shown then, once.
import { type FormEvent, useEffect, useState } from 'react'
import { api } from '../session.ts'
import { Alert, type ApiError, Field, messageFor } from '../ui.tsx'

export function NewEndpointForm(props: { onDone: (made: { name: string; token: string } | null) => void }) {
  const [name, setName] = useState('')
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<string[]>([])
  const [catalogue, setCatalogue] = useState<Record<string, string[]>>({})
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => {
    void api
      .GET('/v3/webhooks/events')
      .then(({ data }) => setCatalogue((data as Record<string, string[]>) ?? {}))
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    const { data, error: refused } = await api.POST('/v3/webhooks', { body: { name, url, events } })
    if (data) props.onDone({ name: data.name, token: data.token })
    else setError(refused as ApiError)
  }
  const toggle = (name: string, on: boolean) =>
    setEvents((list) => (on ? [...list, name] : list.filter((e) => e !== name)))
  const placed = ['name', 'url', 'events'].some((f) => messageFor(error, f))
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-endpoint-title">
      <h2 id="new-endpoint-title">New endpoint</h2>
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
          label="URL"
          name="url"
          type="url"
          value={url}
          onChange={setUrl}
          error={messageFor(error, 'url')}
          required
        />
      </div>
      {Object.entries(catalogue).map(([resource, names]) => (
        <fieldset key={resource} className="claims">
          <legend>{resource}</legend>
          {names.map((eventName) => (
            <div className="check" key={eventName}>
              <input
                id={`event-${eventName}`}
                type="checkbox"
                checked={events.includes(eventName)}
                onChange={(e) => toggle(eventName, e.target.checked)}
              />
              <label htmlFor={`event-${eventName}`}>{eventName}</label>
            </div>
          ))}
        </fieldset>
      ))}
      {messageFor(error, 'events') ? <Alert>{messageFor(error, 'events')}</Alert> : null}
      {error && !placed ? <Alert>{error.message}</Alert> : null}
      <div className="actions">
        <button type="submit">Create endpoint</button>
        <button type="button" className="secondary" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  )
}
