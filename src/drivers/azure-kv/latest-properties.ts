/**
 * The properties (tags, content type, `managed`, version, `enabled`) of a Key Vault secret's latest
 * version, for the driver's ownership checks (decisions D-3, FR-12, FR-23, FR-25, issue 21), also
 * when that version is disabled. Get Secret of a disabled version, latest or by id, answers 403
 * `Forbidden`/`SecretDisabled` and nothing else (spec/azure-keyvault-api.md §1.6, §2), so the
 * properties of a disabled latest version come from Get Secret Versions
 * (`GET /secrets/{name}/versions`, the SDK's `listPropertiesOfSecretVersions`), which lists every
 * version, disabled ones included, with its tags and `created` but never a value, and needs only
 * `Microsoft.KeyVault/vaults/secrets/readMetadata/action` (decisions D-25; README's custom role).
 * The listing's order is not documented (Azure was seen answering in version-id order, not in
 * creation order: nagyesta/lowkey-vault#428, Azure/azure-sdk-for-net#45792), so the latest version
 * is the one created last, and `created` has one-second resolution: see {@link latestOfVersions}.
 */
import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets'
import type { CallGate } from './azure-kv-drift.js'
import { classifyAzureError, innerCode, statusOf } from './azure-kv-errors.js'

/** Options of {@link readLatestProperties}. */
export interface LatestReadOptions {
  /** Runs each Azure call, the Get Secret and each page of the version listing (the driver's limiter). */
  call: CallGate
  /** The caller's abort signal (a shutdown), checked before each listing page. */
  signal?: AbortSignal
  /**
   * Whether a version counts as the caller's: used only to break a tie between versions created
   * in the same second, which then resolves to one it rejects, if any (a tie never proves ownership).
   */
  owned: (p: SecretProperties) => boolean
}

/** `createdOn` in whole seconds (Key Vault's resolution); a version without a valid one sorts first. */
function createdSeconds (p: SecretProperties): number {
  const ms = p.createdOn?.getTime()
  return ms === undefined || !Number.isFinite(ms) ? -Infinity : Math.floor(ms / 1000)
}

/**
 * The latest of `versions` (any order): the one with the greatest `createdOn`. When several share
 * that second, Key Vault cannot tell which came last, so the first that `owned` rejects is taken
 * (else the first of them): an ownership check then fails rather than act on someone else's
 * version. `undefined` for an empty list.
 */
export function latestOfVersions (versions: readonly SecretProperties[], owned: (p: SecretProperties) => boolean): SecretProperties | undefined {
  if (versions.length === 0) return undefined
  const newest = versions.reduce((m, p) => Math.max(m, createdSeconds(p)), -Infinity)
  const tied = versions.filter((p) => createdSeconds(p) === newest)
  return tied.find((p) => !owned(p)) ?? tied[0]
}

/**
 * Every version's properties of `name` (Get Secret Versions, 25 a page, every page under
 * `o.call`, as is the SDK's last pass, which sends nothing once a page had no nextLink);
 * `undefined` when the secret is gone (404: deleted meanwhile).
 * @throws SyncError (classified Azure error) when a page fails; the abort reason when `o.signal` aborts.
 */
async function listVersions (client: SecretClient, name: string, o: LatestReadOptions): Promise<SecretProperties[] | undefined> {
  const pages = client.listPropertiesOfSecretVersions(name, { abortSignal: o.signal }).byPage({ maxPageSize: 25 })
  const out: SecretProperties[] = []
  try {
    for (;;) {
      // The SDK honours the abort signal on the first page only (later pages follow nextLink bare).
      o.signal?.throwIfAborted()
      const page = await o.call(async () => await pages.next())
      if (page.done === true) return out
      out.push(...page.value)
    }
  } catch (err) {
    if (o.signal?.aborted === true) throw err
    if (statusOf(err) === 404) return undefined
    throw classifyAzureError(err, `listPropertiesOfSecretVersions "${name}"`)
  }
}

/**
 * The latest version's properties of `name`, or `undefined` when there is no live secret (404).
 * One Get Secret (`getSecret`, value discarded); when it answers 403 `SecretDisabled`, the version
 * listing (one call per 25 versions) and {@link latestOfVersions} over its disabled versions
 * (all of them when none says so): the result then has `enabled: false`. Other errors are classified as the driver's (`classifyAzureError`: 403 a
 * client-side error, 429/5xx/timeouts transient).
 * @throws SyncError for a failed call; the abort reason when `o.signal` aborts.
 */
export async function readLatestProperties (client: SecretClient, name: string, o: LatestReadOptions): Promise<SecretProperties | undefined> {
  try {
    return (await o.call(async () => await client.getSecret(name, { abortSignal: o.signal }))).properties
  } catch (err) {
    if (statusOf(err) === 404) return undefined
    if (statusOf(err) !== 403 || innerCode(err) !== 'SecretDisabled') throw classifyAzureError(err, `getSecret "${name}"`)
  }
  const versions = await listVersions(client, name, o)
  if (versions === undefined) return undefined
  // Get Secret just said the latest version is disabled: an enabled one is never it (an enabled
  // version created in the same second must not decide the tie).
  const disabled = versions.filter((p) => p.enabled === false)
  return latestOfVersions(disabled.length > 0 ? disabled : versions, o.owned)
}
