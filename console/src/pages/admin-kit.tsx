// What the admin pages (resellers, organizations, roles, groups, API clients) share: the pager under a paged
// table, the search box, a limit field's value, and the API's message when no field of the form owns it.
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react'
import { Alert, type ApiError, Field, messageFor } from '../ui.tsx'

export const PAGE_SIZE = 20

export function Pager(props: {
  page: number
  total: number | null
  shown: number | null
  noun: string
  onPage: (page: number) => void
}) {
  const pages = props.total === null ? null : Math.max(1, Math.ceil(props.total / PAGE_SIZE))
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous page
      </button>
      <span>
        Page {props.page}
        {pages ? ` of ${pages}` : ''}
        {props.total !== null ? ` (${props.total} ${props.noun})` : ''}
      </span>
      <button
        type="button"
        disabled={props.shown === null || props.shown < PAGE_SIZE || (pages !== null && props.page >= pages)}
        onClick={() => props.onPage(props.page + 1)}
      >
        Next page
      </button>
    </nav>
  )
}

export function SearchForm(props: { label: string; onSearch: (search: string) => void }) {
  const [search, setSearch] = useState('')
  function submit(event: FormEvent) {
    event.preventDefault()
    props.onSearch(search.trim())
  }
  return (
    <form className="filters" onSubmit={submit} aria-label={props.label}>
      <Field label="Search" name="search" value={search} onChange={setSearch} />
      <button type="submit">Search</button>
    </form>
  )
}

/**
 * A limit field (allowedUsers, allowedOrganizations): empty is "no limit" (-1, the seed's default); a number is
 * sent as one; anything else is sent as typed, so that the API's own message says what is wrong with it.
 */
export function limitValue(text: string): number {
  const trimmed = text.trim()
  if (trimmed === '') return -1
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number)
}

/** The API's message when it names none of the form's fields (a 403, a conflict): shown above the buttons. */
export const unplacedMessage = (error: ApiError | null, fields: string[]) =>
  error && !fields.some((field) => messageFor(error, field)) ? error.message : null

/** The confirmation every delete asks for. */
export const confirmDelete = (what: string) => window.confirm(`Delete ${what}? This cannot be undone.`)

/** The total a list's X-Total-Count header gives. */
export function totalOf(response: Response): number | null {
  const count = response.headers.get('x-total-count')
  return count === null ? null : Number(count)
}

/**
 * A form that opens in place of the button that opened it: the keyboard's focus goes to its first field (else it
 * would fall back to the page's start, the button being gone), and the form scrolls into view.
 */
function useFocusOnOpen() {
  const ref = useRef<HTMLFormElement>(null)
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea')
    first?.focus()
    ref.current?.scrollIntoView?.({ block: 'nearest' })
  }, [])
  return ref
}

/**
 * A create or edit form's card: its title (which also names the form), its fields, the API's message that no
 * field owns, and the submit and Cancel buttons. The first field takes the focus when it opens.
 */
export function FormCard(props: {
  title: string
  submitLabel: string
  error: ApiError | null
  /** The fields that show their own message (the rest shows above the buttons). */
  fields: string[]
  onSubmit: (event: FormEvent) => void
  onCancel: () => void
  children: ReactNode
}) {
  const formRef = useFocusOnOpen()
  const unplaced = unplacedMessage(props.error, props.fields)
  return (
    <form ref={formRef} className="card" onSubmit={props.onSubmit} noValidate aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
      {unplaced ? <Alert>{unplaced}</Alert> : null}
      <div className="actions">
        <button type="submit">{props.submitLabel}</button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

type Listed<T> = { data?: T[] | undefined; error?: unknown; response: Response }

/**
 * A paged, searchable list read from the API: `load` reads one page (with the search, if any); the list is read
 * again when the page, the search, `deps` or `reload()` changes, and an answer that comes after a newer question
 * is dropped.
 */
export function usePagedList<T>(load: (page: number, search: string) => Promise<Listed<T>>, deps: unknown[]) {
  const [search, setSearchText] = useState('')
  const [page, setPage] = useState(1)
  const [items, setItems] = useState<T[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [generation, setGeneration] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is a new function each render; deps say when it reads something else
  useEffect(() => {
    let live = true
    void load(page, search).then(({ data, error: refused, response }) => {
      if (!live) return
      setItems(data ?? [])
      setError((refused as ApiError | undefined) ?? null)
      setTotal(totalOf(response))
    })
    return () => {
      live = false
    }
  }, [page, search, generation, ...deps])

  return {
    items,
    total,
    error,
    setError,
    page,
    setPage,
    /** A new search starts at its first page. */
    setSearch: (value: string) => {
      setPage(1)
      setSearchText(value)
    },
    reload: () => setGeneration((n) => n + 1),
  }
}

/** A row's Edit and Delete buttons, each shown when given, named after the row for a screen reader. */
export function RowActions(props: {
  name: string
  onEdit?: (() => void) | null
  onDelete?: (() => void) | null
}) {
  return (
    <td className="row-actions">
      {props.onEdit ? (
        <button type="button" className="secondary" aria-label={`Edit ${props.name}`} onClick={props.onEdit}>
          Edit
        </button>
      ) : null}
      {props.onDelete ? (
        <button type="button" className="danger" aria-label={`Delete ${props.name}`} onClick={props.onDelete}>
          Delete
        </button>
      ) : null}
    </td>
  )
}

/**
 * Checkboxes grouped by resource, one fieldset each, inside one named fieldset with the API's message about it:
 * a role's claims (GET /v3/roles/claims), a webhook endpoint's events (GET /v3/webhooks/events).
 */
export function ChoiceGroups(props: {
  legend: string
  groups: Record<string, string[]>
  chosen: ReadonlySet<string>
  onToggle: (name: string, on: boolean) => void
  /** Keeps the checkboxes' ids apart from another list's on the page. */
  idPrefix: string
  error?: string | undefined
}) {
  const errorId = useId()
  return (
    <fieldset aria-describedby={props.error ? errorId : undefined}>
      <legend>{props.legend}</legend>
      {props.error ? (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      ) : null}
      <div className="claim-groups">
        {Object.entries(props.groups).map(([resource, names]) => (
          <fieldset key={resource} className="claim-group">
            <legend>{resource}</legend>
            {names.map((name) => (
              <div className="check" key={name}>
                <input
                  id={`${props.idPrefix}-${name}`}
                  type="checkbox"
                  checked={props.chosen.has(name)}
                  onChange={(event) => props.onToggle(name, event.target.checked)}
                />
                <label htmlFor={`${props.idPrefix}-${name}`}>{name}</label>
              </div>
            ))}
          </fieldset>
        ))}
      </div>
    </fieldset>
  )
}
