// A SQLite database the server may not write, or cannot read as a database, stops start-up with
// a message naming the setting, the file and the fix, as every bad setting does (README,
// "Configuration"). Before: a read-only file (chmod 0444, or a restored root-owned 0644 file in
// the service user's folder) started and listened, answered every write 500 and logged `attempt
// to write a readonly database` every second, or stopped with that bare SQLite text; a damaged
// file stopped with `database disk image is malformed`, naming nothing.
//
// Root writes any file whatever its mode, so as root (CI) the server runs as `nobody` (setpriv,
// as the throwaway PostgreSQL runs as `postgres`); as another user it runs as that user.
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { BIN, exitOf, freePort, run, waitFor, type RunOptions } from './cli-process.js'
import { tempDir } from './helper.js'

const ROOT = process.getuid?.() === 0
/** uid/gid of `nobody` on Debian (and most distributions). */
const NOBODY = 65534
const AS_SERVICE: RunOptions = ROOT ? { wrap: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] } : {}

/** Why the service user cannot run the CLI here, or undefined when it can. */
function serviceUserProblem (): string | undefined {
  if (!ROOT) return undefined
  const probe = spawnSync(AS_SERVICE.wrap![0], [...AS_SERVICE.wrap!.slice(1), process.execPath, '-e', `require('node:fs').accessSync(${JSON.stringify(BIN)}, 4)`])
  return probe.status === 0 ? undefined : `nobody (uid ${NOBODY}) cannot run ${BIN} through setpriv: ${String(probe.stderr).trim() || probe.error?.message}`
}
const problem = serviceUserProblem()
// CI runs as root on a checkout the service user can read: a problem there fails, never skips.
if (problem !== undefined && process.env.CI === 'true') t.fail(problem)
const skip = process.env.CI === 'true' ? undefined : problem

/** A folder owned by the service user (its parent lets it through). */
function serviceFolder (t: Test): string {
  const base = tempDir(t)
  chmodSync(base, 0o711)
  const dir = join(base, 'data')
  mkdirSync(dir, { mode: 0o700 })
  if (ROOT) chownSync(dir, NOBODY, NOBODY)
  return dir
}

/** Makes the files of `dir` the service user's (as root; otherwise they are already). */
function giveToService (...files: string[]): void {
  if (ROOT) for (const f of files) chownSync(f, NOBODY, NOBODY)
}

/** Runs `server` on `env` as the service user until it exits (or listens: a failure, stopped). */
async function startRefused (t: Test, env: Record<string, string>, args: string[] = ['server'], options: RunOptions = AS_SERVICE): Promise<string> {
  const port = await freePort()
  const { child, output } = run(args, { VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}`, ...env }, options)
  t.teardown(() => { child.kill('SIGKILL') })
  const exited = exitOf(child)
  await Promise.race([exited, waitFor(() => output().includes('listening on') || output().includes('server started!'), 'the server to listen or stop')])
  if (child.exitCode === null) {
    child.kill('SIGKILL')
    t.fail(`the server started:\n${output()}`)
  } else {
    t.equal(child.exitCode, 1, 'exit code 1')
  }
  return output()
}

/** Starts `server` on a new database at `db` as the service user, then stops it: a real, current database. */
async function makeDatabase (t: Test, db: string): Promise<void> {
  const port = await freePort()
  const { child, output } = run(['server'], { VAULT_SYNC_DB_PATH: db, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` }, AS_SERVICE)
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => output().includes('listening on'), 'the server to listen')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0, 'the first start made the database')
}

