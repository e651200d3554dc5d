/**
 * `npm run demo -- --replicas=N` (issue 18): vault-sync as N replicas on one PostgreSQL. Starts a
 * local PostgreSQL 15 (`throwaway-postgres.ts`: initdb in a temporary folder), the Azure Key
 * Vault emulator and N `./bin/vault-sync server` processes on it (`replica-process.ts`), runs
 * the `secret-path` workflow with each request sent to the next replica in turn, then shows a
 * failover: the replica owning the Key Vault's lease is SIGKILLed while secrets change, another
 * replica takes the lease over (a higher epoch, on the database clock) and the changes reach
 * Azure Key Vault. Everything is stopped and removed at the end. Exit code as `runDemo`'s.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startAkvEmulator, type AkvEmulator } from '../akv-emulator/index.js'
import { createAzureView } from './azure-view.js'
import { startReplicaProcess, type ReplicaProcess } from './replica-process.js'
import { DemoFailure, Report, expect, fmtMs, type DemoOptions } from './report.js'
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js'
import { createVaultApi, type VaultApi } from './vault-api.js'
import { PATH_FLOW_STEPS, azureName, secretPathFlow } from './workflow.js'

/** Steps besides the workflow's. */
const OWN_STEPS = 9
/** Secrets written across the failover. */
const FAILOVER_SECRETS = 5

/** A Vault API that sends each request to the next replica in turn (every replica serves the whole API). */
function roundRobin (apis: VaultApi[]): VaultApi {
  let next = 0
  const pick = (): VaultApi => apis[next++ % apis.length]
  return {
    call: async (...args) => await pick().call(...args),
    send: async (...args) => await pick().send(...args),
    waitForStatus: async (...args) => await pick().waitForStatus(...args)
  }
}

