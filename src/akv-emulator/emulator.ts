/**
 * `startAkvEmulator`: a local Azure Key Vault (secrets data plane) plus the Entra token endpoint,
 * over HTTPS with its own CA, judged by the real Azure SDKs (issue 4). One listener per vault;
 * each also serves Entra and the admin API (decisions D-14). See `types.ts` for the options.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { isIP, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { loadOrCreateTls, wantedNames } from './certs.js'
import { createEmulatorClock } from './clock.js'
import { faultsHandle, findVault, principalsHandle, vaultHandle } from './control.js'
import type { EmulatorCore, VaultRuntime } from './core.js'
import { FaultRegistry } from './faults.js'
import { PrincipalRegistry } from './principals.js'
import { RequestLog } from './request-log.js'
import { SecretStore } from './secret-store.js'
import { buildListener } from './server.js'
import { applySettingsPatch, defaultSettings } from './settings.js'
import { readStateFile, StateFileWriter, type StateData } from './state-file.js'
import { SlidingWindowLimiter } from './throttle.js'
import { TokenService } from './tokens.js'
import type { AkvEmulator, AkvEmulatorInfo, AkvEmulatorOptions } from './types.js'

const VAULT_NAME_RE = /^[a-zA-Z][0-9a-zA-Z-]{0,62}$/

/** The vault names: the first, then the extras (a count gives `vault2`, `vault3`, ...). */
function vaultNames (o: AkvEmulatorOptions): string[] {
  const first = o.vaultName ?? 'vault1'
  const extra = o.extraVaults ?? 0
  const extras = typeof extra === 'number' ? Array.from({ length: extra }, (_, i) => `vault${i + 2}`) : extra
  if (typeof extra === 'number' && (!Number.isInteger(extra) || extra < 0 || extra > 50)) throw new RangeError('extraVaults must be an integer 0..50')
  const names = [first, ...extras]
  const seen = new Set<string>()
  for (const n of names) {
    if (!VAULT_NAME_RE.test(n)) throw new RangeError(`vault name "${n}" is invalid (a letter, then up to 62 of 0-9, a-z, A-Z, -)`)
    if (seen.has(n.toLowerCase())) throw new RangeError(`vault name "${n}" is used twice`)
    seen.add(n.toLowerCase())
  }
  return names
}

/** The host to put in URIs for a listen host: wildcards become 127.0.0.1, IPv6 gets brackets. */
function uriHost (host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return isIP(host) === 6 ? `[${host}]` : host
}

/** Listens on `port`, or (when `scan`) on the first free port from `port` upwards. */
async function listen (build: () => FastifyInstance, host: string, port: number, scan: boolean): Promise<FastifyInstance> {
  for (let p = port, tries = 0; ; p++, tries++) {
    const app = build()
    try {
      await app.listen({ host, port: p })
      return app
    } catch (err) {
      await app.close().catch(() => {})
      if (!scan || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 100 || p >= 65535) throw err
    }
  }
}

