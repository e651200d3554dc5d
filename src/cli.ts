/**
 * Entry point of `./bin/vault-sync`: parses the command line and starts what it names; no
 * other logic. Commands:
 *   server [-config=FILE] [-no-worker] [-dev] [-dev-listen-address=H:P] [-dev-root-token-id=ID] [-dev-info-file=PATH]
 *          [-dev-db=PATH] [-dev-akv-listen-address=H:P]
 *   operator backup -out=FILE [-config=FILE] [-seal-key-out=FILE]
 *   akv-emulator [-listen-address=H:P] [-info-file=PATH] ...
 *   migrate
 *   version (also -version, --version, -v)
 * Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a start-up error, 2 on a usage error.
 */
import { rm } from 'node:fs/promises'
import type { AkvEmulatorInfo } from './akv-emulator/index.js'
import { parseFlags } from './cli-args.js'
import { ConfigError, devFlagDefaults, type ConfigOverrides } from './config.js'
import { inFileTerms, loadConfigWithFile, readConfigFile, type ConfigFileLayer } from './config/config-file.js'
import { storageOpenError } from './config/storage-errors.js'
import type { RunningServer } from './server.js'
import { versionLine } from './version.js'

const USAGE = `Usage: vault-sync <command> [flags]

Commands:
  server        Start the Vault-compatible secrets-sync server
                  -config=FILE               Vault-style configuration file (HCL or JSON); environment
                                             variables win over it; SIGHUP reloads log level and TLS certificate
                  -no-worker                 do not run the sync worker in this process
                  -dev                       in-memory dev server with KV v2 at secret/, sync activated and
                                             the built-in Azure Key Vault emulator
                  -dev-listen-address=H:P    (default $VAULT_DEV_LISTEN_ADDRESS, $VAULT_SYNC_LISTEN_ADDRESS,
                                             127.0.0.1:8200)
                  -dev-root-token-id=ID      root token to create (default $VAULT_DEV_ROOT_TOKEN_ID, else a
                                             random hvs. token; kept across restarts on the same -dev-db)
                  -dev-info-file=PATH        write {"address","root_token","akv":{...}} as JSON for scripts
                                             (mode 0600; removed when the server stops)
                  -dev-db=PATH               keep dev state in this SQLite file (seal key in PATH.seal-key,
                                             emulator state in PATH.akv/)
                  -dev-akv-listen-address=H:P  the emulator's address (default 127.0.0.1:0, a free port)
  operator backup  Online backup of the database (the server may keep running), checked by the seal key
                  -out=FILE                  the backup file (must not exist)
                  -config=FILE               the server's configuration file (else the VAULT_SYNC_* variables)
                  -seal-key-out=FILE         also copy the seal key (keep it apart from database backups)
  akv-emulator  Start the local Azure Key Vault emulator (HTTPS)
                  -listen-address=H:P        (default 127.0.0.1:8443)
                  -info-file=PATH            write vault_uri, tenant_id, client_id, client_secret, ca_file ... as JSON
                  -vaults=N|a,b              extra vaults, one port each
                  -state-dir=DIR             keep CA, certificates and secrets across restarts
                  -admin-token=T -tenant-id=T -client-id=C -client-secret=S
  migrate       Bring the configured store's schema up to date (VAULT_SYNC_STORAGE=sqlite|postgresql)
                  -config=FILE               the server's configuration file (else the VAULT_SYNC_* variables)
  version       Print the version (also -version, --version, -v)

Everything else is set by environment variables (VAULT_SYNC_DB_PATH, VAULT_SYNC_LISTEN_ADDRESS,
VAULT_SYNC_SEAL_KEY_FILE, VAULT_SYNC_LOG_LEVEL, ...): README.md, section "Configuration", lists
every one with its default.
`

/** Printed by `server` while secrets sync is not activated (Vault needs the same step). */
const activationNote = (address: string): string => `Secrets sync is not activated yet. Activate it once, as in Vault, before any sys/sync call:

    $ curl -X PUT -H "X-Vault-Token: <root token>" ${address}/v1/sys/activation-flags/secrets-sync/activate

`