const ADVICE = /make the file, those two if present, and the folder owned by the user vault-sync runs as \((user \S+ \()?uid \d+\)?\), the file mode 0600 \(chown <user> /

t.test('a database file the service user may not write (chmod 0444): start-up stops naming the file and the fix, writing nothing', { skip }, async (t) => {
  const dir = serviceFolder(t)
  const db = join(dir, 'vault-sync.db')
  await makeDatabase(t, db)
  chmodSync(db, 0o444)
  const before = readFileSync(db)
  const out = await startRefused(t, { VAULT_SYNC_DB_PATH: db })
  t.match(out, `vault-sync: VAULT_SYNC_DB_PATH: the database ${db} cannot be read and written by this process (EACCES); nothing was written: vault-sync writes the database file and, for SQLite's WAL, creates vault-sync.db-wal and vault-sync.db-shm beside it in ${dir}: `)
  t.match(out, ADVICE)
  t.notMatch(out, /listening|attempt to write a readonly database/)
  t.same(readdirSync(dir).sort(), ['seal.key', 'vault-sync.db'], 'no -wal/-shm left with the read-only mode (they would keep the database read-only after the fix)')
  t.ok(readFileSync(db).equals(before), 'the database is byte for byte unchanged')
  chmodSync(db, 0o600)
  await makeDatabase(t, db) // the fix the message names is enough
})

t.test('a restored backup owned by root (0644) in the service user\'s folder: start-up stops naming the file and the owner fix', { skip: skip ?? (!ROOT && 'needs root to make a root-owned file') }, async (t) => {
  const dir = serviceFolder(t)
  const db = join(dir, 'vault-sync.db')
  await makeDatabase(t, db)
  // `operator backup` (as root, as an operator restoring by hand would be), copied back by root.
  const backup = join(dir, '..', 'backup.db')
  const taken = run(['operator', 'backup', `-out=${backup}`], { VAULT_SYNC_DB_PATH: db })
  t.equal(await exitOf(taken.child), 0, taken.output())
  // README's restore: the database and its -wal/-shm removed, the backup copied to the storage path.
  for (const f of readdirSync(dir).filter((f) => f.startsWith('vault-sync.db'))) rmSync(join(dir, f))
  copyFileSync(backup, db)
  chownSync(db, 0, 0)
  chmodSync(db, 0o644)
  const out = await startRefused(t, { VAULT_SYNC_DB_PATH: db })
  t.match(out, `vault-sync: VAULT_SYNC_DB_PATH: the database ${db} cannot be read and written by this process (EACCES); nothing was written: `)
  t.match(out, ADVICE)
  t.match(out, `chown <user> ${db} ${dir}; chmod 0600 ${db}`)
  t.same(readdirSync(dir).sort(), ['seal.key', 'vault-sync.db'], 'no -wal/-shm made')
  giveToService(db)
  chmodSync(db, 0o600)
  await makeDatabase(t, db)
})

t.test('a folder the service user may not write (SQLite\'s WAL makes -wal/-shm there): start-up stops naming the folder', { skip }, async (t) => {
  const dir = serviceFolder(t)
  const db = join(dir, 'vault-sync.db')
  await makeDatabase(t, db)
  chmodSync(dir, 0o500)
  const out = await startRefused(t, { VAULT_SYNC_DB_PATH: db })
  chmodSync(dir, 0o700)
  t.match(out, `vault-sync: VAULT_SYNC_DB_PATH: the folder ${dir} of the database ${db} cannot be written (EACCES); nothing was written: `)
  t.match(out, ADVICE)
})

t.test('stale -wal/-shm files of another user beside a writable database: start-up names them', { skip: skip ?? (!ROOT && 'needs root to make a root-owned file') }, async (t) => {
  const dir = serviceFolder(t)
  const db = join(dir, 'vault-sync.db')
  await makeDatabase(t, db)
  writeFileSync(`${db}-shm`, Buffer.alloc(32768), { mode: 0o444 })
  const out = await startRefused(t, { VAULT_SYNC_DB_PATH: db })
  t.match(out, `vault-sync: VAULT_SYNC_DB_PATH: ${db}-shm (beside the database, left by a run as another user or while the database was read-only) cannot be read and written by this process (EACCES)`)
})

t.test('the configuration file\'s storage path is named with its line, by server and migrate alike', { skip }, async (t) => {
  const dir = serviceFolder(t)
  const db = join(dir, 'vault-sync.db')
  await makeDatabase(t, db)
  chmodSync(db, 0o444)
  const file = join(dir, '..', 'vault-sync.hcl')
  writeFileSync(file, `storage "sqlite" {\n  path = "${db}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${await freePort()}"\n  tls_disable = true\n}\n`)
  chmodSync(file, 0o644)
  const out = await startRefused(t, {}, ['server', `-config=${file}`])
  t.match(out, `vault-sync: ${file}:2: storage "sqlite" path: the database ${db} cannot be read and written by this process (EACCES)`)
  const migrate = await startRefused(t, {}, ['migrate', `-config=${file}`])
  t.match(migrate, `vault-sync: ${file}:2: storage "sqlite" path: the database ${db} cannot be read and written`, 'vault-sync migrate says the same')
})

t.test('a file that is not a database, or a damaged one: start-up names the setting and the file', async (t) => {
  const dir = tempDir(t)
  const notDb = join(dir, 'random.db')
  writeFileSync(notDb, Buffer.alloc(8192, 0x5a), { mode: 0o600 })
  // No seal key beside it: the "does the database hold sealed data" check meets it first.
  t.match(await startRefused(t, { VAULT_SYNC_DB_PATH: notDb }, ['server'], {}),
    `vault-sync: VAULT_SYNC_DB_PATH: ${notDb} is not a SQLite database (file is not a database, SQLITE_NOTADB): point the setting at vault-sync's database file, or restore the database from a backup`)
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key made for it')

  // A real database whose schema page is overwritten, opened with its seal key (-dev-db: PATH.seal-key).
  const damaged = join(dir, 'dev.db')
  const first = run(['server', '-dev', `-dev-db=${damaged}`, `-dev-listen-address=127.0.0.1:${await freePort()}`])
  t.teardown(() => { first.child.kill('SIGKILL') })
  await waitFor(() => first.output().includes('Root Token:'), 'the dev server to start')
  first.child.kill('SIGTERM')
  t.equal(await exitOf(first.child), 0)
  const bytes = readFileSync(damaged)
  bytes.fill(0xff, 100, 4096) // page 1 after the header: sqlite_schema's b-tree page
  writeFileSync(damaged, bytes)
  const dev = await startRefused(t, {}, ['server', '-dev', `-dev-db=${damaged}`, `-dev-listen-address=127.0.0.1:${await freePort()}`], {})
  t.match(dev, `vault-sync: -dev-db: the database ${damaged} is damaged (database disk image is malformed, SQLITE_CORRUPT): restore it from a backup (README.md, "Backup and restore"), with the seal key that belongs to it`)

  const file = join(dir, 'c.hcl')
  writeFileSync(file, `storage "sqlite" {\n  path = "${damaged}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${await freePort()}"\n  tls_disable = true\n}\n`)
  t.match(await startRefused(t, { VAULT_SYNC_SEAL_KEY_FILE: `${damaged}.seal-key` }, ['server', `-config=${file}`], {}),
    `vault-sync: ${file}:2: storage "sqlite" path: the database ${damaged} is damaged (database disk image is malformed, SQLITE_CORRUPT)`)
})
