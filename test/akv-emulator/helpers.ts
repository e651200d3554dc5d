// Test helpers for the emulator tests: start an emulator for one tap test and build the real SDK
// clients with the exact offline options of spec/azure-sdk-offline.md §2. Not a test file itself
// (tap only runs test/**/*.test.ts).
import { ClientSecretCredential, type TokenCredential } from '@azure/identity'
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets'
import { startAkvEmulator, type AkvEmulator, type AkvEmulatorOptions } from '../../src/akv-emulator/index.js'

interface TapLike { teardown: (fn: () => unknown) => void }

/** Starts an emulator that closes when the test ends. */
export async function startEmulator (t: TapLike, options: AkvEmulatorOptions = {}): Promise<AkvEmulator> {
  const emu = await startAkvEmulator(options)
  t.teardown(async () => { await emu.close() })
  return emu
}

/** A ClientSecretCredential pointed at the emulator's Entra. */
export function credentialFor (emu: AkvEmulator, over: { tenantId?: string, clientId?: string, clientSecret?: string } = {}): ClientSecretCredential {
  const i = emu.info
  return new ClientSecretCredential(over.tenantId ?? i.tenant_id, over.clientId ?? i.client_id, over.clientSecret ?? i.client_secret, {
    authorityHost: i.authority_host,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: emu.caPem }
  })
}

/** A SecretClient for `vaultUri` (default: the first vault), SDK retries as given (default: off). */
export function clientFor (emu: AkvEmulator, credential: TokenCredential = credentialFor(emu),
  options: SecretClientOptions & { vaultUri?: string } = {}): SecretClient {
  const { vaultUri, ...rest } = options
  return new SecretClient(vaultUri ?? emu.info.vault_uri, credential, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emu.caPem },
    retryOptions: { maxRetries: 0 },
    ...rest
  })
}

/** The poll interval every LRO in these tests uses (never the SDK's 2 s default). */
export const POLL = { intervalInMs: 10 }
