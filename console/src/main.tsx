// The console's shell: sign-in when there is no session, else the navigation the user's scopes allow and the page.
import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { SetPasswordPage } from './pages/account-links.tsx'
import { AuditPage } from './pages/audit.tsx'
import { ClientsPage } from './pages/clients.tsx'
import { GroupsPage } from './pages/groups.tsx'
import { OrganizationsPage } from './pages/organizations.tsx'
import { ProfilePage } from './pages/profile.tsx'
import { actingResellerId, ResellerPicker } from './pages/reseller-picker.tsx'
import { ResellersPage } from './pages/resellers.tsx'
import { RolesPage } from './pages/roles.tsx'
import { SignInPage } from './pages/sign-in.tsx'
import { UserPage } from './pages/user.tsx'
import { UsersPage } from './pages/users.tsx'
import { WebhooksPage } from './pages/webhooks.tsx'
import {
  currentSession,
  isPlatformAdmin,
  may,
  onSessionChange,
  type Session,
  sessionEndedBecause,
  signOut,
  takeFragmentSignIn,
} from './session.ts'
import { Link, navigate, useLocation } from './ui.tsx'
import './styles.css'

interface Page {
  path: string
  label: string
  /** The scope its list needs; none for the profile, which every signed-in user has. */
  scope?: string
  /** Acts on one reseller: a csp session picks which (pages/reseller-picker.tsx). */
  perReseller?: string
}

const PAGES: Page[] = [
  { path: '/users', label: 'Users', scope: 'reseller:user:read', perReseller: 'users' },
  { path: '/resellers', label: 'Resellers', scope: 'reseller:read' },
  {
    path: '/organizations',
    label: 'Organizations',
    scope: 'reseller:organization:read',
    perReseller: 'organizations',
  },
  { path: '/roles', label: 'Roles', scope: 'role:read' },
  { path: '/groups', label: 'Groups', scope: 'reseller:user:read' },
  { path: '/audit', label: 'Audit log', scope: 'eventLog:read' },
  { path: '/webhooks', label: 'Webhooks', scope: 'webhook:read' },
  { path: '/clients', label: 'API clients', scope: 'client:read' },
  { path: '/profile', label: 'Profile' },
]

// An API client's session has no profile (no user): only the pages its scopes allow.
const allowedPages = (session: Session) =>
  PAGES.filter((page) => (page.scope ? may(session, page.scope) : session.refreshToken !== null))

function App() {
  const [session, setSession] = useState(currentSession)
  const { path, query } = useLocation()
  useEffect(() => onSessionChange(setSession), [])

  if (path === '/accept-invitation') return <SetPasswordPage kind="invitation" />
  if (path === '/reset-password') return <SetPasswordPage kind="reset" />
  if (!session) return <SignInPage refusal={fragmentRefusal ?? sessionEndedBecause()} />

  const pages = allowedPages(session)
  const page = pages.find((p) => path === p.path || path.startsWith(`${p.path}/`))
  if (!page) {
    // The first page the user may see (for a `user`, its profile).
    queueMicrotask(() => navigate((pages[0] as Page).path))
    return null
  }
  // A csp session on a page of one reseller, none picked yet: the picker alone.
  const picking = page.perReseller !== undefined && !actingResellerId(session, query)
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Reseller API</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <Link to={p.path} current={p === page}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            // A picked reseller is the signed-out session's: the next one (maybe a reseller's user) starts without.
            window.history.replaceState(null, '', window.location.pathname)
            void signOut()
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {picking ? <h1>{page.label}</h1> : null}
        {page.perReseller && isPlatformAdmin(session) ? (
          <ResellerPicker path={path} query={query} noun={page.perReseller} />
        ) : null}
        {picking ? null : renderPage(page, path, query, session)}
      </main>
    </>
  )
}

function renderPage(page: Page, path: string, query: URLSearchParams, session: Session) {
  const resellerId = actingResellerId(session, query)
  switch (page.path) {
    case '/users': {
      const id = path.slice('/users/'.length)
      return id ? (
        <UserPage key={`${resellerId}/${id}`} session={session} resellerId={resellerId} id={id} />
      ) : (
        <UsersPage key={resellerId} session={session} resellerId={resellerId} query={query} />
      )
    }
    case '/audit':
      return <AuditPage key={query.toString()} query={query} />
    case '/webhooks':
      return <WebhooksPage session={session} />
    case '/resellers':
      return <ResellersPage session={session} />
    case '/organizations':
      return <OrganizationsPage key={resellerId} session={session} resellerId={resellerId} />
    case '/roles':
      return <RolesPage session={session} />
    case '/groups':
      return <GroupsPage />
    case '/clients':
      return <ClientsPage session={session} />
    default:
      return <ProfilePage />
  }
}

// Before the first render: a sign-in through an identity provider lands here with its tokens in the fragment.
const fragmentRefusal = takeFragmentSignIn()
const root = document.getElementById('root')
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
