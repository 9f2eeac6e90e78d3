// A csp session has no reseller of its own: the pages that act on one reseller (users, organizations, API clients)
// act on the one picked here, kept in the address's `reseller` query so that it survives a reload (and the links,
// ui.tsx's keptQuery). A reseller's own session never sees the picker: its reseller is its token's.
import { useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, isPlatformAdmin, type Session } from '../session.ts'
import { Alert, type ApiError, navigate, RESELLER_PARAM, SelectField } from '../ui.tsx'

type Reseller = paths['/v3/resellers']['get']['responses']['200']['content']['application/json'][number]

/** The reseller a page acts on: the session's own, or (csp) the one picked. */
export const actingResellerId = (session: Session, query: URLSearchParams): string =>
  session.resellerId ?? (isPlatformAdmin(session) ? (query.get(RESELLER_PARAM) ?? '') : '')

/** The tenant's resellers to pick from: the first 100 by name (the API's largest page; the resellers page searches). */
export function useResellers(): { resellers: Reseller[] | null; error: ApiError | null } {
  const [resellers, setResellers] = useState<Reseller[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => {
    void api
      .GET('/v3/resellers', { params: { query: { limit: 100, sort: 'name' } } })
      .then(({ data, error }) => {
        setResellers(data ?? [])
        setError((error as ApiError | undefined) ?? null)
      })
  }, [])
  return { resellers, error }
}

export function ResellerPicker(props: { path: string; query: URLSearchParams; noun: string }) {
  const { resellers, error } = useResellers()
  const picked = props.query.get(RESELLER_PARAM) ?? ''

  function pick(id: string) {
    const query = new URLSearchParams(props.query)
    // Set even when empty: an absent one would be kept from the current address (ui.tsx's keptQuery).
    query.set(RESELLER_PARAM, id)
    // A user's page belongs to the reseller it was opened under: a new pick goes back to the list.
    const path = props.path.startsWith('/users/') ? '/users' : props.path
    navigate(`${path}?${query}`)
  }

  const options = [
    { value: '', label: resellers === null ? 'Loading…' : 'Choose a reseller' },
    ...(resellers ?? []).map((reseller) => ({ value: reseller.id, label: reseller.name })),
  ]
  return (
    <div className="filters reseller-picker">
      <SelectField label="Reseller" name="reseller" value={picked} options={options} onChange={pick} />
      {error ? <Alert>{error.message}</Alert> : null}
      {!picked && resellers !== null ? (
        <p className="hint">Choose a reseller to see its {props.noun}.</p>
      ) : null}
    </div>
  )
}
