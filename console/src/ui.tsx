// Small shared pieces: the router (the History API: a console of a few pages needs no router library), fields
// with visible labels and inline errors, and the API's error messages placed next to the field they name.
import { type ReactNode, useEffect, useId, useState } from 'react'

export const BASE = '/console'
/** The query parameter of the reseller a csp session picked (pages/reseller-picker.tsx). */
export const RESELLER_PARAM = 'reseller'

/** `to`, with the picked reseller of the current address kept unless `to` names one: it lasts across pages. */
function keptQuery(to: string): string {
  const picked = new URLSearchParams(window.location.search).get(RESELLER_PARAM)
  if (!picked || /[?&]reseller=/.test(to)) return to
  return `${to}${to.includes('?') ? '&' : '?'}${RESELLER_PARAM}=${encodeURIComponent(picked)}`
}

export function navigate(to: string): void {
  window.history.pushState(null, '', `${BASE}${keptQuery(to)}`)
  window.dispatchEvent(new PopStateEvent('popstate'))
}

/** The path under /console, and its query (href: what they were read from). */
const readLocation = () => ({
  href: window.location.href,
  path: window.location.pathname.slice(BASE.length) || '/',
  query: new URLSearchParams(window.location.search),
})

export function useLocation(): { path: string; query: URLSearchParams } {
  const [location, setLocation] = useState(readLocation)
  useEffect(() => {
    const update = () =>
      setLocation((shown) => (shown.href === window.location.href ? shown : readLocation()))
    window.addEventListener('popstate', update)
    // A navigation between the first render and this subscription (the shell sends a session that lands on no
    // page to its first page at once: a sign-in through an identity provider) would otherwise never be seen.
    update()
    return () => window.removeEventListener('popstate', update)
  }, [])
  return location
}

export function Link(props: { to: string; children: ReactNode; current?: boolean }) {
  return (
    <a
      href={`${BASE}${keptQuery(props.to)}`}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
        event.preventDefault()
        navigate(props.to)
      }}
    >
      {props.children}
    </a>
  )
}

export interface ApiError {
  message: string
  code: string | null
}

/** The sentences of a validation message that are about `field` ("email must be a valid email address."). */
export function messageFor(error: ApiError | null | undefined, field: string): string | undefined {
  if (!error) return undefined
  const sentences = error.message.match(/[^.]+\.?/g) ?? []
  const own = sentences.map((s) => s.trim()).filter((s) => s.startsWith(`${field} `))
  if (own.length) return own.join(' ')
  if (error.code === 'DUPLICATE_FIELD_VALUE' && error.message.toLowerCase().includes(field.toLowerCase()))
    return error.message
  return undefined
}

export function Field(props: {
  label: string
  name: string
  value: string
  onChange: (value: string) => void
  error?: string | undefined
  type?: string
  required?: boolean
  autoComplete?: string
  inputMode?: 'numeric' | 'text' | 'email'
}) {
  const id = useId()
  const errorId = `${id}-error`
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.error ? (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

export function SelectField(props: {
  label: string
  name: string
  value: string
  options: { value: string; label: string }[]
  onChange: (value: string) => void
  error?: string | undefined
}) {
  const id = useId()
  const errorId = `${id}-error`
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {props.error ? (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

export function Alert(props: { children: ReactNode; tone?: 'error' | 'info' }) {
  return (
    <div className={`alert alert-${props.tone ?? 'error'}`} role={props.tone === 'info' ? 'status' : 'alert'}>
      {props.children}
    </div>
  )
}

export const formatDate = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—')
