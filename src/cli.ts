/**
 * Entry point of `./bin/vault-sync`: parses the command line and starts what it names; no
 * other logic. Commands:
 *   server [-no-worker] [-dev] [-dev-listen-address=H:P] [-dev-root-token-id=ID] [-dev-info-file=PATH]
 *          [-dev-db=PATH] [-dev-akv-listen-address=H:P]
 *   akv-emulator [-listen-address=H:P] [-info-file=PATH] ...
 * Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a start-up error, 2 on a usage error.
 */
import type { AkvEmulatorInfo } from './akv-emulator/index.js'
import { parseFlags } from './cli-args.js'
import { ConfigError, loadConfig, type ConfigOverrides } from './config.js'
import type { RunningServer } from './server.js'

const USAGE = `Usage: vault-sync <command> [flags]

Commands:
  server        Start the Vault-compatible secrets-sync server
                  -no-worker                 do not run the sync worker in this process
                  -dev                       in-memory dev server with KV v2 at secret/, sync activated and
                                             the built-in Azure Key Vault emulator
                  -dev-listen-address=H:P    (default 127.0.0.1:8200)
                  -dev-root-token-id=ID      root token to create (default: random hvs. token)
                  -dev-info-file=PATH        write {"address","root_token","akv":{...}} as JSON for scripts
                  -dev-db=PATH               keep dev state in this SQLite file (seal key in PATH.seal-key,
                                             emulator state in PATH.akv/)
                  -dev-akv-listen-address=H:P  the emulator's address (default 127.0.0.1:0, a free port)
  akv-emulator  Start the local Azure Key Vault emulator (HTTPS)
                  -listen-address=H:P        (default 127.0.0.1:8443)
                  -info-file=PATH            write vault_uri, tenant_id, client_id, client_secret, ca_file ... as JSON
                  -vaults=N|a,b              extra vaults, one port each
                  -state-dir=DIR             keep CA, certificates and secrets across restarts
                  -admin-token=T -tenant-id=T -client-id=C -client-secret=S
`

class UsageError extends Error {}

/** Runs `fn` until SIGINT/SIGTERM, then `close()`s it and resolves. */
async function runUntilSignal (close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
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
      ['AKV_CLIENT_SECRET', akv.client_secret], ['AKV_CA_FILE', akv.ca_file])
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
async function startDev (base: ConfigOverrides, flags: { devDb?: string, akvListen?: string, rootTokenId?: string }): Promise<RunningServer> {
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
  const server = dev
    ? await startDev({
      dbPath: flags['dev-db'] ?? ':memory:',
      listenAddress: flags['dev-listen-address'] ?? '127.0.0.1:8200',
      sealKeyFile: flags['dev-db'] === undefined ? null : `${flags['dev-db']}.seal-key`,
      worker,
      uiDefault: true
    }, { devDb: flags['dev-db'], akvListen: flags['dev-akv-listen-address'], rootTokenId: flags['dev-root-token-id'] })
    : await (await import('./server.js')).startServer({ config: loadConfig({ worker }) })
  if (dev) {
    printDevBanner(server, flags['dev-db'])
    if (flags['dev-info-file'] !== undefined) {
      try {
        // Atomic (temporary file + rename), mode 0600: it holds the root token and the emulator's secret.
        const { writeDevInfoFile } = await import('./dev-akv.js')
        await writeDevInfoFile(flags['dev-info-file'], { address: server.address, root_token: server.rootToken ?? '', akv: server.akv?.info })
      } catch (err) {
        await server.close()
        throw new Error(`-dev-info-file: cannot write ${flags['dev-info-file']}: ${(err as Error).message}`)
      }
    }
  } else {
    process.stdout.write(`==> vault-sync server listening on ${server.address}\n`)
    if (server.rootToken !== undefined) {
      process.stdout.write(`\nInitial Root Token: ${server.rootToken}\n\nThis token is shown only once; store it safely.\n\n`)
    }
  }
  await runUntilSignal(server.close)
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

/** Runs the CLI with `argv` (without node and script). Sets `process.exitCode`. */
export async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (rest.some((a) => a === '-h' || a === '-help' || a === '--help')) { process.stdout.write(USAGE); return }
  try {
    switch (command) {
      case 'server': await serverCommand(rest); break
      case 'akv-emulator': await akvEmulatorCommand(rest); break
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
