/**
 * Entry point of `./bin/vault-sync`: parses the command line and starts what it names; no
 * other logic. Commands:
 *   server [-dev] [-dev-listen-address=H:P] [-dev-root-token-id=ID] [-dev-info-file=PATH] [-dev-db=PATH]
 *   akv-emulator [-listen-address=H:P] [-info-file=PATH] ...
 * Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a start-up error, 2 on a usage error.
 */
import { writeFileSync } from 'node:fs'
import { parseFlags } from './cli-args.js'
import { ConfigError, loadConfig } from './config.js'
import type { RunningServer } from './server.js'

const USAGE = `Usage: vault-sync <command> [flags]

Commands:
  server        Start the Vault-compatible secrets-sync server
                  -dev                       in-memory dev server with KV v2 at secret/ and sync activated
                  -dev-listen-address=H:P    (default 127.0.0.1:8200)
                  -dev-root-token-id=ID      root token to create (default: random hvs. token)
                  -dev-info-file=PATH        write {"address","root_token"} as JSON for scripts
                  -dev-db=PATH               keep dev state in this SQLite file (seal key in PATH.seal-key)
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

function printDevBanner (server: RunningServer, devDb: string | undefined): void {
  process.stdout.write(`==> vault-sync server started! Log data will stream in below:

WARNING! dev mode is enabled! In this mode, vault-sync runs ${devDb === undefined ? 'entirely in-memory' : `on ${devDb}`}
and starts unsealed with a single root token. KV v2 is mounted at secret/ and secrets sync is activated.

You may need to set the following environment variables:

    $ export VAULT_ADDR='${server.address}'
    $ export VAULT_TOKEN='${server.rootToken ?? ''}'

Root Token: ${server.rootToken ?? ''}

Development mode should NOT be used in production installations!

`)
}

async function serverCommand (argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    dev: { type: 'boolean' },
    'dev-listen-address': { type: 'string' },
    'dev-root-token-id': { type: 'string' },
    'dev-info-file': { type: 'string' },
    'dev-db': { type: 'string' }
  })
  const dev = flags.dev === true
  if (!dev && Object.keys(flags).some((k) => k.startsWith('dev-'))) throw new UsageError('-dev-* flags need -dev')
  const config = dev
    ? loadConfig({
      dbPath: flags['dev-db'] ?? ':memory:',
      listenAddress: flags['dev-listen-address'] ?? '127.0.0.1:8200',
      sealKeyFile: flags['dev-db'] === undefined ? null : `${flags['dev-db']}.seal-key`
    })
    : loadConfig()
  // Each command loads only its own modules (the Azure SDK and fastify are slow to import).
  const { startServer } = await import('./server.js')
  const server = await startServer({ config, dev: dev ? { rootTokenId: flags['dev-root-token-id'] } : undefined })
  if (dev) {
    printDevBanner(server, flags['dev-db'])
    if (flags['dev-info-file'] !== undefined) {
      writeFileSync(flags['dev-info-file'], JSON.stringify({ address: server.address, root_token: server.rootToken }, null, 2) + '\n', { mode: 0o600 })
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
