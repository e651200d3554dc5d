/**
 * Vault wire errors. A `VaultError` carries the HTTP status and the `errors` list of Vault's
 * `{"errors": [...]}` body; the HTTP plugin (`http-plugin.ts`) turns it into the response.
 *
 * Message texts follow Vault exactly (spec/vault-core-kv-api.md §1.6, §1.7): handler error
 * responses are bare strings (`logical.ErrorResponse`), core errors are go-multierror texts.
 */
export class VaultError extends Error {
  /** HTTP status code (400, 403, 404, 405, 413, 415, 500, 503 ...). */
  readonly status: number
  /** The `errors` array of the body; `[]` answers `{"errors":[]}`. */
  readonly errors: string[]

  constructor (status: number, errors: string[]) {
    super(errors[0] ?? `status ${status}`)
    this.name = 'VaultError'
    this.status = status
    this.errors = errors
  }
}

/**
 * Formats messages the way hashicorp/go-multierror does:
 * `"1 error occurred:\n\t* permission denied\n\n"`.
 */
export function multierror (messages: string[]): string {
  const head = messages.length === 1 ? '1 error occurred:' : `${messages.length} errors occurred:`
  return `${head}\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`
}

/** 400 with one handler message, e.g. `badRequest('missing path')`. */
export const badRequest = (message: string): VaultError => new VaultError(400, [message])

/** 404 `{"errors":[]}`: "nothing here" (§1.8). */
export const notFound = (): VaultError => new VaultError(404, [])

/** 403 for a missing token or a token without the capability (decisions D-6). */
export const permissionDenied = (): VaultError =>
  new VaultError(403, [multierror(['permission denied'])])

/** 403 for an unknown, expired or revoked token (decisions D-6). */
export const invalidToken = (): VaultError =>
  new VaultError(403, [multierror(['permission denied', 'invalid token'])])

/** 405 for an operation a matched path does not support (§1.7). */
export const unsupportedOperation = (): VaultError =>
  new VaultError(405, [multierror(['unsupported operation'])])

/** 404 for a `sys/` path no handler serves (`logical.ErrUnsupportedPath`, decisions D-15.2). */
export const unsupportedPath = (): VaultError =>
  new VaultError(404, [multierror(['unsupported path'])])

/** 404 for a path under no mount (§1.1): `no handler for route "nope/x". route entry not found.` */
export const noHandlerForRoute = (path: string): VaultError =>
  new VaultError(404, [`no handler for route ${JSON.stringify(path)}. route entry not found.`])

/** 500 without internals: details go to the log, never to the client. */
export const internalError = (): VaultError => new VaultError(500, [multierror(['internal error'])])
