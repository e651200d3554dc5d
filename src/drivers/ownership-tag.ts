/**
 * The ownership tag (decisions D-3): every external secret version vault-sync writes carries
 * `hashicorp:vault` = `vault-sync:<destination_id>:<association_id>`. Part of the driver
 * contract: the sync plan builds the value, drivers check it before a delete or an adoption.
 */

/** The built-in tag key (D-3). */
export const BUILTIN_TAG_KEY = 'hashicorp:vault'
/** Prefix of every built-in tag value; a value with it means "written by vault-sync". */
export const OWNER_VALUE_PREFIX = 'vault-sync:'

/** True when the tags carry a built-in tag of any association (value starts with `vault-sync:`). */
export function isOwnedByVaultSync (tags: Readonly<Record<string, string>> | undefined): boolean {
  const value = tags?.[BUILTIN_TAG_KEY]
  return value !== undefined && value.startsWith(OWNER_VALUE_PREFIX)
}
