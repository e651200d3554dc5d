// Issue 16 (server start < 1 s): a server on SQLite, the default, does not load the PostgreSQL
// driver (`pg` is loaded on first use by `db/pg/pg-module.ts`; importing it costs 50-100 ms).
// The server process is preloaded with a script that lists, on exit, the packages in the
// CommonJS module cache (where `pg` lands however it is imported).
// Session 12: the bundle `bin/vault-sync` runs holds TypeBox (`scripts/bundle.mjs`), so its ~370
// ESM modules are not resolved and compiled one by one at start-up.
import { readFileSync, writeFileSync } from 'node:fs'
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

t.test('the CLI bundle holds TypeBox and imports the other packages from node_modules', async (t) => {
  const bundle = readFileSync(join(import.meta.dirname, '..', 'dist', 'src', 'cli.bundle.mjs'), 'utf8')
  const imported = new Set([...bundle.matchAll(/(?:^|[\s;])(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm)].map((m) => m[1] ?? m[2]))
  t.ok(imported.has('fastify'), `packages stay external (${[...imported].filter((s) => !s.startsWith('node:')).length} imported)`)
  t.notOk([...imported].some((s) => s === 'typebox' || s.startsWith('typebox/')), 'no import of typebox: it is in the bundle')
  t.match(bundle, /^\/\/ node_modules\/typebox\/build\//m, 'TypeBox modules are in the bundle')
})
