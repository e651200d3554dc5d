/**
 * Form-encoded request bodies, as Vault reads them (spec/vault-core-kv-api.md §1.3, §1.4):
 * hashicorp/vault `http/logical.go` `buildLogicalRequestNoAuth` (POST and PUT only), and
 * `http/handler.go` `isForm` and `parseFormRequest`, over Go's `net/url` `ParseQuery`.
 *
 * - A body is a form when the Content-Type's media type (before any `;`, case and spaces
 *   ignored) is `application/x-www-form-urlencoded` AND the first byte of the body that is not
 *   `' '`, `\t`, `\n`, `\r` is not `{` or `[` (Vault peeks at 512 bytes: a body of only
 *   whitespace there is a form). Anything else is JSON, as before. Unlike Go's
 *   `mime.ParseMediaType`, malformed parameters after the media type are not looked at.
 * - Pairs are read by WHATWG `URLSearchParams` (`+` is a space, `%XX` a byte, bytes that are not
 *   UTF-8 become U+FFFD, empty pieces skipped). A key sent once gives a string, a key sent more
 *   than once its values joined with `,` (Vault: "anywhere taking in a string list can take in
 *   comma separated values"). No pair at all: no data.
 * - Where Go's `ParseQuery` fails, the request is refused, 400 `error parsing form data`
 *   (Vault's text): a `;` in the body or URL query ("invalid semicolon separator"), a malformed
 *   escape (`%zz`, `%4`), a body over Go's 10 MiB form limit, more than Go's 10,000 parameters
 *   (`urlmaxqueryparams`, Go 1.24.12 / 1.25.6 on). `ParseForm` parses the URL query too: an
 *   error there fails the request; its values are not data.
 *
 * `max_request_size` is the listener's (Fastify's `bodyLimit`, 413), checked before any parser.
 */
import { badRequest } from './errors.js'

const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i
/** How much of the body Vault peeks at for the start of JSON. */
const PEEK_BYTES = 512
/** Go's `maxFormSize` for a body not read through `http.MaxBytesReader` ("10 MB is a lot of text"). */
const MAX_FORM_BYTES = 10 << 20
/** Go's default `urlmaxqueryparams`. */
const MAX_PARAMS = 10_000
/** What Go's `ParseQuery` refuses and `URLSearchParams` takes: `;`, a `%` not followed by two hex digits. */
const GO_REFUSES = /;|%(?![0-9a-fA-F]{2})/

/**
 * Vault's `isForm`: `contentType` is the form media type and `text` does not start (after
 * whitespace, within 512 bytes) with `{` or `[`. One regex test for JSON requests (the hot path).
 */
export function isForm (contentType: string, text: string): boolean {
  if (!FORM_TYPE.test(contentType)) return false
  const n = Math.min(text.length, PEEK_BYTES) // the chars before the first non-space are one byte each
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue
    return c !== 0x7b && c !== 0x5b
  }
  return true
}

/** True when Go's `ParseQuery` would refuse `query`. */
function goRefuses (query: string): boolean {
  if (GO_REFUSES.test(query)) return true
  let count = 1
  for (let i = query.indexOf('&'); i >= 0; i = query.indexOf('&', i + 1)) if (++count > MAX_PARAMS) return true
  return false
}

/**
 * Vault's `parseFormRequest`: the data of a form body (`text`), or undefined when it holds no
 * pair. `url` is the request target, whose query `ParseForm` also parses.
 * @throws VaultError 400 `error parsing form data`
 */
export function parseFormBody (text: string, url: string): Record<string, unknown> | undefined {
  const tooLarge = text.length > MAX_FORM_BYTES || (text.length * 3 > MAX_FORM_BYTES && Buffer.byteLength(text) > MAX_FORM_BYTES)
  const q = url.indexOf('?')
  if (tooLarge || goRefuses(text) || (q >= 0 && goRefuses(url.slice(q + 1)))) throw badRequest('error parsing form data')
  const values = new Map<string, string[]>()
  for (const [key, value] of new URLSearchParams(text)) {
    const list = values.get(key)
    if (list === undefined) values.set(key, [value])
    else list.push(value)
  }
  if (values.size === 0) return undefined
  const data: Record<string, unknown> = {}
  for (const [key, list] of values) {
    // defineProperty: a `__proto__` key is data, as JSON.parse makes it.
    Object.defineProperty(data, key, { value: list.length === 1 ? list[0] : list.join(','), enumerable: true, writable: true, configurable: true })
  }
  return data
}
