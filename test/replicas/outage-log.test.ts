// A PostgreSQL outage under a real `server -config=FILE` process with the worker on: the loops
// that fail on every turn (the sync worker's tick, the lease keeper's renewals, pooled
// connections) write each failure once a minute at most, not every few seconds for the whole
// outage; sys/health is 200 again once the database is back.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { tempDir } from '../helper.js'
import { freePort, run } from '../cli-process.js'
import { usePostgres } from '../pg/shared-postgres.js'
import { startStallingRelay } from '../pg/stalling-relay.js'

const db = await usePostgres(t)

/** The JSON log lines of `text` (other output, such as the root token's lines, left out). */
function logLines (text: string): Array<Record<string, any>> {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
}

if (db !== undefined) {
  t.test('a 20 s outage: no warn or error line repeats, and the server recovers', async (t) => {
    const relay = await startStallingRelay(t, db.url)
    const dir = tempDir(t)
    const port = await freePort()
    const file = join(dir, 'server.hcl')
    writeFileSync(file, `
storage "postgresql" {
  connection_url = "${relay.url}"
}
seal "file" {
  path = "${dir}/seal.key"
}
listener "tcp" {
  address     = "127.0.0.1:${port}"
  tls_disable = true
}
log_level  = "warn"
log_format = "json"
sync {
  worker = true
}
`)
    const { child, output } = run(['server', `-config=${file}`], { VAULT_SYNC_LOG_LEVEL: '' })
    t.teardown(() => { child.kill('SIGKILL') })
    const health = async (): Promise<number> => await fetch(`http://127.0.0.1:${port}/v1/sys/health`).then((r) => r.status, () => 0)
    const until = async (want: number, what: string): Promise<void> => {
      for (const end = Date.now() + 60_000; await health() !== want;) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${output()}`)
        await sleep(200)
      }
    }
    await until(200, 'the server to start')
    for (const end = Date.now() + 30_000; !output().includes('Secrets sync is not activated yet');) {
      if (Date.now() > end) throw new Error(`no activation note; output:\n${output()}`)
      await sleep(50)
    }
    const from = output().length
    relay.cut()
    await sleep(20_000) // four turns of the 5 s loops
    relay.resume()
    await until(200, 'sys/health 200 again')
    const failures = logLines(output().slice(from)).filter((l) => l.level >= 40).map((l) => `${l.msg} | ${l.err?.message ?? ''} | ${l.lease ?? ''}`)
    t.ok(failures.some((f) => f.startsWith('sync worker: tick failed')), 'the worker\'s failure is logged')
    t.ok(failures.some((f) => f.startsWith('lease keeper:')), 'the lease keeper\'s failure is logged')
    t.strictSame(failures.filter((f, i) => failures.indexOf(f) !== i), [], `no line repeated within the minute:\n${failures.join('\n')}`)
  })
}
