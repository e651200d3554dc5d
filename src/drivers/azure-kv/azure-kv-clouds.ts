/**
 * Azure clouds accepted in an azure-kv destination's `cloud` field (decisions D-15.8,
 * spec/azure-keyvault-api.md §6.5), case-insensitively, and the Entra authority host of each.
 * The Key Vault token scope comes from the vault's challenge, so the cloud only picks the
 * authority.
 */
export const AZURE_CLOUDS = {
  public: { authorityHost: 'https://login.microsoftonline.com', names: ['', 'cloud', 'public', 'azurecloud', 'azurepubliccloud'] },
  usgovernment: { authorityHost: 'https://login.microsoftonline.us', names: ['usgovernment', 'azureusgovernment', 'azureusgovernmentcloud'] },
  china: { authorityHost: 'https://login.chinacloudapi.cn', names: ['china', 'azurechinacloud'] }
} as const

export type AzureCloudId = keyof typeof AZURE_CLOUDS

/** The cloud a `cloud` value names, or `undefined` (unknown, or the closed AzureGermanCloud). */
export function resolveAzureCloud (cloud: string): AzureCloudId | undefined {
  const name = cloud.trim().toLowerCase()
  for (const [id, c] of Object.entries(AZURE_CLOUDS)) {
    if ((c.names as readonly string[]).includes(name)) return id as AzureCloudId
  }
  return undefined
}
