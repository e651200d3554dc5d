/**
 * `npm run demo`: the main job end to end on embedded defaults (issue 8). Starts
 * `vault-sync server -dev` (with its built-in Azure Key Vault emulator) on free ports as a child
 * process, runs the secrets-sync workflow through the HTTP API for a `secret-path` and a
 * `secret-key` destination, checks every result in Azure Key Vault with the real Azure SDK,
 * deletes the destinations and stops the server cleanly. Exit code 0 only when every step held;
 * 1 when one did not (the failing step and the server's output are printed); 2 on a usage error.
 *
 * Flags: `--show-secrets` (print token, client secret and secret values in clear),
 * `--timeout=SECONDS` (bound on each wait for a sync status, default 20), `--no-color`,
 * `--replicas=N` (2 to 9: N replicas on a local PostgreSQL instead, with a failover;
 * `replicas-demo.ts`).
 */
import { parseArgs } from 'node:util'
import { createAzureView } from './azure-view.js'
import { startDevProcess, type DevProcess } from './dev-process.js'
import { runReplicasDemo } from './replicas-demo.js'
import { DemoFailure, Report, expect, fmtMs, type DemoOptions } from './report.js'
import { createVaultApi } from './vault-api.js'
import { KEY_FLOW_STEPS, PATH_FLOW_STEPS, secretKeyFlow, secretPathFlow } from './workflow.js'

export type { DemoOptions } from './report.js'

/** Steps outside the two workflows: start the server, delete the destinations, stop the server. */
const OWN_STEPS = 3

/** Runs the demo; resolves with the exit code (0: every step held). Never throws. */
export async function runDemo (opts: DemoOptions = {}): Promise<number> {
  const report = new Report(opts.out ?? process.stdout, opts.showSecrets === true, opts.color === true, PATH_FLOW_STEPS + KEY_FLOW_STEPS + OWN_STEPS)
  const timeoutMs = opts.timeoutMs ?? 20_000
  let server: DevProcess | undefined
  let stopped = false
  const interrupt = (): void => { void server?.stop(2_000).then(() => process.exit(130)) }
  process.once('SIGINT', interrupt)
  report.line(report.bold('vault-sync demo: Vault secrets sync into Azure Key Vault, end to end'))
  report.line(report.dim(opts.showSecrets === true ? 'Secrets are shown in clear (--show-secrets).' : 'Tokens, client secrets and secret values are masked (--show-secrets shows them).'))
  try {
    server = await report.step('Start vault-sync server -dev (with the built-in Azure Key Vault emulator)', async () => {
      report.note('$ ./bin/vault-sync server -dev -dev-listen-address=127.0.0.1:0 -dev-akv-listen-address=127.0.0.1:0 -dev-info-file=…')
      const s = await startDevProcess({ env: opts.serverEnv })
      const akv = s.info.akv!
      report.table([
        ['VAULT_ADDR', s.info.address],
        ['VAULT_TOKEN', opts.showSecrets === true ? s.info.root_token : `${s.info.root_token.slice(0, 4)}*****`],
        ['AKV_KEY_VAULT_URI', akv.key_vault_uri],
        ['AKV_TENANT_ID', akv.tenant_id],
        ['AKV_CLIENT_ID', akv.client_id],
        ['AKV_CLIENT_SECRET', opts.showSecrets === true ? akv.client_secret : '*****'],
        ['AKV_CA_FILE', akv.ca_file]
      ])
      return s
    })
    const akv = server.info.akv!
    const ctx = {
      report,
      vault: createVaultApi(report, server.info.address, server.info.root_token),
      azure: createAzureView(report, akv),
      kv: { key_vault_uri: akv.key_vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret },
      timeoutMs
    }
    await secretPathFlow(ctx)
    await secretKeyFlow(ctx)
    report.section('Clean up')
    await report.step('Delete both destinations (only removed associations are left)', async () => {
      for (const name of ['demo-azure', 'demo-azure-keys']) {
        await ctx.vault.call('DELETE', `sys/sync/destinations/azure-kv/${name}`, undefined, { expectStatus: 204 })
      }
    })
    const s = server
    await report.step('Stop the dev server (SIGTERM) and check it exits cleanly', async () => {
      const start = performance.now()
      const code = await s.stop()
      stopped = true
      expect(code === 0, `the server exited with ${String(code)}:\n${s.output().slice(-4000)}`)
      report.check(`exit code 0 after ${fmtMs(performance.now() - start)}; the emulator closed with it`)
    })
  } catch (err) {
    if (!(err instanceof DemoFailure)) report.line(`  ${(err as Error).stack ?? String(err)}`)
    if (server !== undefined && !stopped) {
      const tail = server.output().split('\n').slice(-40).join('\n')
      report.line(report.dim(`  last output of the dev server (pid ${server.pid}):`))
      for (const l of tail.split('\n')) report.line(report.dim(`    ${l}`))
    }
  } finally {
    if (server !== undefined && !stopped) await server.stop(5_000)
    process.off('SIGINT', interrupt)
  }
  return report.summary() ? 0 : 1
}

/** Parses the command line and runs the demo; sets `process.exitCode`. */
export async function main (argv: string[]): Promise<void> {
  let values
  try {
    ({ values } = parseArgs({ args: argv, options: { 'show-secrets': { type: 'boolean' }, timeout: { type: 'string' }, 'no-color': { type: 'boolean' }, replicas: { type: 'string' } }, strict: true }))
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\nusage: npm run demo -- [--show-secrets] [--timeout=SECONDS] [--no-color] [--replicas=N]\n`)
    process.exitCode = 2
    return
  }
  const replicas = values.replicas === undefined ? undefined : Number(values.replicas)
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 2 || replicas > 9)) {
    process.stderr.write('demo: --replicas must be a whole number from 2 to 9\n')
    process.exitCode = 2
    return
  }
  const timeout = values.timeout === undefined ? 20 : Number(values.timeout)
  if (!Number.isFinite(timeout) || timeout <= 0) {
    process.stderr.write('demo: --timeout must be a positive number of seconds\n')
    process.exitCode = 2
    return
  }
  const color = values['no-color'] !== true && process.stdout.isTTY && process.env.NO_COLOR === undefined
  const opts: DemoOptions = { showSecrets: values['show-secrets'] === true, timeoutMs: timeout * 1000, color }
  process.exitCode = replicas === undefined ? await runDemo(opts) : await runReplicasDemo(replicas, opts)
}
