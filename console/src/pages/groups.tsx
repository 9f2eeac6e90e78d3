// The tenant's user groups (CloudCockpit's, GET /v1/users/groups, paged by pageNumber): read-only, as the API has
// no write for them; the three built-ins are in every tenant. v1 names the tenant in X-Tenant: the account alias.
import { useEffect, useState } from 'react'
import type { paths } from '../../../test/generated/openapi.ts'
import { accountAlias, api } from '../session.ts'
import { Alert, type ApiError } from '../ui.tsx'
import { PAGE_SIZE, Pager } from './admin-kit.tsx'

type GroupPage = paths['/v1/users/groups']['get']['responses']['200']['content']['application/json']

/** v1 errors carry description (CloudCockpit's model), not v3's message. */
const messageOf = (refused: unknown) => {
  const body = refused as { description?: string; message?: string } | undefined
  return body?.description ?? body?.message ?? 'The service did not answer.'
}

export function GroupsPage() {
  const [page, setPage] = useState(1)
  const [groups, setGroups] = useState<GroupPage | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  useEffect(() => {
    let live = true
    void api
      .GET('/v1/users/groups', {
        params: { header: { 'x-tenant': accountAlias() }, query: { pageNumber: page, pageSize: PAGE_SIZE } },
      })
      .then(({ data, error: refused }) => {
        if (!live) return
        setGroups(data ?? null)
        setError(data ? null : { message: messageOf(refused), code: null })
      })
    return () => {
      live = false
    }
  }, [page])

  return (
    <>
      <h1>Groups</h1>
      <p>
        A user's groups are given when the user is created or edited through the v1 API; they are not edited
        here.
      </p>
      {error ? <Alert>{error.message}</Alert> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">User groups of the tenant</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {(groups?.items ?? []).map((group) => (
              <tr key={group.id}>
                <td>{group.name}</td>
                <td>
                  <code>{group.id}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        page={page}
        total={groups?.totalCount ?? null}
        shown={groups?.items.length ?? null}
        noun="groups"
        onPage={setPage}
      />
    </>
  )
}
