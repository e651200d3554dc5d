// The page's only way to the server: Vault's HTTP API at /v1/ on this origin, with the
// operator's token in X-Vault-Token. The token lives in sessionStorage (gone with the tab),
// never in a URL or a cookie.
const TOKEN_KEY = 'vault-sync-token'

/** The stored token, or null. */
export const getToken = () => sessionStorage.getItem(TOKEN_KEY)
/** Stores the token for this tab. */
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token)
/** Forgets the token. */
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY)

/** An error answer: `status` and Vault's `errors` list. */
export class ApiError extends Error {
  constructor (status, errors) {
    super(errors.length > 0 ? errors.join('; ') : `HTTP ${status}`)
    this.status = status
    this.errors = errors
  }
}

/**
 * Calls `/v1/<path>`. `method` LIST becomes GET with `?list=true` (as Vault's clients do).
 * Resolves the JSON body (null for 204); rejects with ApiError.
 */
export async function api (method, path, body, { token = getToken(), contentType } = {}) {
  const list = method === 'LIST'
  const url = `/v1/${path}${list ? (path.includes('?') ? '&' : '?') + 'list=true' : ''}`
  const headers = { 'X-Vault-Token': token ?? '' }
  if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json'
  const res = await fetch(url, {
    method: list ? 'GET' : method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer'
  })
  if (res.status === 204) return null
  let json = null
  try { json = await res.json() } catch { json = null }
  if (!res.ok) throw new ApiError(res.status, Array.isArray(json?.errors) ? json.errors : [])
  return json
}

/** Percent-encodes each segment of a path (slashes kept). */
export const encPath = (p) => p.split('/').map(encodeURIComponent).join('/')

/** `sys/sync/destinations/<type>/<name>`. */
export const destPath = (type, name) => `sys/sync/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}`

/**
 * What the token may do on each path (`sys/capabilities-self`). Resolves { path: [caps] };
 * a failure counts as no capability at all.
 */
export async function capabilities (paths) {
  if (paths.length === 0) return {}
  try {
    const res = await api('POST', 'sys/capabilities-self', { paths })
    const out = {}
    for (const p of paths) out[p] = res.data?.[p] ?? res[p] ?? []
    return out
  } catch {
    return Object.fromEntries(paths.map((p) => [p, []]))
  }
}

/** True when `caps` (a list) grants `want` (root grants everything; deny nothing). */
export function can (caps, want) {
  if (!Array.isArray(caps) || caps.includes('deny')) return false
  return caps.includes('root') || caps.includes(want)
}
