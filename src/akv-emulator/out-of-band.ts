/**
 * Out-of-band edits: what someone in the Azure portal or a pipeline does to a secret behind a
 * syncer's back, applied by the admin API (`POST /_emulator/vaults/{v}/secrets/{name}/edits`) so
 * drift tests need no second principal and leave the request log and throttle untouched.
 * Each edit goes through the vault's store with the data plane's rules (a new version and every
 * property patch move `attributes.updated`, spec/azure-keyvault-api.md §1.3), except `purge` and
 * `recreate`, which remove the name at once whatever the soft-delete and purge-protection settings.
 * Errors are the data plane's `EmulatorHttpError`s (404 `SecretNotFound`, 409 for managed secrets).
 */
import { AdminErrors, AzureErrors } from './errors.js'
import { latestVersion } from './secret-model.js'
import type { SecretStore } from './secret-store.js'
import type { OutOfBandEdit, OutOfBandResult } from './types.js'
import { checkSecretName, parseSetInput, parseUpdateInput, type SetInput } from './validation.js'

/** What a name holds after an edit. */
function outcome (store: SecretStore, name: string, op: OutOfBandEdit['op']): OutOfBandResult {
  try {
    const { secret, version } = store.find(name)
    return { op, name: secret.name, state: 'active', version: version.version, updated: version.updated, enabled: version.enabled }
  } catch {
    return { op, name, state: store.toJSON().deleted.some((d) => d.name.toLowerCase() === name.toLowerCase()) ? 'deleted' : 'absent' }
  }
}

/**
 * Applies one edit to `name` in `store`:
 * - `new-version`: a new version with `value` and only the given `contentType`/`tags` (none: untagged);
 * - `patch`: contentType/tags (tags replaced wholesale)/enabled of `version` (default: the latest);
 * - `disable`: `enabled: false` on `version` (default: the latest);
 * - `delete`: soft delete (or hard, when the vault is `Purgeable`);
 * - `purge`: the name disappears, active or deleted (404 when unknown);
 * - `recreate`: purge, then a brand-new secret with `value` (its versions share nothing with the old ones).
 */
export function applyOutOfBandEdit (store: SecretStore, name: string, edit: OutOfBandEdit): OutOfBandResult {
  checkSecretName(name)
  // The data plane's own body checks (value size, 15 tags, lengths), so an edit is one Azure could make.
  const setInput = (e: { value: string, contentType?: string, tags?: Record<string, string> }): SetInput =>
    parseSetInput(JSON.stringify({ value: e.value, contentType: e.contentType, tags: e.tags }))
  switch (edit.op) {
    case 'new-version':
      store.set(name, setInput(edit))
      break
    case 'patch':
      store.update(name, edit.version, parseUpdateInput(JSON.stringify({
        contentType: edit.contentType, tags: edit.tags, attributes: edit.enabled !== undefined ? { enabled: edit.enabled } : {}
      })))
      break
    case 'disable':
      store.update(name, edit.version, { attributes: { enabled: false } })
      break
    case 'delete':
      store.delete(name)
      break
    case 'purge':
      if (!store.remove(name)) throw AdminErrors.notFound(`Secret "${name}"`)
      break
    case 'recreate': {
      const input = setInput(edit)
      const found = store.toJSON().secrets.find((s) => s.name.toLowerCase() === name.toLowerCase())
      if (found !== undefined && latestVersion(found).managed === true) throw AzureErrors.managedSecret(found.name, 'set')
      store.remove(name)
      store.set(name, input)
      break
    }
  }
  return outcome(store, name, edit.op)
}
