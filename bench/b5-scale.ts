/**
 * Bench 5, worker at scale (issue 17): a file database with A associations (A = 10,000 quick,
 * 100,000 full), all idle and synced, on one destination pointing at the emulator's `scale`
 * vault; then `vault-sync server` (production mode, worker on) while 10 of them change per
 * second (KV writes over HTTP, each to a random association). Reported: the server process's
 * CPU (API + worker; /proc) idle and under the changes, as a share of one core, RSS, and
 * whether every changed value reached Azure.
 *
 * Reference, same run: the same on a database with 1,000 associations. The claim under test:
 * per-tick work and memory do not grow with idle associations (no full scans per tick). The
 * worker's own share is the CPU under changes minus that of the same server, same database,
 * same changes with the worker off (the API's cost of the KV writes).
 *
 * Seeding: KV secrets through the service layer; one association through the service, the
 * others cloned from its row in SQL (idle and SYNCED, outbox empty), as a synced database
 * would look without 100,000 Azure writes first.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { azureValueOf } from './lib/azure.js'
import { now, round, sleep, sleepUntil, waitFor } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { processCpuMs, startServerProcess } from './lib/server-process.js'
import { seedSecrets } from './lib/seed-database.js'
import { vaultHttp } from './lib/vault-http.js'

const RATE = 10
const DEST = 'scale'

async function seed (ctx: BenchContext, dbPath: string, associations: number): Promise<number> {
  const started = now()
  const { db, services } = await seedSecrets(dbPath, associations, (i) => `scale/s${i}`, () => ({ v: 'initial' }))
  const emu = ctx.azure.emu.info
  await services.destinationService.write('azure-kv', DEST, {
    key_vault_uri: ctx.azure.uri('scale'), tenant_id: emu.tenant_id, client_id: emu.client_id, client_secret: emu.client_secret,
    secret_name_template: '{{ .SecretBaseName }}'
  }, 'write')
  await services.associationService.set('azure-kv', DEST, { mount: 'secret', secret_name: 'scale/s0' })
  const first = db.prepare<[], { id: string }>('SELECT id FROM associations').get()!.id
  const clone = db.prepare(`INSERT INTO associations (id, destination_id, accessor, mount_path, secret_path, granularity,
    name_template, removed, status, message, created_at, updated_at) SELECT ?, destination_id, accessor, mount_path, ?,
    granularity, name_template, 0, 'SYNCED', NULL, created_at, updated_at FROM associations WHERE id = ?`)
  db.transaction(() => {
    for (let i = 1; i < associations; i++) clone.run(randomUUID(), `scale/s${i}`, first)
    db.prepare("UPDATE associations SET status = 'SYNCED'").run()
    // Each records its Azure name (`scale/sN` -> `sN`), as after a sync: a change is one setSecret.
    db.prepare('DELETE FROM association_targets').run()
    db.prepare(`INSERT INTO association_targets (association_id, sub_key, external_name, external_version, status, message, digest, updated_at)
      SELECT id, '', substr(secret_path, 7), NULL, 'SYNCED', NULL, 'seeded', updated_at FROM associations`).run()
    db.prepare('DELETE FROM sync_outbox').run()
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return (now() - started) / 1000
}

/** RATE changes per second for `seconds` through `api`; resolves with the values written, by secret index. */
async function changes (api: ReturnType<typeof vaultHttp>, associations: number, seconds: number, tag: string): Promise<Map<number, string>> {
  const latest = new Map<number, string>()
  const t = now()
  const pending: Array<Promise<unknown>> = []
  for (let k = 0; k < RATE * seconds; k++) {
    await sleepUntil(t + k * (1000 / RATE))
    const i = Math.floor(Math.random() * associations)
    const v = `${tag}${k}`
    latest.set(i, v)
    pending.push(api.must('PUT', `secret/data/scale/s${i}`, { data: { v } }))
  }
  await Promise.all(pending)
  return latest
}

/**
 * One measurement: seed, start (worker on), idle CPU, CPU under RATE changes/s for `seconds`
 * until all are in Azure; then the same changes with the worker off (the API's share).
 */
async function measure (ctx: BenchContext, label: string, associations: number, seconds: number): Promise<Record<string, number | boolean>> {
  const dbPath = join(ctx.dir, `${label}.db`)
  ctx.log(`bench 5: ${label}: seeding ${associations} idle associations`)
  const seedS = await seed(ctx, dbPath, associations)
  const server = await startServerProcess({ mode: 'server', dir: ctx.dir, label, dbPath, env: { ...ctx.azure.serverEnv, VAULT_SYNC_WORKER: 'on' } })
  let result: Record<string, number | boolean>
  try {
    const api = vaultHttp(server.address)
    await api.must('GET', 'secret/data/scale/s0') // warm the route
    await sleep(2000)
    const idleFor = seconds / 2
    let cpu = processCpuMs(server.pid) ?? NaN
    let t = now()
    await sleep(idleFor * 1000)
    const idlePct = ((processCpuMs(server.pid) ?? NaN) - cpu) / (now() - t) * 100
    const rssIdle = server.rssKb() ?? NaN

    ctx.log(`bench 5: ${label}: ${RATE} changes/s for ${seconds} s`)
    cpu = processCpuMs(server.pid) ?? NaN
    t = now()
    const latest = await changes(api, associations, seconds, 'c')
    await waitFor(`bench 5: ${label}: changes in Azure`, () => [...latest].every(([i, v]) => ctx.azure.latestValue('scale', `s${i}`) === azureValueOf(v)) ? true : undefined, 60_000, 20)
    const loadPct = ((processCpuMs(server.pid) ?? NaN) - cpu) / (now() - t) * 100
    result = {
      associations,
      seed_s: round(seedS, 1),
      changes: RATE * seconds,
      server_cpu_idle_pct_of_core: round(idlePct, 2),
      server_cpu_under_changes_pct_of_core: round(loadPct, 2),
      rss_idle_mib: round(rssIdle / 1024, 1),
      rss_after_mib: round((server.rssKb() ?? NaN) / 1024, 1),
      all_changes_in_azure: true
    }
  } finally {
    await server.stop()
  }
  // The API's share: the same changes with the worker off (they queue in the outbox).
  const apiOnly = await startServerProcess({ mode: 'server', dir: ctx.dir, label: `${label}-api`, dbPath, env: { ...ctx.azure.serverEnv, VAULT_SYNC_WORKER: 'off' } })
  try {
    const api = vaultHttp(apiOnly.address)
    await api.must('GET', 'secret/data/scale/s0')
    await sleep(2000)
    const cpu = processCpuMs(apiOnly.pid) ?? NaN
    const t = now()
    await changes(api, associations, seconds, 'w')
    const apiPct = ((processCpuMs(apiOnly.pid) ?? NaN) - cpu) / (now() - t) * 100
    result.server_cpu_worker_off_pct_of_core = round(apiPct, 2)
    result.worker_cpu_pct_of_core = round((result.server_cpu_under_changes_pct_of_core as number) - apiPct, 2)
  } finally {
    await apiOnly.stop()
  }
  return result
}

/** Runs the scale measurement and its 1,000-association reference. */
export async function benchScale (ctx: BenchContext): Promise<{ figures: Record<string, number | boolean>, reference: Record<string, number | boolean> }> {
  const seconds = ctx.quick ? 10 : 30
  const reference = await measure(ctx, 'b5-scale-ref', 1000, seconds)
  const figures = await measure(ctx, 'b5-scale', ctx.quick ? 10_000 : 100_000, seconds)
  return { figures, reference }
}
