/**
 * Wires config -> seal key -> database -> services -> app, and listens: the only module that
 * opens a socket for the Vault API, and starts the sync worker. `-dev` mode (like
 * `vault server -dev`) also mounts KV v2 at `secret/`, activates secrets sync and fixes the root
 * token; the built-in Azure Key Vault emulator it runs (started by the caller, see `dev-akv.ts`,
 * because its address feeds the configuration) is handed over here and closed with the server.
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createSecureContext } from 'node:tls'
import type { FastifyInstance } from 'fastify'
import type { AkvEmulator } from './akv-emulator/index.js'
import type { PgLogger } from '../db/pg/connection.js'
import { openStorage, sqliteHoldsData, type OpenedStorage } from './replicas/open-storage.js'
import { buildApp, REDACTED_HEADERS } from './app.js'
import { ConfigError, driverSettings, type Config } from './config.js'
import { settingsNeedingRestart } from './config/restart-settings.js'
import { generateSealKey } from './crypto/seal.js'
import { loadOrCreateSealKey, sealKeyModeWarning } from './crypto/seal-key-file.js'
import { devRootToken } from './dev-root-token.js'
import { createBuiltinRegistry, type DriverRegistry } from './drivers/registry.js'
import { createLogger } from './logging/logger.js'
import type { AzureRequestHook } from './metrics/azure-request-policy.js'
import { createServices, type Services } from './services.js'
import { startReplicaEngine, type ReplicaEngine } from './worker/replica-engine.js'
import { createSyncEngine } from './worker/sync-engine.js'
import type { SyncWorker } from './worker/worker.js'
import { createDriftEngine } from './drift/drift-engine.js'
import type { DriftRunner } from './drift/drift-runner.js'
import { quietRepeats } from './logging/repeating-failure-log.js'

export interface DevOptions {
  /** Root token id to create (`-dev-root-token-id`); a new `hvs.` id when absent. */
  rootTokenId?: string
  /**
   * The built-in Key Vault emulator (`server -dev`). The server owns it from here on: it is
   * closed with the server, or at once when the server fails to start.
   */
  akv?: AkvEmulator
}

export interface StartOptions {
  config: Readonly<Config>
  /** Present for `server -dev`. */
  dev?: DevOptions
  /**
   * Adds destination types to this server's registry beyond the built-in ones (embedders and
   * tests: `(registry) => { registry.register(myDriver) }`).
   */
  drivers?: (registry: DriverRegistry) => void
  /**
   * The sync worker's clock, epoch ms (default: the services' clock). Tests pass a clock they
   * can move forward to show that nothing happens before a retry is due, without sleeping.
   */
  workerClock?: () => number
}

export interface RunningServer {
  app: FastifyInstance
  services: Services
  /** Base URL, e.g. `http://127.0.0.1:8200`. */
  address: string
  /** The root token created at this start (always in dev mode; on a new database otherwise). */
  rootToken: string | undefined
  /** The storage (engine, store; on PostgreSQL the replica's runtime and change feed). */
  storage: OpenedStorage
  /** The sync worker, or undefined when switched off (`VAULT_SYNC_WORKER=off`, `-no-worker`). */
  worker: SyncWorker | undefined
  /** Drift sweeps (issue 21), beside the worker; undefined when the worker is off. */
  drift: DriftRunner | undefined
  /** The built-in Key Vault emulator (`server -dev`), or undefined. */
  akv: AkvEmulator | undefined
  /**
   * Applies what Vault reloads on SIGHUP from `next`: the log level and the TLS certificate and
   * key (re-read from their files). Logs one line, and a warning naming the changed settings that
   * need a restart (`src/config/restart-settings.ts`). @throws Error when the new files cannot be read.
   */
  reload: (next: Readonly<Config>) => void
  /** Stops the worker, closes the listener, then the database, then the emulator. */
  close: () => Promise<void>
}

