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

/**
 * Vault's messages of an `errors` list, with its multierror wrapping ("2 errors occurred:\n\t*
 * permission denied\n\t* invalid token") undone: ['permission denied', 'invalid token'].
 */
export const vaultMessages = (errors) => errors.flatMap((e) => {
  const items = String(e).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('* ')).map((l) => l.slice(2))
  return items.length > 0 ? items : [String(e).trim()]
}).filter((m) => m !== '')

/**
 * An error answer: `status` and Vault's `errors` list (`messages`: unwrapped). A request that got
 * no answer (server down, network) has `status` 0 and `network` true.
 */
export class ApiError extends Error {
  constructor (status, errors, network = false) {
    const messages = vaultMessages(errors)
    super(network ? 'Cannot reach the server' : messages.length > 0 ? messages.join('; ') : `HTTP ${status}`)
    this.status = status
    this.errors = errors
    this.messages = messages
    this.network = network
    /** The server no longer knows the token (expired, revoked): Vault's 403 "invalid token". */
    this.invalidToken = status === 403 && messages.includes('invalid token')
  }
}

let onInvalidToken = () => {}
/** Sets what happens when the stored token is refused as invalid (the app signs out). */
export const whenTokenInvalid = (fn) => { onInvalidToken = fn }

/**
 * Calls `/v1/<path>`. `method` LIST becomes GET with `?list=true` (as Vault's clients do).
 * Resolves the JSON body (null for 204); rejects with ApiError.
 */
export async function api (method, path, body, { token = getToken(), contentType } = {}) {
  const list = method === 'LIST'
  const url = `/v1/${path}${list ? (path.includes('?') ? '&' : '?') + 'list=true' : ''}`
  const headers = { 'X-Vault-Token': token ?? '' }
  if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json'
  let res
  try {
    res = await fetch(url, {
      method: list ? 'GET' : method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    })
  } catch {
    throw new ApiError(0, [], true)
  }
  if (res.status === 204) return null
  let json = null
  try { json = await res.json() } catch { json = null }
  if (!res.ok) {
    const err = new ApiError(res.status, Array.isArray(json?.errors) ? json.errors : [])
    // Only the stored token signs the tab out (the sign-in form checks a typed one itself).
    if (err.invalidToken && token !== null && token === getToken()) onInvalidToken()
    throw err
  }
  return json
}

/**
 * An error in plain words for the status line: no answer, an invalid token, a refusal (`denied`
 * says what the token may not do, e.g. "change this destination"), a missing object, or Vault's
 * own messages.
 */
export function plainError (err, denied = 'do this') {
  if (!(err instanceof ApiError)) return String(err?.message ?? err)
  if (err.network) return 'Cannot reach the server'
  if (err.invalidToken) return 'Your token is no longer valid'
  if (err.status === 403) return `Your token may not ${denied} (permission denied)`
  if (err.status === 404 && err.messages.length === 0) return 'Not found'
  return err.message
}

/** Percent-encodes each segment of a path (slashes kept). */
export const encPath = (p) => p.split('/').map(encodeURIComponent).join('/')

/** `sys/sync/destinations/<type>/<name>`. */
export const destPath = (type, name) => `sys/sync/destinations/${encodeURIComponent(type)}/${encodeURIComponent(name)}`

/**
 * What the token may do on each path (`sys/capabilities-self`). Resolves { path: [caps] }; a
 * refusal counts as no capability at all. Rejects when there is no answer (or a server error),
 * so the caller can ask again later.
 */
export async function capabilities (paths) {
  if (paths.length === 0) return {}
  try {
    const res = await api('POST', 'sys/capabilities-self', { paths })
    const out = {}
    for (const p of paths) out[p] = res.data?.[p] ?? res[p] ?? []
    return out
  } catch (err) {
    if (err instanceof ApiError && !err.network && err.status < 500) return Object.fromEntries(paths.map((p) => [p, []]))
    throw err
  }
}

/** True when `caps` (a list) grants `want` (root grants everything; deny nothing). */
export function can (caps, want) {
  if (!Array.isArray(caps) || caps.includes('deny')) return false
  return caps.includes('root') || caps.includes(want)
}
