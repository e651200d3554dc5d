/**
 * `sys/sync-ext/preview/name` (round2.md R2-2, issue 20): the external name a secret would get,
 * computed with the worker's own code: `name-template.ts` (parse, `templateFields`, render, as
 * `sync/plan.ts` does) and the destination type's `externalName` (Azure's normalisation and
 * checks, decisions D-20). Nothing is read from KV and nothing is written.
 *
 * Template and granularity come from the request, else from the named destination, else the
 * granularity's default (D-15.9). Under `secret-key` the sample key is `secret_key`
 * (default `key`).
 */
import type { DriverRegistry } from '../drivers/registry.js'
import type { SyncMounts } from '../sync/sync-sources.js'
import type { DestinationService } from '../sync/destination-service.js'
import { effectiveNameTemplate, parseNameTemplateFor, renderNameTemplate, templateFields, TemplateError, type Granularity } from '../sync/name-template.js'
import { GRANULARITIES } from '../sync/sync-types.js'
import { badRequest } from '../vault/errors.js'
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

/** Creates the preview function. */
export function createNamePreview ({ registry, mounts, destinations }: NamePreviewDeps) {
  /**
   * Computes the preview for a request body (`type`, `mount`, `secret_name`, optional `name`,
   * `secret_name_template`, `granularity`, `secret_key`).
   * @throws VaultError 400 naming the field: missing field, unknown type or mount, bad
   *   granularity, or a template that does not parse (`secret name template is invalid: ...`).
   */
  return async function previewName (body: Record<string, unknown>): Promise<NamePreview> {
    const type = required(body, 'type')
    const driver = registry.get(type)
    if (driver === undefined) throw badRequest(`type: unknown destination type ${JSON.stringify(type)}; known: ${registry.types().join(', ')}`)
    const mountInput = required(body, 'mount')
    const mount = await mounts.byPath(mountInput)
    if (mount === undefined) throw badRequest(`mount: no mount at ${JSON.stringify(mountInput)}`)
    const secretPath = required(body, 'secret_name').replace(/^\/+/, '')
    const destName = decodeString(body.name, 'name') ?? ''
    const stored = destName === '' ? undefined : (await destinations.find(type, destName)).row
    const storedOptions = stored === undefined ? undefined : destinations.configOf(stored).options
    const granularityInput = decodeString(body.granularity, 'granularity')
    if (granularityInput !== undefined && granularityInput !== '' && !(GRANULARITIES as readonly string[]).includes(granularityInput)) {
      throw badRequest(`granularity: must be one of ${GRANULARITIES.join(', ')}`)
    }
    const granularity = (granularityInput !== undefined && granularityInput !== '' ? granularityInput : storedOptions?.granularity ?? 'secret-path') as Granularity
    const templateInput = decodeString(body.secret_name_template, 'secret_name_template')
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
