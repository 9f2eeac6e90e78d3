// CloudCockpit's paged envelope.
export function pageOf<T>(items: T[], total: number, pageNumber: number, pageSize: number) {
  const totalPages = Math.ceil(total / pageSize)
  return {
    items,
    paginationParameters: { pageNumber, pageSize },
    totalPages,
    totalCount: total,
    hasPreviousPage: pageNumber > 1,
    hasNextPage: pageNumber < totalPages,
  }
}
