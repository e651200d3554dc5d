/**
 * `vault-sync akv-emulator`: starts the emulator from already-parsed flags, writes the info file
 * (the `AkvEmulatorInfo` JSON of decisions D-14; mode 0600, written atomically so a reader never
 * sees half a file), prints a short summary, and runs until SIGINT/SIGTERM (or `io.signal`), then
 * closes cleanly, removing the info file. Flags: `-listen-address=HOST:PORT` (default `127.0.0.1:8443`; port 0 = free
 * port), `-info-file=PATH`, `-vaults=N|name,name` (extra vaults on the next free ports),
 * `-state-dir=DIR`, `-admin-token`, `-tenant-id`, `-client-id`, `-client-secret`.
 */
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { destination, pino, type Logger } from 'pino'
import { startAkvEmulator } from './emulator.js'
import type { AkvEmulator, AkvEmulatorInfo } from './types.js'

/** The flags `src/cli.ts` passes (strings as given on the command line; `vaults` may be a number). */
export interface AkvEmulatorCommandFlags {
  listenAddress?: string
  infoFile?: string
  vaults?: string | number
  stateDir?: string
  adminToken?: string
  tenantId?: string
  clientId?: string
  clientSecret?: string
}

/** Where the command talks, and how it is stopped; all optional (defaults: process streams and signals). */
export interface AkvEmulatorCommandIo {
  stdout?: { write: (s: string) => unknown }
  /** Logger (default: pino at info level on stderr). */
  logger?: Logger
  /** Stops the emulator when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal
  /** Listen for SIGINT/SIGTERM (default true). */
  handleSignals?: boolean
  /** Called once the emulator listens and the info file is written. */
  onReady?: (emulator: AkvEmulator) => void
}

/** Splits `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (host 127.0.0.1); throws naming the flag. */
export function parseListenAddress (value: string): { host: string, port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || port > 65535) throw new Error(`-listen-address: "${value}" is not HOST:PORT (e.g. 127.0.0.1:8443)`)
  const host = m[1] ?? m[2]
  return { host: host === '' ? '127.0.0.1' : host, port }
}

function parseVaults (v: string | number | undefined): number | string[] | undefined {
  if (v === undefined || v === '') return undefined
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0 || n > 50) throw new Error(`-vaults: "${v}" must be a count 0..50 or a comma-separated list of names`)
    return n
  }
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * Writes an info file (any JSON object: the emulator's, or the dev server's that embeds it)
 * atomically (temporary file + rename) with mode 0600: it holds credentials.
 */
export async function writeInfoFile (path: string, info: AkvEmulatorInfo | object): Promise<void> {
  const full = resolve(path)
  await mkdir(dirname(full), { recursive: true })
  const tmp = `${full}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, full)
}

function summary (info: AkvEmulatorInfo, infoFile: string | undefined): string {
  const lines = [
    'Azure Key Vault emulator is running (HTTPS). Stop it with Ctrl-C.',
    '',
    `  Vault URI:       ${info.vault_uri}`,
    ...info.vaults.slice(1).map((v) => `  Vault ${v.name}:${' '.repeat(Math.max(1, 10 - v.name.length))}${v.vault_uri}`),
    `  Tenant ID:       ${info.tenant_id}`,
    `  Client ID:       ${info.client_id}`,
    // Like `vault server -dev` printing its root token: without an info file there is no other way to learn a random secret.
    infoFile === undefined ? `  Client secret:   ${info.client_secret}` : `  Client secret:   (in ${infoFile})`,
    `  Authority host:  ${info.authority_host}`,
    `  CA file:         ${info.ca_file}`,
    `  Admin API:       ${info.admin_url}` + (infoFile === undefined ? ` (token ${info.admin_token})` : ' (token in the info file)'),
    ...(infoFile !== undefined ? [`  Info file:       ${infoFile}`] : []),
    '',
    'Clients need: authorityHost + disableInstanceDiscovery (credential), disableChallengeResourceVerification',
    '(SecretClient), and the CA file (tlsOptions.ca, NODE_EXTRA_CA_CERTS or REQUESTS_CA_BUNDLE).',
    ''
  ]
  return lines.join('\n')
}

/**
 * Runs the emulator until stopped; resolves with exit code 0 after a clean close. Rejects (before
 * listening) on bad flags, a busy port or an unreadable state directory.
 */
export async function runAkvEmulatorCommand (flags: AkvEmulatorCommandFlags, io: AkvEmulatorCommandIo = {}): Promise<number> {
  const { host, port } = parseListenAddress(flags.listenAddress ?? '127.0.0.1:8443')
  const logger = io.logger ?? pino({ level: 'info', base: { component: 'akv-emulator' } }, destination(2))
  const stdout = io.stdout ?? process.stdout
  const emulator = await startAkvEmulator({
    host,
    port,
    extraVaults: parseVaults(flags.vaults),
    stateDir: flags.stateDir !== undefined && flags.stateDir !== '' ? resolve(flags.stateDir) : undefined,
    adminToken: flags.adminToken,
    tenantId: flags.tenantId,
    clientId: flags.clientId,
    clientSecret: flags.clientSecret,
    logger
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`-listen-address: ${host}:${port} is already in use (use port 0 for a free port)`)
    throw err
  })
  const infoFile = flags.infoFile !== undefined && flags.infoFile !== '' ? resolve(flags.infoFile) : undefined
  try {
    if (infoFile !== undefined) await writeInfoFile(infoFile, emulator.info)
  } catch (err) {
    await emulator.close()
    throw new Error(`-info-file: cannot write ${infoFile}: ${(err as Error).message}`)
  }
  stdout.write(summary(emulator.info, infoFile))

  await new Promise<void>((resolve) => {
    const stop = (reason: string): void => {
      logger.info({ reason }, 'akv emulator: shutting down')
      if (io.handleSignals !== false) { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm) }
      io.signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    const onInt = (): void => stop('SIGINT')
    const onTerm = (): void => stop('SIGTERM')
    const onAbort = (): void => stop('abort')
    if (io.handleSignals !== false) { process.once('SIGINT', onInt); process.once('SIGTERM', onTerm) }
    if (io.signal?.aborted === true) { stop('abort'); return }
    io.signal?.addEventListener('abort', onAbort, { once: true })
    io.onReady?.(emulator)
  })
  // The info file holds the client secret and the admin token: it goes with the process, as
  // `server -dev -dev-info-file` does.
  try { await emulator.close() } finally { if (infoFile !== undefined) await rm(infoFile, { force: true }) }
  stdout.write('Azure Key Vault emulator stopped.\n')
  return 0
}