class UsageError extends Error {}

/** Runs until SIGINT/SIGTERM, says so in one line (as Vault's `==> Vault shutdown triggered`), then `close()`s and resolves. */
async function runUntilSignal (close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.stdout.write(`==> vault-sync shutdown triggered (${signal})\n`)
      close().then(resolve, (err) => { process.stderr.write(`vault-sync: error while closing: ${String(err)}\n`); resolve() })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Single-quotes a value for a POSIX shell `export` line. */
const shq = (v: string): string => `'${v.replace(/'/g, "'\\''")}'`

/** The `export` lines `server -dev` prints (decisions D-14): Vault's two, then the emulator's. */
export function devExportLines (address: string, rootToken: string, akv: AkvEmulatorInfo | undefined): string[] {
  const vars: Array<[string, string]> = [['VAULT_ADDR', address], ['VAULT_TOKEN', rootToken]]
  if (akv !== undefined) {
    vars.push(['AKV_KEY_VAULT_URI', akv.key_vault_uri], ['AKV_TENANT_ID', akv.tenant_id], ['AKV_CLIENT_ID', akv.client_id],
      ['AKV_CLIENT_SECRET', akv.client_secret], ['AKV_CA_FILE', akv.ca_file], ['AKV_ADMIN_URL', akv.admin_url], ['AKV_ADMIN_TOKEN', akv.admin_token])
  }
  return vars.map(([k, v]) => `export ${k}=${shq(v)}`)
}

function printDevBanner (server: RunningServer, devDb: string | undefined): void {
  const akv = server.akv?.info
  process.stdout.write(`==> vault-sync server started! Log data will stream in below:

WARNING! dev mode is enabled! In this mode, vault-sync runs ${devDb === undefined ? 'entirely in-memory' : `on ${devDb}`}
and starts unsealed with a single root token. KV v2 is mounted at secret/ and secrets sync is activated.
${akv === undefined
? ''
: `The built-in Azure Key Vault emulator listens at ${akv.key_vault_uri} (its CA: ${akv.ca_file});
the sync worker trusts it, and azure-kv destinations may point at loopback addresses.
`}${server.app.hasRoute({ method: 'GET', url: '/ui' })
? `The operator page is at ${server.address}/ui/ (sign in with the root token below).
`
: ''}
You may need to set the following environment variables:

${devExportLines(server.address, server.rootToken ?? '', akv).map((l) => `    $ ${l}`).join('\n')}

Root Token: ${server.rootToken ?? ''}

Development mode should NOT be used in production installations!

`)
}

/**
 * Starts `server -dev`: the emulator first (its address feeds the config), then the server. Each
 * command loads only its own modules (fastify, the emulator and the Azure SDK are slow to import).
 */
async function startDev (base: ConfigOverrides, flags: { devDb?: string, akvListen?: string, rootTokenId?: string }, layer: ConfigFileLayer | undefined): Promise<RunningServer> {
  const loadConfig = (o: ConfigOverrides): ReturnType<typeof loadConfigWithFile> => loadConfigWithFile(layer, o)
  const { logLevel } = loadConfig(base) // validates the environment before anything starts
  const [{ pino }, { devAzureDefaults, startDevAkv }, { startServer }] = await Promise.all([import('pino'), import('./dev-akv.js'), import('./server.js')])
  const akv = await startDevAkv({
    listenAddress: flags.akvListen,
    devDb: flags.devDb,
    logger: pino({ level: logLevel, base: { component: 'akv-emulator' } })
  })
  let config
  try {
    config = loadConfig({ ...base, azureDefaults: devAzureDefaults(akv.info) })
  } catch (err) {
    await akv.close()
    throw err
  }
  return await startServer({ config, dev: { rootTokenId: flags.rootTokenId, akv } })
}

async function serverCommand (argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    dev: { type: 'boolean' },
    config: { type: 'string' },
    'no-worker': { type: 'boolean' },
    'dev-listen-address': { type: 'string' },
    'dev-root-token-id': { type: 'string' },
    'dev-info-file': { type: 'string' },
    'dev-db': { type: 'string' },
    'dev-akv-listen-address': { type: 'string' }
  })
  const dev = flags.dev === true
  if (!dev && Object.keys(flags).some((k) => k.startsWith('dev-'))) throw new UsageError('-dev-* flags need -dev')
  const worker = flags['no-worker'] === true ? false : undefined
  const configFile = flags.config
  const layer = configFile === undefined ? undefined : await readConfigFile(configFile)
  // Flag, then Vault's VAULT_DEV_* variable; the address then falls back to VAULT_SYNC_LISTEN_ADDRESS
  // and 127.0.0.1:8200 (loadConfig), the root token to a random one.
  const devEnv = devFlagDefaults()
  const rootTokenId = flags['dev-root-token-id'] ?? devEnv.rootTokenId
  const overrides: ConfigOverrides = dev
    ? {
        dbPath: flags['dev-db'] ?? ':memory:',
        listenAddress: flags['dev-listen-address'] ?? devEnv.listenAddress,
        listenAddressSource: flags['dev-listen-address'] !== undefined ? '-dev-listen-address' : 'VAULT_DEV_LISTEN_ADDRESS',
        sealKeyFile: flags['dev-db'] === undefined ? null : `${flags['dev-db']}.seal-key`,
        worker,
        uiDefault: true,
        devTelemetry: true
      }
    : { worker }
  const starting = dev
    ? startDev(overrides, { devDb: flags['dev-db'], akvListen: flags['dev-akv-listen-address'], rootTokenId: rootTokenId === '' ? undefined : rootTokenId }, layer)
    : import('./server.js').then(async ({ startServer }) => await startServer({ config: loadConfigWithFile(layer, overrides) }))
  // Files named by the configuration (TLS pair, seal key) are read at start: say which line set them.
  const server = await starting.catch((err: unknown) => { throw inFileTerms(layer, err) })
  const infoFile = dev ? flags['dev-info-file'] : undefined
  if (dev) {
    printDevBanner(server, flags['dev-db'])
    if (infoFile !== undefined) {
      try {
        // Atomic (temporary file + rename), mode 0600: it holds the root token and the emulator's secret.
        const { writeDevInfoFile } = await import('./dev-akv.js')
        await writeDevInfoFile(infoFile, { address: server.address, root_token: server.rootToken ?? '', akv: server.akv?.info })
      } catch (err) {
        await server.close()
        throw new Error(`-dev-info-file: cannot write ${infoFile}: ${(err as Error).message}`)
      }
    }
  } else {
    // One write: a reader that sees the listening line also sees the token (a pipe may split writes).
    const token = server.rootToken === undefined ? '' : `\nInitial Root Token: ${server.rootToken}\n\nThis token is shown only once; store it safely.\n\n`
    process.stdout.write(`==> vault-sync server listening on ${server.address}\n${token}`)
    // A hint only: storage lost right after the start (PostgreSQL restarting) must not end the
    // command, which would leave the server running without its signal handlers.
    const unactivated = await server.services.activation.flags().then((f) => f.unactivated.includes('secrets-sync'), () => false)
    if (unactivated) process.stdout.write(activationNote(server.address))
  }
  // SIGHUP: re-read the file and the environment; apply what Vault reloads (log level, TLS certificate).
  // The start's overrides again (-dev: its flags and the emulator's Azure defaults), so only what
  // the file or the environment changed differs from the running configuration.
  const reload = (): void => {
    void (async () => {
      const next = configFile === undefined ? undefined : await readConfigFile(configFile)
      const akv = server.akv === undefined ? {} : { azureDefaults: (await import('./dev-akv.js')).devAzureDefaults(server.akv.info) }
      try { server.reload(loadConfigWithFile(next, { ...overrides, ...akv })) } catch (err) { throw inFileTerms(next, err) }
    })().catch((err) => { server.app.log.error({ err: { message: (err as Error).message } }, 'configuration reload failed; the running configuration is kept') })
  }
  process.on('SIGHUP', reload)
  // The info file holds the root token and the emulator's secret: it goes with the process.
  await runUntilSignal(async () => {
    try { await server.close() } finally { if (infoFile !== undefined) await rm(infoFile, { force: true }) }
  })
  process.off('SIGHUP', reload)
}

