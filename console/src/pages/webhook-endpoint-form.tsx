// A webhook endpoint of the reseller, new or edited (PATCH): name, URL and the events it takes (GET
// /v3/webhooks/events, by resource). The generated signing secret is in clear in the create answer only, so it is
// shown then, once; an edit leaves the secret as it is.
import { type FormEvent, useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api } from '../session.ts'
import { type ApiError, Field, messageFor } from '../ui.tsx'
import { ChoiceGroups, FormCard } from './admin-kit.tsx'

export type Endpoint = paths['/v3/webhooks']['get']['responses']['200']['content']['application/json'][number]

/** What the form ends with: nothing (cancelled), a new endpoint with its secret, or an edited endpoint's name. */
export type EndpointDone = { name: string; token: string } | { name: string; token?: undefined } | null

export function EndpointForm(props: { endpoint?: Endpoint | null; onDone: (done: EndpointDone) => void }) {
  const existing = props.endpoint ?? null
  const [name, setName] = useState(existing?.name ?? '')
  const [url, setUrl] = useState(existing?.url ?? '')
  const [events, setEvents] = useState<string[]>(existing?.events ?? [])
  const [catalogue, setCatalogue] = useState<Record<string, string[]>>({})
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => {
    void api
      .GET('/v3/webhooks/events')
      .then(({ data }) => setCatalogue((data as Record<string, string[]>) ?? {}))
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    const body = { name, url, events }
    if (existing) {
      const { data, error: refused } = await api.PATCH('/v3/webhooks/{id}', {
        params: { path: { id: existing.id } },
        body,
      })
      if (data) props.onDone({ name: data.name })
      else setError(refused as ApiError)
      return
    }
    const { data, error: refused } = await api.POST('/v3/webhooks', { body })
    if (data) props.onDone({ name: data.name, token: data.token })
    else setError(refused as ApiError)
  }
  const toggle = (name: string, on: boolean) =>
    setEvents((list) => (on ? [...list, name] : list.filter((e) => e !== name)))
  return (
    <FormCard
      title={existing ? `Edit ${existing.name}` : 'New endpoint'}
      submitLabel={existing ? 'Save endpoint' : 'Create endpoint'}
      error={error}
      fields={['name', 'url', 'events']}
      onSubmit={submit}
      onCancel={() => props.onDone(null)}
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
          label="URL"
          name="url"
          type="url"
          value={url}
          onChange={setUrl}
          error={messageFor(error, 'url')}
          required
        />
      </div>
      <ChoiceGroups
        legend="Events"
        groups={catalogue}
        chosen={new Set(events)}
        onToggle={toggle}
        idPrefix="event"
        error={messageFor(error, 'events')}
      />
    </FormCard>
  )
}
