/**
 * Microsoft Entra endpoints for the client-credentials flow (spec/azure-keyvault-api.md §6):
 * `GET /{tenant}/v2.0/.well-known/openid-configuration` (the four fields MSAL requires, and the
 * usual others), `POST /{tenant}/oauth2/v2.0/token` (client_secret_post or HTTP Basic), and
 * `GET /{tenant}/discovery/v2.0/keys` (the JWKS that verifies issued tokens). Errors are Entra's
 * (`invalid_client` AADSTS7000215 for a wrong secret, AADSTS90002 for an unknown tenant, ...).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorCore } from './core.js'
import { EntraErrors } from './errors.js'
import { secretsEqual } from './principals.js'
import { applyFault } from './vault-gate.js'
import { pathOf } from './request-state.js'

type TenantParams = { tenant: string }

function knownTenant (core: EmulatorCore, r: FastifyRequest): string {
  const { tenant } = r.params as TenantParams
  if (!core.principals.hasTenant(tenant)) throw EntraErrors.tenantNotFound(tenant)
  return tenant
}

/** The OpenID configuration document for `tenant` on `origin` (§6.2). */
export function openIdConfiguration (origin: string, tenant: string): Record<string, unknown> {
  const base = `${origin}/${tenant}`
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['ES256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com'
  }
}

/** Basic credentials are form-encoded (RFC 6749 §2.3.1); a malformed escape is kept as is. */
function formDecode (s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')) } catch { return s }
}

/** The client id and secret of a token request: the form's, else HTTP Basic (RFC 6749 §2.3.1). */
function clientCredentials (form: URLSearchParams, authorization: string | undefined): { id?: string, secret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')
  if (basic !== null) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
    }
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined }
}

/** Registers the Entra routes on a listener. */
export function registerEntraRoutes (app: FastifyInstance, core: EmulatorCore): void {
  const config = { family: 'entra' as const }

  app.get('/:tenant/v2.0/.well-known/openid-configuration', { config }, async (r) =>
    openIdConfiguration(r.akv.origin, knownTenant(core, r)))

  app.get('/:tenant/discovery/v2.0/keys', { config }, async (r) => {
    knownTenant(core, r)
    return core.tokens.jwks()
  })

  app.post('/:tenant/oauth2/v2.0/token', { config }, async (r, reply) => {
    const tenant = knownTenant(core, r)
    let form: URLSearchParams
    try {
      form = new URLSearchParams(typeof r.body === 'string' ? r.body : '')
    } catch {
      throw EntraErrors.badRequest('The request body must be application/x-www-form-urlencoded. [emu]')
    }
    const { id, secret } = clientCredentials(form, r.headers.authorization)
    if (id !== undefined && id !== '') r.akv.principal = id
    r.akv.tenantId = tenant
    const fault = core.faults.take({ family: 'entra', method: r.method, path: pathOf(r.url), principal: id })
    if (fault !== undefined && await applyFault(core, fault, 'entra', r, reply, '')) return reply
    const grant = form.get('grant_type')
    if (grant === null || grant === '') throw EntraErrors.missingParameter('grant_type')
    if (grant !== 'client_credentials') throw EntraErrors.unsupportedGrant(grant)
    if (id === undefined || id === '') throw EntraErrors.missingParameter('client_id')
    const scope = form.get('scope')
    if (scope === null || scope === '') throw EntraErrors.missingParameter('scope')
    const resourceScope = scope.split(' ').find((s) => s.endsWith('/.default'))
    if (resourceScope === undefined) throw EntraErrors.invalidScope(scope)
    const p = core.principals.get(id)
    if (p === undefined || p.tenantId.toLowerCase() !== tenant.toLowerCase()) throw EntraErrors.unknownClient(id, tenant)
    if (!p.enabled) throw EntraErrors.clientDisabled(id)
    if (secret === undefined || secret === '') throw EntraErrors.missingClientSecret()
    if (!secretsEqual(secret, p.clientSecret)) throw EntraErrors.invalidClientSecret(p.clientId)
    const audience = resourceScope.slice(0, -'/.default'.length)
    const lifetime = core.tokenLifetimeSec
    const token = await core.tokens.issue({ tenantId: p.tenantId, clientId: p.clientId, objectId: p.objectId, generation: p.generation },
      audience, lifetime, core.clock.now())
    return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token }
  })
}
