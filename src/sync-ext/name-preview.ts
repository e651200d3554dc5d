/**
 * `sys/sync-ext/preview/name` (round2.md R2-2, issue 20): the external name a secret would get,
 * computed with the worker's own code: `name-template.ts` (parse, `templateFields`, render, as
 * `sync/plan.ts` does) and the destination type's `externalName` (Azure's normalisation and
 * checks, decisions D-20). Nothing is read from KV and nothing is written.
 *
 * Template and granularity come from the request, else from the named destination, else the
 * granularity's default (D-15.9). Under `secret-key` the sample key is `secret_key`
 * (default `key`).
 *
 * The preview tells nothing the caller could not learn from Vault (README "Operator page"):
 * - the mount (whether it exists, its accessor in `{{ .MountAccessor }}`) is looked up only for
 *   a caller who could read it there: `read` on `sys/mounts` or `sys/mounts/<mount>`, or some
 *   access on or under the mount (Vault's `sys/internal/ui/mounts` preflight answers its entry,
 *   accessor included, to such a caller: `Acl.hasMountAccess`);
 * - a destination named by `name` is looked up only when the request leaves it the template or
 *   the granularity, and only for a caller with `read` on `sys/sync/destinations/<type>/<name>`.
 * Otherwise Vault's 403 `permission denied`, before the lookup: the same whether it exists or not.
 */
import type { Acl } from '../acl/acl.js'
import type { DriverRegistry } from '../drivers/registry.js'
import { sanitizeMountPath } from '../mounts/mount-lookup.js'
import type { SyncMounts } from '../sync/sync-sources.js'
import type { DestinationService } from '../sync/destination-service.js'
import { effectiveNameTemplate, parseNameTemplateFor, renderNameTemplate, templateFields, TemplateError, type Granularity } from '../sync/name-template.js'
import { GRANULARITIES } from '../sync/sync-types.js'
import { badRequest, permissionDenied } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'

/** The answer: the template used, the rendered text, and the external name or why there is none. */
export interface NamePreview {
  destination_type: string
  granularity: Granularity
  secret_name_template: string
  rendered: string
  /** The name the worker would write, or `null` when the rendered text cannot be one. */
  external_name: string | null
  /** Why the rendered text is not a valid name (the CLIENT_SIDE_ERROR message the worker would record). */
  error?: string
}

export interface NamePreviewDeps {
  registry: DriverRegistry
  mounts: Pick<SyncMounts, 'byPath'>
  destinations: Pick<DestinationService, 'find' | 'configOf'>
}

const required = (body: Record<string, unknown>, name: string): string => {
  const v = decodeString(body[name], name)
  if (v === undefined || v.trim() === '') throw badRequest(`missing required field "${name}"`)
  return v
}

/** True when `acl` could read the mount `mountPath` (with its `/`) through Vault's own API (see above). */
const mayShowMount = (acl: Acl, mountPath: string): boolean =>
  acl.allows('read', 'sys/mounts') || acl.allows('read', `sys/mounts/${mountPath.slice(0, -1)}`) || acl.hasMountAccess(mountPath)

/** Creates the preview function. */
export function createNamePreview ({ registry, mounts, destinations }: NamePreviewDeps) {
  /**
   * Computes the preview for a request body (`type`, `mount`, `secret_name`, optional `name`,
   * `secret_name_template`, `granularity`, `secret_key`) for the caller's `acl`.
   * @throws VaultError 400 naming the field: missing field, unknown type or mount, bad
   *   granularity, or a template that does not parse (`secret name template is invalid: ...`);
   *   403 `permission denied` when `acl` may not see the mount, or the destination whose stored
   *   settings would apply (module comment), whether it exists or not.
   */
  return async function previewName (body: Record<string, unknown>, acl: Acl): Promise<NamePreview> {
    const type = required(body, 'type')
    const driver = registry.get(type)
    if (driver === undefined) throw badRequest(`type: unknown destination type ${JSON.stringify(type)}; known: ${registry.types().join(', ')}`)
    const mountInput = required(body, 'mount')
    if (!mayShowMount(acl, sanitizeMountPath(mountInput))) throw permissionDenied()
    const mount = await mounts.byPath(mountInput)
    if (mount === undefined) throw badRequest(`mount: no mount at ${JSON.stringify(mountInput)}`)
    const secretPath = required(body, 'secret_name').replace(/^\/+/, '')
    const destName = decodeString(body.name, 'name') ?? ''
    const granularityInput = decodeString(body.granularity, 'granularity')
    const templateInput = decodeString(body.secret_name_template, 'secret_name_template')
    // The stored settings apply only where the request leaves them (and their lookup is checked first).
    const usesStored = destName !== '' && (granularityInput === undefined || granularityInput === '' || templateInput === undefined)
    if (usesStored && !acl.allows('read', `sys/sync/destinations/${type}/${destName}`)) throw permissionDenied()
    const stored = usesStored ? (await destinations.find(type, destName)).row : undefined
    const storedOptions = stored === undefined ? undefined : destinations.configOf(stored).options
    if (granularityInput !== undefined && granularityInput !== '' && !(GRANULARITIES as readonly string[]).includes(granularityInput)) {
      throw badRequest(`granularity: must be one of ${GRANULARITIES.join(', ')}`)
    }
    const granularity = (granularityInput !== undefined && granularityInput !== '' ? granularityInput : storedOptions?.granularity ?? 'secret-path') as Granularity
    const template = effectiveNameTemplate(templateInput ?? storedOptions?.secret_name_template ?? '', granularity)
    let ast
    try {
      ast = parseNameTemplateFor(template, granularity)
    } catch (err) {
      if (err instanceof TemplateError) throw badRequest(`secret_name_template: ${err.message}`)
      throw err
    }
    const rendered = renderNameTemplate(ast, templateFields({
      destinationType: type,
      destinationName: destName === '' ? 'my-destination' : destName,
      mountPath: mount.path,
      mountAccessor: mount.accessor,
      secretPath,
      secretKey: granularity === 'secret-key' ? decodeString(body.secret_key, 'secret_key') || 'key' : undefined
    }))
    const result = driver.externalName(rendered)
    const out: NamePreview = { destination_type: type, granularity, secret_name_template: template, rendered, external_name: 'name' in result ? result.name : null }
    if ('error' in result) out.error = result.error
    return out
  }
}

export type PreviewName = ReturnType<typeof createNamePreview>
