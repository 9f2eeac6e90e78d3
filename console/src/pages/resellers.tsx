// Resellers: the v3 list (search, pages). Read only in the console: the API writes resellers for a csp API
// client's token only (domain/reach.ts), and the console signs in a reseller's users, none of which ever may.
import { useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { api } from '../session.ts'
import { Alert, type ApiError, formatDate } from '../ui.tsx'
import { PAGE_SIZE, Pager, SearchForm, totalOf } from './admin-kit.tsx'

type Reseller = paths['/v3/resellers']['get']['responses']['200']['content']['application/json'][number]

export function ResellersPage() {
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(1)
  const [resellers, setResellers] = useState<Reseller[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  useEffect(() => {
    let live = true
    void api
      .GET('/v3/resellers', {
        params: { query: { page, limit: PAGE_SIZE, sort: 'name', ...(search ? { search } : {}) } },
      })
      .then(({ data, error: refused, response }) => {
        if (!live) return
        setResellers(data ?? [])
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
        <h1>Resellers</h1>
      </div>
      <SearchForm
        label="Search resellers"
        onSearch={(value) => {
          setPage(1)
          setSearch(value)
        }}
      />
      {error ? <Alert>{error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Resellers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Allowed users</th>
              <th scope="col">Allowed organizations</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {(resellers ?? []).map((reseller) => (
              <tr key={reseller.id}>
                <td>{reseller.name}</td>
                <td>{reseller.email}</td>
                <td>{reseller.allowedUsers < 0 ? 'No limit' : reseller.allowedUsers}</td>
                <td>{reseller.allowedOrganizations < 0 ? 'No limit' : reseller.allowedOrganizations}</td>
                <td>{formatDate(reseller.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {resellers && resellers.length === 0 ? <p>No reseller matches.</p> : null}
      <Pager page={page} total={total} shown={resellers?.length ?? null} noun="resellers" onPage={setPage} />
    </>
  )
}
