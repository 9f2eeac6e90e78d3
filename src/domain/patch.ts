// Partial updates: a field that a patch does not name (or names as undefined) stays as it is.

export type Patch<T> = { [K in keyof T]?: T[K] | undefined }

/** Drops keys whose value is undefined, so a patch never erases a field it did not name. */
export function definedOnly<T extends object>(patch: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}
