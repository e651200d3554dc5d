/**
 * The Azure side of the benchmarks: one in-process Azure Key Vault emulator (the product's own,
 * `src/akv-emulator/`) with one emulated vault per purpose, so each benchmark has its own
 * throttling window and fault rules, plus real Azure SDK clients for references and probes.
 *
 * Principals: the emulator's primary principal is what the server's worker uses (and what the
 * references use when they must see the same injected latency); a second "probe" principal
 * reads values for measurement and is exempt from injected latency (decisions D-28).
 */
import { Agent } from 'node:https'
import { ClientSecretCredential } from '@azure/identity'
import { SecretClient } from '@azure/keyvault-secrets'
import { startAkvEmulator, type AkvEmulator } from '../../src/akv-emulator/index.js'
import { now } from './common.js'
import type { VaultHttp } from './vault-http.js'

/** Vaults of the run: name -> purpose. */
export const VAULTS = {
  lat0: 'bench 1, 0 ms injected latency, throttling off',
  lat20: 'bench 1, 20 ms injected latency, throttling off',
  bulk: 'bench 2, vault-sync, throttling at 300 writes / 10 s',
  bulkref: 'bench 2, reference client, throttling at 300 writes / 10 s',
  hot: 'bench 3, vault-sync, throttling at 300 writes / 10 s',
  hotref: 'bench 3, reference write-through, throttling at 300 writes / 10 s',
  bulkshared: 'bench 2, two vault-sync destinations sharing one vault, throttling at 300 writes / 10 s',
  bulkpg: 'bench 2, vault-sync on PostgreSQL (3 replicas), throttling at 300 writes / 10 s',
  scale: 'bench 5, worker at scale (10 changes/s), throttling at 300 writes / 10 s'
} as const
export type VaultName = keyof typeof VAULTS

const PROBE = { clientId: 'b0b0b0b0-0000-4000-8000-00000000b0b0', clientSecret: 'bench-probe-secret' }

export interface AzureSide {
  emu: AkvEmulator
  /** Cold start of the emulator (new temp dir: CA and certificate generated), ms. */
  readyMs: number
  uri: (vault: VaultName) => string
  /** An SDK client as the worker's principal (subject to injected latency), no SDK retries. */
  workerClient: (vault: VaultName) => SecretClient
  /** An SDK client as the probe principal (never delayed), no SDK retries. */
  probeClient: (vault: VaultName) => SecretClient
  /** The `VAULT_SYNC_*` settings that point a server's worker at this emulator. */
  serverEnv: Record<string, string>
  /** Creates an azure-kv destination on `vault` whose Azure names are the secret's base name. */
  createDestination: (api: VaultHttp, name: string, vault: VaultName) => Promise<void>
  /** Latest value of `name` in `vault`, straight from the emulator's store (no HTTP). */
  latestValue: (vault: VaultName, name: string) => string | undefined
  close: () => Promise<void>
}

/** Starts the emulator with the bench vaults. */
export async function startAzureSide (): Promise<AzureSide> {
  const names = Object.keys(VAULTS) as VaultName[]
  const started = now()
  const emu = await startAkvEmulator({
    vaultName: names[0],
    extraVaults: names.slice(1),
    principals: [PROBE],
    requestLogLimit: 1_000_000
  })
  const readyMs = now() - started
  for (const v of ['lat0', 'lat20'] as const) emu.vault(v).updateSettings({ throttle: { enabled: false } })
  const uri = (vault: VaultName): string => emu.vault(vault).uri
  const agent = new Agent({ keepAlive: true, ca: emu.caPem })
  const credentials = new Map<string, ClientSecretCredential>()
  const credential = (clientId: string, secret: string): ClientSecretCredential => {
    let c = credentials.get(clientId)
    if (c === undefined) {
      c = new ClientSecretCredential(emu.info.tenant_id, clientId, secret, {
        authorityHost: emu.info.authority_host, disableInstanceDiscovery: true, tlsOptions: { ca: emu.caPem }
      })
      credentials.set(clientId, c)
    }
    return c
  }
  const client = (vault: VaultName, clientId: string, secret: string): SecretClient =>
    new SecretClient(uri(vault), credential(clientId, secret), {
      disableChallengeResourceVerification: true, agent, retryOptions: { maxRetries: 0 }
    })
  return {
    emu,
    readyMs,
    uri,
    workerClient: (vault) => client(vault, emu.info.client_id, emu.info.client_secret),
    probeClient: (vault) => client(vault, PROBE.clientId, PROBE.clientSecret),
    serverEnv: {
      VAULT_SYNC_AZURE_AUTHORITY_HOST: emu.info.authority_host,
      VAULT_SYNC_AZURE_CA_FILE: emu.info.ca_file,
      VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
      VAULT_SYNC_AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true',
      VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true'
    },
    createDestination: async (api, name, vault) => {
      await api.must('POST', `sys/sync/destinations/azure-kv/${name}`, {
        key_vault_uri: uri(vault),
        tenant_id: emu.info.tenant_id,
        client_id: emu.info.client_id,
        client_secret: emu.info.client_secret,
        secret_name_template: '{{ .SecretBaseName }}'
      })
    },
    latestValue: (vault, name) => {
      const s = emu.vault(vault).inspectSecret(name)
      if (s?.state !== 'active') return undefined
      return s.secret.versions[s.secret.versions.length - 1]?.value
    },
    close: async () => { agent.destroy(); await emu.close() }
  }
}

/** The Azure value vault-sync writes for KV data `{v: value}` under `secret-path` (Go-style JSON, D-19). */
export const azureValueOf = (value: string | number): string => JSON.stringify({ v: value })
