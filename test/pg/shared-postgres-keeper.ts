/**
 * Keeper of the shared test PostgreSQL (spawned detached by `shared-postgres.ts`): starts the
 * server in the folder given as argv[2], writes `info.json` there once it accepts connections,
 * then stops it and removes the folder after IDLE_MS without a client connection (so it outlives
 * the gaps between test files of one run and is gone shortly after the run).
 */
import { rmSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { PG_SUPERUSER, startThrowawayPostgres } from '../../src/demo/throwaway-postgres.js'

const IDLE_MS = 20_000
const dir = process.argv[2]

async function clientCount (url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  try {
    await c.connect()
    const r = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
    return r.rows[0].n as number
  } finally {
    await c.end().catch(() => {})
  }
}

async function main (): Promise<void> {
  const server = await startThrowawayPostgres(join(dir, 'cluster'))
  const tmp = join(dir, 'info.json.tmp')
  writeFileSync(tmp, JSON.stringify({ port: server.port, user: PG_SUPERUSER, keeper: process.pid }))
  renameSync(tmp, join(dir, 'info.json'))
  let idleSince = Date.now()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const n = await clientCount(server.url()).catch(() => -1)
    if (n !== 0) idleSince = Date.now()
    if (n === -1 || Date.now() - idleSince >= IDLE_MS) break
  }
  rmSync(join(dir, 'info.json'), { force: true }) // new clients start a new server from here on
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`shared test PostgreSQL: ${String(err)}\n`)
  rmSync(dir, { recursive: true, force: true })
  process.exit(1)
})
