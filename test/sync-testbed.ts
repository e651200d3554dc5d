/**
 * End-to-end sync tests: a real dev-mode server with the worker on, pointed at a real Azure Key
 * Vault emulator over HTTPS through the operator-level `VAULT_SYNC_AZURE_*` settings (the same
 * way `server -dev` does), with short poll and backoff times. Helpers drive the HTTP API and
 * read the emulator's state; `settle()` waits for the worker to go idle. The worker runs on a
 * clock the test can move forward (`advance`), so "nothing happens before the retry is due" is
 * shown without sleeping.
 */
import type { Test } from 'tap'
import { ClientSecretCredential } from '@azure/identity'
import { SecretClient } from '@azure/keyvault-secrets'
import type { LightMyRequestResponse } from 'fastify'
import { startAkvEmulator, type AkvEmulator, type AkvEmulatorOptions } from '../src/akv-emulator/index.js'
import type { StoredSecret, StoredVersion } from '../src/akv-emulator/secret-model.js'
import { startTestServer, vault, type TestServer } from './helper.js'

export interface SyncTestbed {
  server: TestServer
  emu: AkvEmulator
  /** Creates (POST) `azure-kv/<name>` pointing at the emulator, plus `extra` fields; asserts 200/204. */
  destination: (name: string, extra?: Record<string, unknown>) => Promise<LightMyRequestResponse>
  /** Writes KV `secret/data/<path>` (or another mount); returns the response. */
  put: (path: string, data: Record<string, unknown>, mount?: string) => Promise<LightMyRequestResponse>
  set: (dest: string, secret: string, mount?: string) => Promise<LightMyRequestResponse>
  remove: (dest: string, secret: string, mount?: string) => Promise<LightMyRequestResponse>
  /** `associated_secrets` of a destination. */
  associations: (dest: string) => Promise<Record<string, { sync_status: string, sub_key?: string, message?: string, secret_name: string }>>
  /** Waits until the worker has nothing in flight and nothing due. */
  settle: () => Promise<void>
  /** Moves the worker's clock forward by `ms` (retries due by then run), then waits until it is idle. */
  advance: (ms: number) => Promise<void>
  /**
   * Waits until the outbox is empty (retries in backoff included) and `done()` holds, polling
   * every 25 ms; throws after `timeoutMs` naming what was still pending.
   */
  converge: (done: () => Promise<boolean> | boolean, timeoutMs?: number) => Promise<void>
  /** The emulator's active secret `name` (case-insensitive), or undefined (absent or soft-deleted). */
  azure: (name: string) => StoredSecret | undefined
  /** The latest version of `name`, or undefined. */
  latest: (name: string) => StoredVersion | undefined
  /** Names of active secrets, sorted. */
  names: () => string[]
  /** A real Azure SDK client on the emulator (to prepare foreign secrets, or read as users would). */
  sdk: () => SecretClient
  /** The status entry of `<accessor>/<secret>[/<subKey>]` on `dest` (the accessor of `secret/`). */
  entry: (dest: string, secret: string, subKey?: string) => Promise<{ sync_status: string, message?: string } | undefined>
  /** `vault-kv-<8hex>-<path>`: the default secret-path name of `secret/<path>` (path already Azure-safe). */
  defaultName: (path: string) => Promise<string>
}

/**
 * The settings that point a server's worker at the emulator `info` describes (its authority
 * host and CA, no instance discovery or challenge-resource check, loopback allowed), with fast
 * polls and backoffs for tests.
 */
export function emulatorWorkerEnv (info: { authority_host: string, ca_file: string }): Record<string, string> {
  return {
    VAULT_SYNC_AZURE_AUTHORITY_HOST: info.authority_host,
    VAULT_SYNC_AZURE_CA_FILE: info.ca_file,
    VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
    VAULT_SYNC_AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true',
    VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true',
    VAULT_SYNC_AZURE_POLL_INTERVAL: '10ms',
    VAULT_SYNC_BACKOFF_BASE: '10ms',
    VAULT_SYNC_BACKOFF_MAX: '200ms'
  }
}

