// CloudCockpit's paging: pageNumber and pageSize in (default 1 and 25), the paged envelope out.

/** A requested page: the window to read and the envelope to answer it in. */
export function v1Page(pageNumber = 1, pageSize = 25) {
  return {
    window: { offset: (pageNumber - 1) * pageSize, limit: pageSize },
    of: <T>(items: T[], total: number) => pageOf(items, total, pageNumber, pageSize),
  }
}

export function pageOf<T>(items: T[], total: number, pageNumber: number, pageSize: number) {
  const totalPages = Math.ceil(total / pageSize)
  return {
    items,
    paginationParameters: { pageNumber, pageSize },
    totalPages,
    totalCount: total,
    hasPreviousPage: pageNumber > 1,
    hasNextPage: pageNumber < totalPages,
    continuationToken: '',
  }
}
