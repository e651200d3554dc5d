/**
 * List paging like Key Vault's (spec/azure-keyvault-api.md §1.3): `{value:[...], nextLink}` where
 * `nextLink` is an absolute URL on the origin the client used, carrying an opaque `$skiptoken`
 * (base64url JSON, as in the real service) and the page size. Clients follow it verbatim.
 * A vault's {@link PagingSettings} may cap the page size and insert empty pages that still carry
 * a `nextLink`, as the real service sometimes answers (§1.3, Azure/azure-sdk-for-go#10711).
 */
import { AzureErrors } from './errors.js'
import type { Page } from './secret-store.js'
import type { PagingSettings } from './types.js'
import { queryValue } from './validation.js'

/**
 * A resume position: after a name key (`k`) or at a version offset (`o`); `p` is the index of the
 * page it leads to (for empty-page slots) and `d` marks a trailing empty page after the last item.
 */
export interface Cursor {
  k?: string
  o?: number
  p?: number
  d?: true
}

/** Encodes a cursor as an opaque base64url token. */
export const encodeSkipToken = (c: Cursor): string => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url')

/** Reads `$skiptoken` from a query; absent → `{}`; unreadable → 400 `BadParameter`. */
export function readCursor (query: unknown): Cursor {
  const raw = queryValue(query, '$skiptoken')
  if (raw === undefined || raw === '') return {}
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
      const { k, o, p, d } = c as Record<string, unknown>
      const index = (n: unknown): boolean => n === undefined || (Number.isInteger(n) && (n as number) >= 0)
      if ((k === undefined || typeof k === 'string') && index(o) && index(p) && (d === undefined || d === true)) {
        return { k: k as string | undefined, o: o as number | undefined, ...(p !== undefined ? { p: p as number } : {}), ...(d === true ? { d } : {}) }
      }
    }
  } catch { /* fall through to the 400 below */ }
  throw AzureErrors.badParameter('The $skiptoken query parameter is invalid.')
}

/**
 * The `nextLink` for a list at `path` (e.g. `/secrets`), or `null` on the last page.
 * `apiVersion` is repeated so clients that do not re-add it still send one.
 */
export function nextLink (origin: string, path: string, apiVersion: string, cursor: Cursor | undefined,
  maxResults: number): string | null {
  if (cursor === undefined) return null
  // `$` stays literal, as in the service's links; the token is base64url, so it needs no escaping.
  return `${origin}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${encodeSkipToken(cursor)}&maxresults=${maxResults}`
}

/** True when page `index` of a list is an empty slot under `emptyPageEvery` (see {@link PagingSettings}). */
export function isEmptySlot (index: number, emptyPageEvery: number): boolean {
  return emptyPageEvery > 0 && index % (emptyPageEvery + 1) === 0
}

/**
 * Cuts one page of a list under the vault's paging settings. `fetch(limit)` reads up to `limit`
 * items from the position `cursor` holds and returns them with the store's resume position;
 * `position` turns that into the cursor fields (`k` or `o`). The answer's `next` is the cursor of
 * the following page, absent on the last one.
 */
export function cutPage<T> (paging: PagingSettings, requested: number, cursor: Cursor,
  fetch: (limit: number) => Page<T>, position: (next: string | number) => Cursor): { items: T[], next?: Cursor } {
  const index = cursor.p ?? 0
  const at = { ...(cursor.k !== undefined ? { k: cursor.k } : {}), ...(cursor.o !== undefined ? { o: cursor.o } : {}) }
  if (cursor.d === true) return { items: [] }
  if (isEmptySlot(index, paging.emptyPageEvery)) {
    return fetch(1).items.length > 0 ? { items: [], next: { ...at, p: index + 1 } } : { items: [] }
  }
  const page = fetch(Math.min(requested, paging.pageSize))
  if (page.next !== undefined) return { items: page.items, next: { ...position(page.next), p: index + 1 } }
  if (isEmptySlot(index + 1, paging.emptyPageEvery)) return { items: page.items, next: { p: index + 1, d: true } }
  return { items: page.items }
}