/** Runs the replicas demo; resolves with the exit code (0: every step held). Never throws. */
export async function runReplicasDemo (count: number, opts: DemoOptions = {}): Promise<number> {
  const report = new Report(opts.out ?? process.stdout, opts.showSecrets === true, opts.color === true, PATH_FLOW_STEPS + OWN_STEPS)
  const timeoutMs = opts.timeoutMs ?? 20_000
  const replicas: ReplicaProcess[] = []
  let postgres: ThrowawayPostgres | undefined
  let emu: AkvEmulator | undefined
  let sql: pg.Client | undefined
  const dir = await mkdtemp(join(tmpdir(), 'vault-sync-replicas-demo-'))
  await chmod(dir, 0o711) // as root, PostgreSQL runs as `postgres`: it must reach its folder inside
  report.line(report.bold(`vault-sync demo: ${count} replicas on one PostgreSQL, failover of a Key Vault's owner`))
  try {
    postgres = await report.step('Start a local PostgreSQL 15 (initdb in a temporary folder)', async () => {
      const p = await startThrowawayPostgres(join(dir, 'postgres'))
      report.table([['VAULT_PG_CONNECTION_URL', p.url()], ['data folder', join(dir, 'postgres', 'data')]])
      return p
    })
    const url = postgres.url()
    emu = await report.step('Start the Azure Key Vault emulator', async () => {
      const e = await startAkvEmulator()
      report.table([['AKV_KEY_VAULT_URI', e.info.vault_uri], ['AKV_TENANT_ID', e.info.tenant_id], ['AKV_CLIENT_ID', e.info.client_id], ['AKV_CA_FILE', e.info.ca_file]])
      return e
    })
    const info = emu.info
    const env = {
      VAULT_SYNC_AZURE_AUTHORITY_HOST: info.authority_host,
      VAULT_SYNC_AZURE_CA_FILE: info.ca_file,
      VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
      VAULT_SYNC_AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true',
      VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true',
      ...opts.serverEnv
    }
    await report.step(`Start ${count} replicas: ./bin/vault-sync server with VAULT_SYNC_STORAGE=postgresql`, async () => {
      report.note('$ VAULT_SYNC_STORAGE=postgresql VAULT_PG_CONNECTION_URL=… VAULT_SYNC_SEAL_KEY_FILE=<shared> ./bin/vault-sync server')
      const start = async (n: number, first: boolean): Promise<void> => {
        replicas.push(await startReplicaProcess({ name: `replica-${n}`, connectionUrl: url, sealKeyFile: join(dir, 'seal.key'), env, expectRootToken: first }))
      }
      await start(1, true) // migrates and initialises the database: it prints the root token
      for (let n = 2; n <= count; n++) await start(n, false)
      for (const r of replicas) report.table([[r.name, `${r.address} (pid ${r.pid})`]])
      report.check(`${replicas[0].name} initialised the database (one root token); the others joined it`)
    })
    const token = replicas[0].rootToken!
    sql = new pg.Client({ connectionString: url })
    await sql.connect()
    const db = sql
    const apis = replicas.map((r) => createVaultApi(report, r.address, token))
    const vault = roundRobin(apis)
    await report.step('Activate secrets sync; every replica answers sys/health 200 and names one leader', async () => {
      await vault.call('PUT', 'sys/activation-flags/secrets-sync/activate')
      const leaders = await Promise.all(apis.map(async (a) => (await a.send('GET', 'sys/leader')).body))
      for (const [i, r] of replicas.entries()) {
        const health = (await fetch(`${r.address}/v1/sys/health`)).status
        expect(health === 200, `${r.name}: sys/health is ${health}, not 200`)
        report.note(`${r.name}: sys/health ${health}; ha_enabled=${String(leaders[i].ha_enabled)} is_self=${String(leaders[i].is_self)} leader_address=${String(leaders[i].leader_address)}`)
      }
      expect(leaders.filter((l) => l.is_self === true).length === 1, 'expected exactly one replica holding the maintenance lease')
      report.check('one maintenance holder (reconciliation, clean-up); every replica serves the whole API')
    })
    const kv = { key_vault_uri: info.vault_uri, tenant_id: info.tenant_id, client_id: info.client_id, client_secret: info.client_secret }
    report.line(report.dim('The workflow below sends each request to the next replica in turn.'))
    await secretPathFlow({ report, vault, azure: createAzureView(report, info), kv, timeoutMs })

    const leases = async (): Promise<Array<{ name: string, holder: string | null, epoch: number, address: string | null, live: boolean }>> =>
      (await db.query(`SELECT l.name, l.holder, l.epoch::int AS epoch, r.address, (l.holder IS NOT NULL AND l.expires_at > clock_timestamp()) AS live
        FROM leases l LEFT JOIN replicas r ON r.id = l.holder ORDER BY l.name`)).rows
    const nameOf = (address: string | null): string => replicas.find((r) => r.address === address)?.name ?? '(none)'
    const showLeases = async (): Promise<void> => {
      for (const l of await leases()) report.table([[l.name, `${l.live ? nameOf(l.address) : '(vacant)'}, epoch ${l.epoch}`]])
    }
    // The worker recorded the destination's Key Vault (`destinations.vault_key`) on its first sync.
    const vaultLease = `vault:${String((await db.query('SELECT vault_key FROM destinations WHERE vault_key IS NOT NULL LIMIT 1')).rows[0]?.vault_key)}`
    const owner = await report.step('Find the Key Vault\'s owner in the leases table', async () => {
      report.note('$ psql "$VAULT_PG_CONNECTION_URL" -c "SELECT name, holder, epoch, expires_at FROM leases"')
      await showLeases()
      const l = (await leases()).find((x) => x.name === vaultLease && x.live)
      expect(l !== undefined, `no live lease ${vaultLease}`)
      const r = replicas.find((x) => x.address === l.address)
      expect(r !== undefined, `the holder ${String(l.holder)} is none of the demo's replicas`)
      report.check(`${r.name} owns ${vaultLease} (epoch ${l.epoch}): only it writes to this Key Vault`)
      return { replica: r, epoch: l.epoch }
    })
    const survivors = replicas.filter((r) => r !== owner.replica)
    const after = createVaultApi(report, survivors[0].address, token)
    const dest = 'demo-failover'
    const paths = Array.from({ length: FAILOVER_SECRETS }, (_, i) => `orders/db-${i + 1}`)
    await report.step(`Associate ${FAILOVER_SECRETS} secrets with ${dest} and wait until SYNCED`, async () => {
      await after.call('PUT', `sys/sync/destinations/azure-kv/${dest}`, kv, { mask: ['client_secret'] })
      for (const p of paths) {
        await after.send('PUT', `demo-kv/data/${p}`, { data: { password: 'v1' } })
        await after.send('PUT', `sys/sync/destinations/azure-kv/${dest}/associations/set`, { mount: 'demo-kv', secret_name: p })
      }
      for (const p of paths) await after.waitForStatus(dest, p, 'SYNCED', { timeoutMs })
    })
    const writtenAt = new Date().toISOString()
    const killedAt = await report.step(`SIGKILL ${owner.replica.name}, the owner, and change the secrets through ${survivors[0].name}`, async () => {
      report.note(`$ kill -KILL ${owner.replica.pid}`)
      const at = performance.now()
      const code = await owner.replica.kill('SIGKILL')
      report.check(`${owner.replica.name} is gone (exit ${String(code)}); its lease stays until it expires on the database clock (15 s TTL)`)
      for (const p of paths) await after.send('PUT', `demo-kv/data/${p}`, { data: { password: 'v2' } })
      report.check(`${FAILOVER_SECRETS} secrets at version 2 (written while no live replica owns the Key Vault)`)
      return at
    })
    await report.step('Another replica takes the Key Vault over and the sync continues', async () => {
      const took = await waitUntil(async () => (await leases()).find((l) => l.name === vaultLease && l.live && l.epoch > owner.epoch), timeoutMs + 30_000)
      expect(took !== undefined, `${vaultLease} was not taken over`)
      report.check(`${nameOf(took.address)} took ${vaultLease} over at epoch ${took.epoch}, ${fmtMs(performance.now() - killedAt)} after the kill (TTL 15 s + one 5 s tick at most)`)
      for (const p of paths) await after.waitForStatus(dest, p, 'SYNCED', { timeoutMs: timeoutMs + 30_000, after: writtenAt })
      const accessor = (await after.send('GET', 'sys/mounts/demo-kv')).body.data.accessor as string
      for (const p of paths) {
        const s = emu!.vault().inspectSecret(azureName(`vault/${accessor}/${p}`))
        const value = s?.state === 'active' ? s.secret.versions[s.secret.versions.length - 1].value : undefined
        expect(value === JSON.stringify({ password: 'v2' }), `${p}: Azure holds ${value === undefined ? 'nothing' : 'another value'}, not version 2`)
      }
      report.check(`all ${FAILOVER_SECRETS} Azure secrets hold version 2; no write was fenced off wrongly`)
      await showLeases()
    })
    await report.step('Stop the surviving replicas (SIGTERM), the emulator and PostgreSQL', async () => {
      for (const r of survivors) {
        const code = await r.stop()
        expect(code === 0, `${r.name} exited with ${String(code)}:\n${r.output().slice(-2000)}`)
      }
      report.check('every surviving replica exited 0, its leases released')
    })
  } catch (err) {
    if (!(err instanceof DemoFailure)) report.line(`  ${(err as Error).stack ?? String(err)}`)
    for (const r of replicas.filter((x) => x.output().trim() !== '')) {
      report.line(report.dim(`  last output of ${r.name} (pid ${r.pid}):`))
      for (const l of r.output().split('\n').slice(-20)) report.line(report.dim(`    ${l}`))
    }
  } finally {
    for (const r of replicas) await r.stop(2_000)
    await sql?.end().catch(() => {})
    await emu?.close()
    await postgres?.stop()
    await rm(dir, { recursive: true, force: true })
  }
  return report.summary() ? 0 : 1
}

/** Polls `check` every 100 ms until it gives a value, `undefined` after `ms`. */
async function waitUntil<T> (check: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const until = performance.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined || performance.now() > until) return v
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
