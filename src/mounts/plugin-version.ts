/**
 * A mount's `plugin_version` as Vault checks it when a mount is enabled (`validateVersion`,
 * called from `handleMount` in `vault/logical_system.go`) and tuned (`handleTuneWriteCommon`),
 * with the version syntax of `hashicorp/go-version` v1.9.0 (`NewVersion`, `String`), the
 * library Vault uses. vault-sync runs only built-in plugins, each at one version (its
 * `running_plugin_version`), so the only version a mount can be pinned to is that one.
 */
import { badRequest } from '../vault/errors.js'

// go-version's VersionRegexpRaw, anchored as NewVersion anchors it (group numbers as in Go).
const GO_VERSION = /^v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))??$/
const INT64_MAX = 9223372036854775807n

/**
 * `"v" + version.String()` of go-version's `NewVersion(version)`: at least three numeric
 * segments, leading zeros dropped, then `-pre` and `+metadata` (`1.2` → `v1.2.0`).
 * @throws VaultError 400 `version "x" is not a valid semantic version: malformed version: x`
 *   (Vault's text around go-version's error).
 */
export function canonicalPluginVersion (version: string): string {
  const fail = (why: string): Error => badRequest(`version ${JSON.stringify(version)} is not a valid semantic version: ${why}`)
  const m = GO_VERSION.exec(version)
  if (m === null) throw fail(`malformed version: ${version}`)
  const segments = m[1].split('.').map((s) => {
    if (BigInt(s) > INT64_MAX) throw fail(`error parsing version: strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`)
    return BigInt(s).toString()
  })
  while (segments.length < 3) segments.push('0')
  const pre = m[7] ?? m[4] ?? ''
  const metadata = m[10] ?? ''
  return `v${segments.join('.')}${pre === '' ? '' : `-${pre}`}${metadata === '' ? '' : `+${metadata}`}`
}

/**
 * The version stored for a new mount (`validateVersion`): `""` for none; the built-in
 * version (`builtin`, in any spelling go-version accepts) is not stored either, as Vault
 * stores no builtin version. `builtin` undefined: a type vault-sync cannot mount, only
 * the syntax is checked (the mount is refused afterwards).
 * @throws VaultError 400: the syntax error of `canonicalPluginVersion`, or
 *   `cannot select non-builtin version of secrets plugin <type>`.
 */
export function enablePluginVersion (version: string, type: string, builtin: string | undefined): string {
  if (version === '') return ''
  const canonical = canonicalPluginVersion(version)
  if (builtin === undefined || canonical === builtin) return ''
  throw badRequest(`cannot select non-builtin version of secrets plugin ${type}`)
}

/**
 * The version a tune stores (`handleTuneWriteCommon`, `plugin_version`): the canonical form,
 * which must be in the plugin catalog, here only the running built-in version.
 * @throws VaultError 400: the syntax error (also for `""`), or
 *   `plugin not found in the catalog: <type>, version=<canonical>` (`LookupPluginVersion`).
 */
export function tunedPluginVersion (version: string, type: string, running: string): string {
  const canonical = canonicalPluginVersion(version)
  if (canonical !== running) throw badRequest(`plugin not found in the catalog: ${type}, version=${canonical}`)
  return canonical
}
