// Issue 16 (server start < 1 s): a server on SQLite, the default, does not load the PostgreSQL
// driver (`pg` is loaded on first use by `db/pg/pg-module.ts`; importing it costs 50-100 ms).
// The server process is preloaded with a script that lists, on exit, the packages in the
// CommonJS module cache (where `pg` lands however it is imported).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { exitOf, freePort, run, waitFor } from './cli-process.js'
import { tempDir } from './helper.js'

const PROBE = `const fs = require('node:fs')
process.on('exit', () => {
  const names = new Set(Object.keys(require.cache).map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(k)?.[1]).filter(Boolean))
  fs.writeSync(2, 'PACKAGES ' + [...names].sort().join(',') + '\\n')
})
`

t.test('server on SQLite starts without loading pg', async (t) => {
  const dir = tempDir(t)
  const probe = join(dir, 'probe.cjs')
  writeFileSync(probe, PROBE)
  const port = await freePort()
  const { child, output } = run(['server'], {
    VAULT_SYNC_DB_PATH: join(dir, 'v.db'), VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}`, NODE_OPTIONS: `--require ${probe}`
  })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => output().includes('listening on'), 'the server to listen')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
  const packages = /PACKAGES (.*)/.exec(output())?.[1].split(',')
  t.ok(packages?.includes('fastify'), 'the probe saw the server\'s packages')
  t.notOk(packages?.includes('pg'), 'pg not loaded')
})