async function operatorCommand (argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  if (sub !== 'backup') throw new UsageError(`unknown operator command "${sub ?? ''}"`)
  const flags = parseFlags(rest, { out: { type: 'string' }, config: { type: 'string' }, 'seal-key-out': { type: 'string' } })
  if (flags.out === undefined) throw new UsageError('operator backup needs -out=FILE')
  const config = loadConfigWithFile(flags.config === undefined ? undefined : await readConfigFile(flags.config))
  // Copying a SQLite file is all this command does; a PostgreSQL database has its own tools.
  if (config.storage !== 'sqlite') throw new Error('operator backup copies a SQLite database, and this configuration uses PostgreSQL storage: back up the PostgreSQL database with its own tools (pg_dump, or base backups with WAL archiving), and keep the seal key apart')
  if (config.sealKeyFile === undefined) throw new Error('no seal key file is configured')
  const { backupDatabase } = await import('./operator/backup.js')
  const { pages } = await backupDatabase({ dbPath: config.dbPath, sealKeyFile: config.sealKeyFile, out: flags.out, sealKeyOut: flags['seal-key-out'] })
  process.stdout.write(`Backed up ${config.dbPath} to ${flags.out} (${pages} pages; integrity and seal key checked).\n` +
    (flags['seal-key-out'] === undefined
      ? `The seal key (${config.sealKeyFile}) is not in the backup: keep a copy of it apart from the database backups.\n`
      : `Seal key copied to ${flags['seal-key-out']}: store it apart from the database backups.\n`))
}

