/**
 * The built-in Azure Key Vault emulator of `server -dev` (issue 8; decisions D-9, D-14): started
 * before the configuration is loaded, so its authority host and CA become the `azureDefaults`
 * of `loadConfig` (explicitly set `VAULT_SYNC_AZURE_*` variables still win). With `-dev-db=PATH`
 * its state (CA, certificates, principal, secrets) lives in `PATH.akv/` and it tries to listen
 * on the port it had last time, so a restarted dev server keeps working destinations; without
 * `-dev-db` everything is in memory and the certificates go to a temporary directory removed on
 * close.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { parseListenAddress, startAkvEmulator, writeInfoFile, type AkvEmulator, type AkvEmulatorInfo } from './akv-emulator/index.js'
import type { AzureSettings } from './config.js'

/** Where and how `server -dev` runs its emulator. */
export interface DevAkvOptions {
  /** `-dev-akv-listen-address` (default `127.0.0.1:0`: a free port). */
  listenAddress?: string
  /** `-dev-db`: keep the emulator's state in `<devDb>.akv/`. */
  devDb?: string
  logger?: Logger
}

/** The emulator's state directory for a dev database file. */
export function devAkvStateDir (devDb: string): string {
  return `${devDb}.akv`
}

/** The file in the state directory that remembers the last port. */
const PORT_FILE = 'dev-listen-port'

async function rememberedPort (stateDir: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(join(stateDir, PORT_FILE), 'utf8')).trim())
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts the dev emulator. A `-dev-db` restart with the default (free-port) address first tries
 * the port of the previous run, because destinations stored in the database name it.
 * @throws Error naming `-dev-akv-listen-address` when the address is malformed or busy.
 */
export async function startDevAkv (options: DevAkvOptions = {}): Promise<AkvEmulator> {
  let listen: { host: string, port: number }
  try {
    listen = parseListenAddress(options.listenAddress ?? '127.0.0.1:0')
  } catch (err) {
    throw new Error((err as Error).message.replace('-listen-address', '-dev-akv-listen-address'))
  }
  const stateDir = options.devDb === undefined ? undefined : devAkvStateDir(options.devDb)
  if (stateDir !== undefined) await mkdir(stateDir, { recursive: true, mode: 0o700 })
  const start = async (port: number): Promise<AkvEmulator> => await startAkvEmulator({ host: listen.host, port, stateDir, logger: options.logger })
  let emu: AkvEmulator | undefined
  const previous = listen.port === 0 && stateDir !== undefined ? await rememberedPort(stateDir) : undefined
  if (previous !== undefined) {
    emu = await start(previous).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') return undefined
      throw err
    })
  }
  try {
    emu ??= await start(listen.port)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`-dev-akv-listen-address: ${listen.host}:${listen.port} is already in use (use port 0 for a free port)`)
    }
    throw err
  }
  if (stateDir !== undefined) {
    await writeFile(join(stateDir, PORT_FILE), `${new URL(emu.info.vault_uri).port}\n`).catch(() => {})
  }
  return emu
}

/**
 * The Azure settings `-dev` applies for the emulator: its authority host and CA, no instance
 * discovery or challenge-resource check (a non-Azure host), and loopback destinations allowed.
 */
export function devAzureDefaults (info: AkvEmulatorInfo): Partial<AzureSettings> {
  return {
    authorityHost: info.authority_host,
    caFile: info.ca_file,
    disableInstanceDiscovery: true,
    disableChallengeResourceVerification: true,
    allowLoopbackDestinations: true
  }
}

/** The `-dev-info-file` JSON of `server -dev` (decisions D-14); `address` is a full URL. */
export interface DevInfo {
  address: string
  root_token: string
  /** The built-in emulator: what clients need, as `akv-emulator -info-file` writes it. */
  akv?: AkvEmulatorInfo
}

/** Writes the dev info file atomically with mode 0600 (it holds credentials). */
export async function writeDevInfoFile (path: string, info: DevInfo): Promise<void> {
  await writeInfoFile(path, info)
}