/** Starts an emulator; resolves once every vault listens. Throws on bad options or a busy port. */
export async function startAkvEmulator (options: AkvEmulatorOptions = {}): Promise<AkvEmulator> {
  const logger = options.logger ?? pino({ level: 'silent' })
  const host = options.host ?? '127.0.0.1'
  const basePort = options.port ?? 0
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) throw new RangeError('port must be an integer 0..65535')
  const names = vaultNames(options)
  const defaults = applySettingsPatch(defaultSettings(), options.vaultDefaults ?? {})
  const persist = options.stateDir !== undefined && options.persistState !== false
  const statePath = options.stateDir !== undefined ? join(options.stateDir, 'state.json') : undefined
  const saved = persist ? await readStateFile(statePath!) : undefined

  let writer: StateFileWriter | undefined
  const changed = (): void => writer?.markDirty()
  const homeTenant = options.tenantId ?? saved?.tenantId ?? randomUUID()
  const principals = new PrincipalRegistry(homeTenant, changed)
  if (saved !== undefined) principals.load(saved.principals)
  const savedPrimary = saved !== undefined ? principals.get(saved.primaryClientId) : undefined
  const primaryId = principals.add({ tenantId: homeTenant, clientId: options.clientId ?? savedPrimary?.clientId, clientSecret: options.clientSecret }).clientId
  for (const p of options.principals ?? []) principals.add(p)
  const adminToken = options.adminToken ?? saved?.adminToken ?? randomBytes(24).toString('base64url')
  const tokens = await TokenService.create(saved?.signingJwk)
  const backupKey = saved !== undefined ? Buffer.from(saved.backupKey, 'base64') : randomBytes(32)
  if (backupKey.length !== 32) throw new Error(`akv emulator: state file ${statePath ?? ''} holds a bad backup key`)
  const clock = createEmulatorClock(options.clock)

  const vaults = new Map<string, VaultRuntime>()
  for (const name of names) {
    const runtime: VaultRuntime = {
      name,
      uri: '',
      settings: structuredClone(defaults.settings),
      allowList: defaults.allowList,
      limiter: new SlidingWindowLimiter(),
      store: new SecretStore(clock, () => runtime.settings, changed)
    }
    const savedVault = saved?.vaults[name]
    if (savedVault !== undefined) runtime.store.load(savedVault)
    vaults.set(name.toLowerCase(), runtime)
  }

  let tempDir: string | undefined
  const certDir = options.stateDir ?? (tempDir = await mkdtemp(join(tmpdir(), 'akv-emulator-')))
  const extraNames = [...(isIP(host) !== 0 || host === 'localhost' ? [host] : []), ...(options.hostnames ?? [])]
  const tls = await loadOrCreateTls(certDir, wantedNames(extraNames))

  const first = (): VaultRuntime => findVault(core)
  const info = (): AkvEmulatorInfo => ({
    vault_uri: first().uri,
    key_vault_uri: first().uri,
    tenant_id: homeTenant,
    client_id: primaryId,
    client_secret: principals.get(primaryId)?.clientSecret ?? '',
    authority_host: first().uri,
    ca_file: tls.caFile,
    admin_url: `${first().uri}/_emulator`,
    admin_token: adminToken,
    vaults: [...vaults.values()].map((v) => ({ name: v.name, vault_uri: v.uri }))
  })
  const core: EmulatorCore = {
    clock, homeTenant, principals, tokens, faults: new FaultRegistry(), requestLog: new RequestLog(options.requestLogLimit),
    backupKey, adminToken, tokenLifetimeSec: options.tokenLifetimeSec ?? 3599, logger, vaults, info
  }

  const listeners: FastifyInstance[] = []
  let tlsConnections = 0
  const cleanup = async (): Promise<void> => {
    await Promise.all(listeners.map(async (l) => await l.close()))
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true })
  }
  try {
    let port = basePort
    for (const [i, v] of [...vaults.values()].entries()) {
      const app = await listen(() => buildListener(core, v, { key: tls.keyPem, cert: tls.certPem }), host, port, i > 0 && basePort !== 0)
      listeners.push(app)
      app.server.on('secureConnection', () => { tlsConnections++ })
      const actual = (app.server.address() as AddressInfo).port
      v.uri = `https://${uriHost(host)}:${actual}`
      port = basePort === 0 ? 0 : actual + 1
    }
  } catch (err) {
    await cleanup()
    throw err
  }

  if (persist) {
    const snapshot = (): StateData => ({
      version: 1, tenantId: homeTenant, adminToken, primaryClientId: primaryId, signingJwk: tokens.exportPrivateJwk(),
      backupKey: backupKey.toString('base64'), principals: principals.toJSON(),
      vaults: Object.fromEntries([...vaults.values()].map((v) => [v.name, v.store.toJSON()]))
    })
    writer = new StateFileWriter(statePath!, snapshot, logger)
    writer.markDirty()
  }
  logger.info({ vaults: [...vaults.values()].map((v) => ({ name: v.name, uri: v.uri })), tenantId: homeTenant, caFile: tls.caFile },
    'akv emulator listening')

  let closing: Promise<void> | undefined
  return {
    get info () { return info() },
    caPem: tls.caPem,
    clock,
    faults: faultsHandle(core),
    principals: principalsHandle(core),
    vault: (name?: string) => vaultHandle(core, findVault(core, name)),
    requestLog: (filter) => core.requestLog.query(filter),
    clearRequestLog: () => core.requestLog.clear(),
    tlsConnections: () => tlsConnections,
    onRequestLogged: (listener) => core.requestLog.subscribe(listener),
    flushState: async () => { await writer?.flush() },
    close: async () => {
      closing ??= (async () => {
        await cleanup()
        await writer?.flush()
        logger.info('akv emulator stopped')
      })()
      await closing
    }
  }
}
