/**
 * Wire errors of the emulator, one factory per endpoint family (the Azurite pattern, anchors.md §5):
 * Key Vault answers `{"error":{"code","message","innererror":{"code"}}}` (spec/azure-keyvault-api.md
 * §2.1), Entra answers `{"error","error_description","error_codes",...}` (§6.4). Message texts are
 * the real service's where they were captured (§2.2); texts marked [emu] in comments are ours.
 */
import { randomUUID } from 'node:crypto'

/** An HTTP error with its exact JSON body; thrown by handlers and hooks, sent by the server. */
export class EmulatorHttpError extends Error {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(typeof body.error === 'object' ? String((body.error as { message?: unknown }).message) : String(body.error_description ?? body.error))
    this.name = 'EmulatorHttpError'
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/** A Key Vault error: `status`, `error.code`, `error.message` and an optional `innererror.code`. */
export function kvError (status: number, code: string, message: string, innerCode?: string,
  headers: Record<string, string> = {}): EmulatorHttpError {
  const error: Record<string, unknown> = { code, message }
  if (innerCode !== undefined) error.innererror = { code: innerCode }
  return new EmulatorHttpError(status, { error }, headers)
}

const NOT_FOUND_HELP = 'If you recently deleted this secret you may be able to recover it using the correct recovery command. ' +
  'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182'

/** Key Vault data-plane errors (spec/azure-keyvault-api.md §2.2). */
export const AzureErrors = {
  /** 401 AKV10000, also used for revoked or unreadable tokens (decisions D-5). */
  missingToken: (challenge: string) => kvError(401, 'Unauthorized',
    'AKV10000: Request is missing a Bearer or PoP token.', undefined, { 'www-authenticate': challenge }),
  invalidAudience: (challenge: string, expected: string, found: string) => kvError(401, 'Unauthorized',
    `AKV10022: Invalid audience. Expected ${expected}, found: ${found}.`, undefined, { 'www-authenticate': challenge }),
  invalidIssuer: (challenge: string, expected: string[], found: string) => kvError(401, 'Unauthorized',
    `AKV10032: Invalid issuer. Expected one of ${expected.join(', ')}, found ${found}.`, undefined, { 'www-authenticate': challenge }),
  tokenExpired: (challenge: string) => kvError(401, 'Unauthorized',
    "[TokenExpired] Error validating token: 'S2S12086'.", undefined, { 'www-authenticate': challenge }),
  secretNotFound: (name: string, version?: string) => kvError(404, 'SecretNotFound',
    `A secret with (name/id) ${version === undefined ? name : `${name}/${version}`} was not found in this key vault. ${NOT_FOUND_HELP}`),
  deletedSecretNotFound: (name: string) => kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`),
  secretDisabled: (operation: string) => kvError(403, 'Forbidden',
    `Operation ${operation} is not allowed on a disabled secret.`, 'SecretDisabled'),
  deletedButRecoverable: (name: string) => kvError(409, 'Conflict',
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable'),
  beingDeleted: (name: string) => kvError(409, 'Conflict',
    `Secret ${name} is currently being deleted and cannot be re-created; retry later.`, 'ObjectIsBeingDeleted'),
  beingRecovered: (name: string) => kvError(409, 'Conflict',
    `Secret ${name} is currently being recovered.`, 'ObjectIsBeingRecovered'),
  /** [emu] D-31.2: a certificate-backed secret cannot be written through the secrets API. */
  managedSecret: (name: string, operation: string) => kvError(409, 'Conflict',
    `Secret ${name} is managed by a certificate; operation ${operation} is not allowed on a managed secret. Use the certificates API.`),
  /** [emu] restore of a name that exists. */
  restoreConflict: (name: string) => kvError(409, 'Conflict',
    `Secret ${name} already exists in this key vault and cannot be restored over.`),
  invalidName: (name: string) => kvError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`),
  secretTooLarge: (limit: number) => kvError(400, 'BadParameter',
    `Secret is beyond the maximum permitted length of ${limit} characters.`, 'SecretTooLarge'),
  invalidProperty: (detail?: string) => kvError(400, 'BadParameter',
    detail === undefined ? 'Property has invalid value' : `Property has invalid value: ${detail}`),
  badParameter: (message: string) => kvError(400, 'BadParameter', message),
  throttled: (headers: Record<string, string>) => kvError(429, 'Throttled',
    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached', undefined, headers),
  forbiddenByRbac: (caller: string, action: string, resource: string, vault: string) => kvError(403, 'Forbidden',
    'Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
    `Caller: ${caller}\r\nAction: '${action}'\r\nResource: '${resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\n` +
    `DecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vault};location=local\r\n`, 'ForbiddenByRbac'),
  forbiddenByFirewall: (address: string, caller: string, vault: string) => kvError(403, 'Forbidden',
    `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${address}\r\nCaller: ${caller}\r\nVault: ${vault};location=local`,
    'ForbiddenByFirewall'),
  /** [emu] wording, decisions D-31.3. */
  forbiddenByGovernancePolicy: (operation: string) => kvError(403, 'Forbidden',
    `Operation "${operation}" is denied by policy: secret contentType is required`, 'ForbiddenByGovernancePolicy'),
  purgeProtected: () => kvError(403, 'Forbidden',
    'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
    'ForbiddenByPolicy'),
  /** [emu] an URL Key Vault does not serve. */
  notFound: (method: string, path: string) => kvError(404, 'NotFound', `The requested operation ${method} ${path} is not supported by this key vault.`),
  bodyTooLarge: (limit: number) => kvError(413, 'RequestEntityTooLarge', `The request body is larger than ${limit} bytes.`),
  internal: () => kvError(500, 'InternalServerError', 'The server encountered an internal error. [emu]')
}

/** An Entra (Microsoft identity platform) OAuth error (spec/azure-keyvault-api.md §6.4). */
export function entraError (status: number, error: string, aadsts: number, description: string): EmulatorHttpError {
  const traceId = randomUUID()
  const correlationId = randomUUID()
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
  return new EmulatorHttpError(status, {
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`
  })
}

/** Entra token-endpoint errors (spec/azure-keyvault-api.md §6.4, decisions D-5, D-31.1). */
export const EntraErrors = {
  tenantNotFound: (tenant: string) => entraError(400, 'invalid_request', 90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  unknownClient: (clientId: string, tenant: string) => entraError(400, 'unauthorized_client', 700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`),
  clientDisabled: (clientId: string) => entraError(400, 'unauthorized_client', 7000112, `Application '${clientId}' is disabled.`),
  invalidClientSecret: (clientId: string) => entraError(401, 'invalid_client', 7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  missingClientSecret: () => entraError(401, 'invalid_client', 7000216,
    "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."),
  missingParameter: (name: string) => entraError(400, 'invalid_request', 900144,
    `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrant: (grant: string) => entraError(400, 'unsupported_grant_type', 70003,
    `The app requested an unsupported grant type '${grant}'.`),
  invalidScope: (scope: string) => entraError(400, 'invalid_scope', 1002012,
    `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  /** [emu] a body that is not a form. */
  badRequest: (description: string) => entraError(400, 'invalid_request', 900144, description),
  internal: () => entraError(500, 'server_error', 50000, 'There was an error issuing a token. [emu]')
}

/** Errors of the emulator's own admin API (`/_emulator/...`), in the Key Vault body shape. */
export const AdminErrors = {
  unauthorized: () => kvError(401, 'Unauthorized', 'A valid emulator admin token is required (Authorization: Bearer <admin_token>).'),
  notFound: (what: string) => kvError(404, 'NotFound', `${what} was not found.`),
  badRequest: (message: string) => kvError(400, 'BadParameter', message),
  conflict: (message: string) => kvError(409, 'Conflict', message)
}