async function akvEmulatorCommand (argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    'listen-address': { type: 'string' },
    'info-file': { type: 'string' },
    vaults: { type: 'string' },
    'state-dir': { type: 'string' },
    'admin-token': { type: 'string' },
    'tenant-id': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' }
  })
  const { runAkvEmulatorCommand } = await import('./akv-emulator/index.js')
  process.exitCode = await runAkvEmulatorCommand({
    listenAddress: flags['listen-address'],
    infoFile: flags['info-file'],
    vaults: flags.vaults,
    stateDir: flags['state-dir'],
    adminToken: flags['admin-token'],
    tenantId: flags['tenant-id'],
    clientId: flags['client-id'],
    clientSecret: flags['client-secret']
  })
}

async function migrateCommand (argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { config: { type: 'string' } })
  const layer = flags.config === undefined ? undefined : await readConfigFile(flags.config)
  const config = loadConfigWithFile(layer)
  const { runMigrateCommand } = await import('../db/migrate-command.js')
  const report = await runMigrateCommand(config).catch((err: unknown) => { throw inFileTerms(layer, storageOpenError(config, err)) })
  process.stdout.write(`${report}\n`)
}

/** Runs the CLI with `argv` (without node and script). Sets `process.exitCode`. */
export async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === 'version' || command === '-version' || command === '--version' || command === '-v') { process.stdout.write(`${versionLine()}\n`); return }
  if (rest.some((a) => a === '-h' || a === '-help' || a === '--help')) { process.stdout.write(USAGE); return }
  try {
    switch (command) {
      case 'server': await serverCommand(rest); break
      case 'akv-emulator': await akvEmulatorCommand(rest); break
      case 'operator': await operatorCommand(rest); break
      case 'migrate': await migrateCommand(rest); break
      case undefined: case '-h': case '-help': case '--help': case 'help':
        process.stdout.write(USAGE); break
      default: throw new UsageError(`unknown command "${command}"`)
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`vault-sync: ${(err as Error).message}\n\n${USAGE}`)
      process.exitCode = 2
      return
    }
    const message = err instanceof ConfigError ? err.message : (err as Error).message
    process.stderr.write(`vault-sync: ${message}\n`)
    process.exitCode = 1
  }
}
