/**
 * List paging like Key Vault's (spec/azure-keyvault-api.md §1.3): `{value:[...], nextLink}` where
 * `nextLink` is an absolute URL on the origin the client used, carrying an opaque `$skiptoken`
 * (base64url JSON, as in the real service) and the page size. Clients follow it verbatim.
 */
import { AzureErrors } from './errors.js'
import { queryValue } from './validation.js'

/** A resume position: after a name key (`k`) or at a version offset (`o`). */
export interface Cursor {
  k?: string
  o?: number
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
      const { k, o } = c as Record<string, unknown>
      if ((k === undefined || typeof k === 'string') && (o === undefined || (Number.isInteger(o) && (o as number) >= 0))) {
        return { k: k as string | undefined, o: o as number | undefined }
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