async function devSetup (services: Services, dev: DevOptions): Promise<string> {
  const rootToken = await devRootToken(services, dev.rootTokenId)
  if (await services.mounts.byPath('secret') === undefined) {
    await services.mounts.enable('secret', { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' })
  }
  await services.activation.activate('secrets-sync')
  return rootToken
}

/**
 * Starts the server.
 * @throws ConfigError/Error when the seal key, database or TLS files cannot be used, or the
 *   address cannot be bound.
 */
export async function startServer (options: StartOptions): Promise<RunningServer> {
  try {
    return await startWith(options)
  } catch (err) {
    await options.dev?.akv?.close()
    throw err
  }
}

/**
 * The bytes of the file a setting names.
 * @throws ConfigError naming the setting and the file when it cannot be read (ENOENT, EACCES...).
 */
function readSettingFile (variable: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/**
 * The certificate and key the listener would use, read and checked (PEM that parses, a key that
 * matches the certificate) before anything is written.
 * @throws ConfigError naming the settings and the files: unreadable, or not a usable pair.
 */
function readTlsPair (certFile: string, keyFile: string): { cert: Buffer, key: Buffer } {
  const pair = { cert: readSettingFile('VAULT_SYNC_TLS_CERT_FILE', certFile), key: readSettingFile('VAULT_SYNC_TLS_KEY_FILE', keyFile) }
  try {
    createSecureContext(pair)
  } catch (err) {
    throw new ConfigError('VAULT_SYNC_TLS_CERT_FILE', `${certFile} with the key file ${keyFile} is not a usable PEM certificate and private key (${(err as Error).message})`)
  }
  return pair
}

/**
 * The audit file opened for appending (created 0600 if absent, as the audit device opens it)
 * before anything is written, so a path that cannot be written stops start-up creating nothing.
 * @throws ConfigError naming `VAULT_SYNC_AUDIT_FILE` and the file.
 */
function checkAuditFile (file: string): void {
  try {
    closeSync(openSync(file, 'a', 0o600))
  } catch (err) {
    throw new ConfigError('VAULT_SYNC_AUDIT_FILE', `cannot open ${file} for appending (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/** The URL the API listens on (its scheme ours to say: fastify sees a plain socket server). */
function listenUrl (app: FastifyInstance, config: Readonly<Config>, tls: boolean): string {
  const { port } = app.server.address() as AddressInfo
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host
  return `${tls ? 'https' : 'http'}://${host}:${port}`
}

/**
 * Opens the storage and the seal key. On SQLite the key is read (or created) before the file
 * is opened, so a missing key file of a database holding data leaves nothing written; on
 * PostgreSQL the database is asked whether it holds sealed data (its seal check).
 * @throws as `loadOrCreateSealKey` and `openStorage` (nothing left open).
 */
async function openSealedStorage (config: Readonly<Config>, log: PgLogger): Promise<{ storage: OpenedStorage, sealKey: Buffer }> {
  const file = config.sealKeyFile
  const modeWarning = file === undefined ? undefined : sealKeyModeWarning(file)
  if (modeWarning !== undefined) log.warn({ seal_key_file: file }, modeWarning)
  if (config.storage === 'sqlite') {
    const sealKey = file === undefined ? generateSealKey() : loadOrCreateSealKey(file, () => sqliteHoldsData(config))
    return { storage: await openStorage(config, log), sealKey }
  }
  const storage = await openStorage(config, log)
  try {
    const sealed = await storage.store.repos.meta.get('seal_check') !== undefined
    return { storage, sealKey: file === undefined ? generateSealKey() : loadOrCreateSealKey(file, () => sealed) }
  } catch (err) {
    await storage.close()
    throw err
  }
}

async function startWith ({ config, dev, drivers, workerClock }: StartOptions): Promise<RunningServer> {
  // Read and checked before the database opens, so a bad TLS or audit file setting leaves nothing written.
  const tls = config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined ? readTlsPair(config.tlsCertFile, config.tlsKeyFile) : undefined
  if (config.auditFile !== undefined) checkAuditFile(config.auditFile)
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, redact: REDACTED_HEADERS })
  // The storage layer's loops (pooled connections, the lease keeper, the change feed) fail every
  // few seconds during an outage: one shared quieting log writes a repeated failure once a minute.
  const storageLog = quietRepeats(logger)
  const { storage, sealKey } = await openSealedStorage(config, storageLog)
  let services: Services
  let rootToken: string | undefined
  // The app's metrics exist only once the app is built; drivers call through this until then.
  const azureRequests: { count?: AzureRequestHook } = {}
  try {
    const registry = createBuiltinRegistry(driverSettings(config, (operation, status) => { azureRequests.count?.(operation, status) }))
    drivers?.(registry)
    // Replicas starting together on a new database initialise it once (seal check, identity).
    ;({ services, rootToken } = await storage.exclusive(async () => {
      const services = await createServices({ db: storage.db, store: storage.store, changes: storage.changes?.check(), changesOf: storage.changes?.check, sealKey, auditFile: config.auditFile, registry, azureEnv: config.azureEnv, driftConfig: config.drift })
      return { services, rootToken: dev !== undefined ? await devSetup(services, dev) : undefined }
    }))
  } catch (err) {
    await storage.close()
    throw err
  }
  const engineServices = workerClock === undefined ? services : { ...services, now: workerClock }
  // PostgreSQL with the worker on: the worker's lease keeper is the replica's one keeper.
  let replicaEngine: ReplicaEngine | undefined
  const app = buildApp({
    services,
    maxRequestBytes: config.maxRequestBytes,
    tls,
    http: config.http,
    ui: config.ui,
    loggerInstance: logger,
    ha: storage.ha,
    logRequestsLevel: config.logRequestsLevel,
    telemetry: config.telemetry,
    // The process running the worker exports the cluster-wide gauges (PG-7: one place only);
    // among replicas, the one holding the maintenance lease.
    ownsClusterGauges: () => config.worker && (replicaEngine?.ownership.maintains() ?? storage.holdsMaintenance())
  })
  try {
    // Fastify's own "Server listening at" line is left out: start-up is one line, below.
    const level = app.log.level
    app.log.level = 'warn'
    try { await app.listen({ host: config.listen.host, port: config.listen.port }) } finally { app.log.level = level }
    azureRequests.count = app.metrics.azureRequest
    const advertised = config.apiAddr ?? listenUrl(app, config, tls !== undefined) // what sys/leader advertises
    if (config.worker && storage.replica !== undefined) {
      // One lease keeper per replica: the engine's (heartbeat, `maintenance`, one lease per Key Vault).
      replicaEngine = await startReplicaEngine({ services: engineServices, config, log: app.log, storageLog, metrics: app.metrics, settings: storage.replica.settings, replica: storage.replica.replica, address: advertised, sendPing: storage.replica.ping })
      // Its keeper is the replica's: sys/health answers 474 when it loses PostgreSQL.
      storage.replica.adoptKeeper(replicaEngine.keeper)
    } else {
      await storage.started(advertised)
    }
    // A new database's root token is made last, once the server listens and its replica parts
    // run: a start that fails before (port in use, PostgreSQL lost) must not leave a token that
    // the next start would never print.
    if (dev === undefined) rootToken = await storage.exclusive(async () => await services.tokens.hasTokens() ? undefined : await services.tokens.ensureRootToken())
  } catch (err) {
    await replicaEngine?.close()
    await app.close()
    await storage.close()
    throw err
  }
  const worker = !config.worker ? undefined : replicaEngine?.worker ?? createSyncEngine(engineServices, config, app.log, app.metrics)
  if (replicaEngine === undefined) worker?.start()
  // Among replicas only the maintenance holder sweeps.
  const maintains = replicaEngine === undefined ? undefined : () => replicaEngine!.ownership.maintains()
  const drift = worker === undefined ? undefined : createDriftEngine(engineServices, app.log, app.metrics, maintains)
  drift?.start()
  services.syncExt.status.setWorkerInProcess(worker !== undefined)
  app.metrics.setWorkerRunning(worker !== undefined)
  const address = listenUrl(app, config, tls !== undefined)
  app.log.info({ address, listen: config.listen, api_addr: config.apiAddr, storage: storage.describe, worker: worker !== undefined, tls: tls !== undefined, prometheus: app.metrics.prometheusEnabled }, 'vault-sync server started')
  return {
    app,
    services,
    address,
    rootToken,
    storage,
    worker,
    drift,
    akv: dev?.akv,
    reload: (next) => {
      if (tls !== undefined && next.tlsCertFile !== undefined && next.tlsKeyFile !== undefined) {
        (app.server as HttpsServer).setSecureContext(readTlsPair(next.tlsCertFile, next.tlsKeyFile))
      }
      app.log.level = next.logLevel
      app.log.info({ log_level: next.logLevel, tls_reloaded: tls !== undefined }, 'configuration reloaded')
      const pending = settingsNeedingRestart(config, next)
      if (pending.length > 0) app.log.warn({ settings: pending }, 'changed settings need a restart to take effect')
    },
    close: async () => {
      try {
        await drift?.stop()
        if (replicaEngine !== undefined) await replicaEngine.close()
        else await worker?.stop()
        await app.close()
        // Waits for units of work still running (a limited-use token's count), then closes the storage.
        await storage.close()
        app.log.info('vault-sync server stopped')
      } finally {
        await dev?.akv?.close()
      }
    }
  }
}
