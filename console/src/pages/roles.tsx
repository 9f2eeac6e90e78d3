// Roles with their claims: the v3 list (search, pages), each role's claims shown. Read only in the console: the
// API writes roles for a csp API client's token only (domain/reach.ts), and the console signs in a reseller's
// users, none of which ever may.
import { useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api } from '../session.ts'
import { Alert, type ApiError } from '../ui.tsx'
import { PAGE_SIZE, Pager, SearchForm, totalOf } from './admin-kit.tsx'

type Role = paths['/v3/roles']['get']['responses']['200']['content']['application/json'][number]

export function RolesPage() {
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(1)
  const [roles, setRoles] = useState<Role[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  useEffect(() => {
    let live = true
    void api
      .GET('/v3/roles', {
        params: { query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) } },
      })
      .then(({ data, error: refused, response }) => {
        if (!live) return
        setRoles(data ?? [])
        setError((refused as ApiError | undefined) ?? null)
        setTotal(totalOf(response))
      })
    return () => {
      live = false
    }
  }, [page, search])

  return (
    <>
      <div className="page-head">
        <h1>Roles</h1>
      </div>
      <SearchForm
        label="Search roles"
        onSearch={(value) => {
          setPage(1)
          setSearch(value)
        }}
      />
      {error ? <Alert>{error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Roles and their claims</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Claims</th>
            </tr>
          </thead>
          <tbody>
            {(roles ?? []).map((role) => (
              <tr key={role.id}>
                <td>
                  {role.name}
                  {role.isBuiltin ? <span className="badge">built-in</span> : null}
                </td>
                <td>{role.description}</td>
                <td>
                  {role.claims.length ? (
                    <ul className="claims" aria-label={`Claims of ${role.name}`}>
                      {role.claims.map((claim) => (
                        <li key={claim}>
                          <code>{claim}</code>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    'None'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {roles && roles.length === 0 ? <p>No role matches.</p> : null}
      <Pager page={page} total={total} shown={roles?.length ?? null} noun="roles" onPage={setPage} />
    </>
  )
}