/** Starts the emulator and a server whose worker syncs into it. */
export async function startSyncTestbed (t: Test, opts: { emulator?: AkvEmulatorOptions, env?: Record<string, string> } = {}): Promise<SyncTestbed> {
  const emu = await startAkvEmulator(opts.emulator)
  let offsetMs = 0
  const server = await startTestServer(t, {
    VAULT_SYNC_WORKER: 'on',
    ...emulatorWorkerEnv(emu.info),
    VAULT_SYNC_AZURE_POLL_TIMEOUT: '10s',
    VAULT_SYNC_CLIENT_ERROR_RETRY: '500ms',
    VAULT_SYNC_UNSYNCED_RETENTION: '10m',
    ...opts.env
  }, { workerClock: () => Date.now() + offsetMs })
  // Registered after the server's own teardown, so it runs after the worker has stopped.
  t.teardown(async () => { await server.close(); await emu.close() })
  const app = server.app
  const check = (res: LightMyRequestResponse, what: string): LightMyRequestResponse => {
    if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
    return res
  }
  // The worker idle with nothing due that it could claim. On PostgreSQL a replica claims only
  // the rows of the Key Vaults it holds a lease for, and a vault's lease is taken on the lease
  // keeper's next tick after the worker first records the vault (at most 5 s): wait for it too.
  // Its wake-up by the outbox notification may not have arrived yet: wake it first.
  const pg = server.storage.engine === 'postgresql'
  const settled = async (): Promise<void> => {
    const until = Date.now() + 30_000
    for (;;) {
      if (pg) server.worker!.wake()
      await server.worker!.whenIdle()
      if (!pg || (await server.services.syncConfig.get()).disabled) return // disabled: due rows are held
      const next = await server.services.store.repos.outbox.nextDueAt()
      if (next === undefined || next > Date.now() + offsetMs) return
      if (Date.now() > until) throw new Error('outbox rows due but not claimed after 30 s')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const tb: SyncTestbed = {
    server,
    emu,
    destination: async (name, extra = {}) => check(await vault(app, 'POST', `/v1/sys/sync/destinations/azure-kv/${name}`, {
      body: { key_vault_uri: emu.info.vault_uri, tenant_id: emu.info.tenant_id, client_id: emu.info.client_id, client_secret: emu.info.client_secret, ...extra }
    }), `create destination ${name}`),
    put: async (path, data, mount = 'secret') => await vault(app, 'PUT', `/v1/${mount}/data/${path.split('/').map(encodeURIComponent).join('/')}`, { body: { data } }),
    set: async (dest, secret, mount = 'secret') => await vault(app, 'PUT', `/v1/sys/sync/destinations/azure-kv/${dest}/associations/set`, { body: { mount, secret_name: secret } }),
    remove: async (dest, secret, mount = 'secret') => await vault(app, 'PUT', `/v1/sys/sync/destinations/azure-kv/${dest}/associations/remove`, { body: { mount, secret_name: secret } }),
    associations: async (dest) => {
      const res = check(await vault(app, 'GET', `/v1/sys/sync/destinations/azure-kv/${dest}/associations`), `associations of ${dest}`)
      return res.json().data.associated_secrets
    },
    settle: settled,
    advance: async (ms) => {
      offsetMs += ms
      server.worker!.wake()
      await settled()
    },
    converge: async (done, timeoutMs = 120_000) => {
      const until = Date.now() + timeoutMs
      const queued = async (): Promise<number> => await server.services.store.repos.outbox.count()
      for (;;) {
        await server.worker!.whenIdle()
        if (await queued() === 0 && await done()) return
        if (Date.now() > until) throw new Error(`not converged after ${timeoutMs} ms: ${await queued()} outbox rows left`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    azure: (name) => {
      const s = emu.vault().inspectSecret(name)
      return s?.state === 'active' ? s.secret : undefined
    },
    latest: (name) => {
      const s = tb.azure(name)
      return s === undefined ? undefined : s.versions[s.versions.length - 1]
    },
    names: () => emu.vault().snapshot().secrets.map((s) => s.name).sort(),
    sdk: () => {
      const credential = new ClientSecretCredential(emu.info.tenant_id, emu.info.client_id, emu.info.client_secret, {
        authorityHost: emu.info.authority_host, disableInstanceDiscovery: true, tlsOptions: { ca: emu.caPem }
      })
      return new SecretClient(emu.info.vault_uri, credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: emu.caPem }, retryOptions: { maxRetries: 0 } })
    },
    entry: async (dest, secret, subKey) => {
      const accessor = (await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.accessor as string
      return (await tb.associations(dest))[`${accessor}/${secret}${subKey === undefined ? '' : `/${subKey}`}`]
    },
    defaultName: async (path) => {
      const accessor = (await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.accessor as string
      return `vault-${accessor.replace('_', '-')}-${path}`
    }
  }
  return tb
}

/**
 * A testbed whose secret `path` (`{v: 1}`) is synced by destination `d1`, made with `options`
 * (checked `SYNCED`): the common start of the unsync and purge flows. `env` goes to the server.
 */
export async function startSyncedTestbed (t: Test, path: string, options: Record<string, unknown>, env: Record<string, string> = {}): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t, { env })
  await tb.destination('d1', options)
  await tb.put(path, { v: 1 })
  await tb.set('d1', path)
  await tb.settle()
  t.match(await tb.entry('d1', path), { sync_status: 'SYNCED' })
  return tb
}

/** `operation status` of the emulator's Key Vault calls on the Azure name `name` logged after sequence number `from`. */
export function vaultCallsOn (tb: SyncTestbed, from: number, name: string): string[] {
  const onName = new RegExp(`/${name}(/|$)`)
  return tb.emu.requestLog({ since: from })
    .filter((r) => r.family === 'vault' && r.outcome !== 'unauthorized' && onName.test(r.path))
    .map((r) => `${r.operation} ${r.status}`)
}

/**
 * Holds `method` requests to `pathRegex` at the emulator for `latencyMs` each until `release()`.
 * `sent()` waits (up to 10 s) until one has reached the emulator and resolves how many did: an
 * attempt is then known to be in flight.
 */
export function holdRequests (tb: SyncTestbed, method: string, pathRegex: string, latencyMs: number): { sent: () => Promise<number>, release: () => void } {
  const rule = tb.emu.faults.add({ match: { method, pathRegex }, action: { latencyMs }, mode: { untilCleared: true } })
  const hits = (): number => tb.emu.faults.list().find((r) => r.id === rule.id)?.hits ?? 0
  return {
    sent: async () => {
      for (let i = 0; i < 400 && hits() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
      return hits()
    },
    release: () => { tb.emu.faults.remove(rule.id) }
  }
}
