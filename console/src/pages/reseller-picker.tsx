// A csp session has no reseller of its own: the pages that act on one reseller (users, organizations, API clients)
// act on the one picked here, kept in the address's `reseller` query so that it survives a reload (and the links,
// ui.tsx's keptQuery). A reseller's own session never sees the picker: its reseller is its token's.
// ResellerSelect is the select both the picker and a csp session's new API client use: the first 100 resellers by
// name, and a search by name or email once a tenant has more.
import { useEffect, useId, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api, isPlatformAdmin, type Session } from '../session.ts'
import { Alert, type ApiError, navigate, RESELLER_PARAM, SelectField } from '../ui.tsx'
import { totalOf } from './admin-kit.tsx'

type Reseller = paths['/v3/resellers']['get']['responses']['200']['content']['application/json'][number]

/** The most resellers the select offers at once: the API's largest page. */
const OFFERED = 100

/** The reseller a page acts on: the session's own, or (csp) the one picked. */
export const actingResellerId = (session: Session, query: URLSearchParams): string =>
  session.resellerId ?? (isPlatformAdmin(session) ? (query.get(RESELLER_PARAM) ?? '') : '')

/**
 * The resellers to pick from: the first OFFERED by name whose name or email holds `search` (all when it is empty),
 * with how many match in all; and the picked one, wherever it sorts, so that the select can still name it.
 */
function useResellers(search: string, picked: string) {
  const [listed, setListed] = useState<Reseller[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [pickedOne, setPickedOne] = useState<Reseller | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => {
    let live = true
    void api
      .GET('/v3/resellers', {
        params: { query: { limit: OFFERED, sort: 'name', ...(search ? { search } : {}) } },
      })
      .then(({ data, error, response }) => {
        if (!live) return
        setListed(data ?? [])
        setTotal(totalOf(response))
        setError((error as ApiError | undefined) ?? null)
      })
    return () => {
      live = false
    }
  }, [search])
  const isListed = listed?.some((reseller) => reseller.id === picked) ?? false
  useEffect(() => {
    if (!picked || isListed || pickedOne?.id === picked) return
    let live = true
    void api.GET('/v3/resellers/{id}', { params: { path: { id: picked } } }).then(({ data }) => {
      if (live && data) setPickedOne(data)
    })
    return () => {
      live = false
    }
  }, [picked, isListed, pickedOne])
  const extra = pickedOne && pickedOne.id === picked && !isListed ? [pickedOne] : []
  return { resellers: listed === null ? null : [...extra, ...listed], listed, total, error }
}

/** A select of the tenant's resellers, with a "Find a reseller" search when it cannot offer them all. */
export function ResellerSelect(props: {
  label: string
  name: string
  value: string
  onChange: (id: string) => void
  /** The first option's label: what no reseller picked means here. */
  noneLabel: string
  error?: string | undefined
}) {
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const { resellers, listed, total, error } = useResellers(search, props.value)
  const findId = useId()
  const hintId = useId()
  const options = [
    { value: '', label: resellers === null ? 'Loading…' : props.noneLabel },
    ...(resellers ?? []).map((reseller) => ({ value: reseller.id, label: reseller.name })),
  ]
  const isPartial = total !== null && total > OFFERED
  const find = () => setSearch(typed.trim())
  const hint =
    search && listed?.length === 0
      ? `No reseller’s name or email holds “${search}”.`
      : isPartial
        ? `The list holds the first ${OFFERED} of ${total.toLocaleString('en')} resellers${search ? ' found' : ''}, by name: find another by its name or email.`
        : ''
  return (
    <>
      <SelectField
        label={props.label}
        name={props.name}
        value={props.value}
        options={options}
        onChange={props.onChange}
        error={props.error}
      />
      {isPartial || search ? (
        // No form of its own: the select may sit in one (a new API client), and forms do not nest.
        <div className="find-reseller">
          <div className="field">
            <label htmlFor={findId}>Find a reseller</label>
            <input
              id={findId}
              type="search"
              value={typed}
              aria-describedby={hint ? hintId : undefined}
              onChange={(event) => setTyped(event.target.value)}
              onKeyDown={(event) => {
                if (event.key !== 'Enter') return
                event.preventDefault()
                find()
              }}
            />
          </div>
          <button type="button" className="secondary" onClick={find}>
            Find
          </button>
        </div>
      ) : null}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? <Alert>{error.message}</Alert> : null}
    </>
  )
}

export function ResellerPicker(props: { path: string; query: URLSearchParams; noun: string }) {
  const picked = props.query.get(RESELLER_PARAM) ?? ''

  function pick(id: string) {
    const query = new URLSearchParams(props.query)
    // Set even when empty: an absent one would be kept from the current address (ui.tsx's keptQuery).
    query.set(RESELLER_PARAM, id)
    // A user's page belongs to the reseller it was opened under: a new pick goes back to the list.
    const path = props.path.startsWith('/users/') ? '/users' : props.path
    navigate(`${path}?${query}`)
  }

  return (
    <div className="reseller-picker">
      <ResellerSelect
        label="Reseller"
        name="reseller"
        value={picked}
        onChange={pick}
        noneLabel="Choose a reseller"
      />
      {!picked ? <p className="hint">Choose a reseller to see its {props.noun}.</p> : null}
    </div>
  )
}
