// README, "Backup and restore": after a restore Key Vault is newer than vault-sync. The block
// between the `post-restore` markers runs, as written, against a `server -dev -dev-db` restored
// from `operator backup` while Azure moved on (a value written, a secret deleted in Azure and a
// secret associated after the backup): afterwards Azure holds the restored KV values again, the
// deleted secret is back, a removed association stays removed, and the names the block lists
// leave out the secret associated after the backup (which the README says to find that way).
import { execFile, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { exitOf, run, waitFor } from '../cli-process.js'
import { tempDir } from '../helper.js'

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
const TOKEN = 'root'
const DEST = '/v1/sys/sync/destinations/azure-kv/my-azure'

/** The sh block between the markers, as an operator copies it. */
function procedure (): string {
  const region = README.slice(README.indexOf('<!-- post-restore:begin -->'), README.indexOf('<!-- post-restore:end -->'))
  const block = /```sh\n([\s\S]*?)```/.exec(region)?.[1]
  if (block === undefined) throw new Error('README: no sh block between the post-restore markers')
  return block
}

interface Info { address: string, akv: { key_vault_uri: string, tenant_id: string, client_id: string, client_secret: string, ca_file: string, admin_url: string, admin_token: string } }

/** `server -dev` on the database `db` (its emulator state in `db.akv/`), until it wrote its info file. */
async function startDev (t: Test, db: string): Promise<{ info: Info, stop: () => Promise<void> }> {
  const infoFile = `${db}.info.json`
  const server = run(['server', '-dev', `-dev-db=${db}`, `-dev-root-token-id=${TOKEN}`, '-dev-listen-address=127.0.0.1:0', `-dev-info-file=${infoFile}`])
  t.teardown(() => { server.child.kill('SIGKILL') })
  await waitFor(() => existsSync(infoFile) || server.child.exitCode !== null, 'the dev server to start')
  if (!existsSync(infoFile)) throw new Error(server.output())
  await new Promise((resolve) => setTimeout(resolve, 100)) // written atomically; read once complete
  return {
    info: JSON.parse(readFileSync(infoFile, 'utf8')) as Info,
    stop: async () => { server.child.kill('SIGTERM'); t.equal(await exitOf(server.child), 0, 'clean stop') }
  }
}

/** A Vault API call with the root token; the parsed body (undefined for 204). */
async function api (info: Info, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${info.address}${path}`, { method, headers: { 'X-Vault-Token': TOKEN }, body: body === undefined ? undefined : JSON.stringify(body) })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? undefined : await res.json()
}

/** The emulator's admin API (its own CA). */
async function admin (info: Info, method: string, path: string, body?: unknown): Promise<any> {
  return await new Promise((resolve, reject) => {
    const req = request(`${info.akv.admin_url}${path}`, {
      method, ca: readFileSync(info.akv.ca_file), headers: { authorization: `Bearer ${info.akv.admin_token}`, 'content-type': 'application/json' }
    }, (res) => {
      let text = ''
      res.on('data', (c) => { text += String(c) })
      res.on('end', () => { res.statusCode === 404 ? resolve(undefined) : resolve(JSON.parse(text)) })
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

/** Sync status per secret of the destination. */
async function statuses (info: Info): Promise<Record<string, string>> {
  const entries = Object.values((await api(info, 'GET', `${DEST}/associations`)).data.associated_secrets) as Array<{ secret_name: string, sync_status: string }>
  return Object.fromEntries(entries.map((e) => [e.secret_name, e.sync_status]))
}

/** The latest version's value of an Azure secret and whether it is deleted (undefined: no such name). */
async function azure (info: Info, name: string): Promise<{ state: string, value: string } | undefined> {
  const found = await admin(info, 'GET', `/vaults/vault1/secrets/${name}`) as { state: string, secret: { versions: Array<{ value: string }> } } | undefined
  return found === undefined ? undefined : { state: found.state, value: found.secret.versions.at(-1)!.value }
}

const value = (v: string): string => JSON.stringify({ v })

t.test('README\'s post-restore procedure brings Azure back to the restored state and lists the names vault-sync owns', async (t) => {
  if (spawnSync('jq', ['--version']).status !== 0) {
    if (process.env.CI === 'true') t.fail('jq is missing: apt-get install -y jq')
    else t.skip('jq is not installed (apt-get install -y jq)', async () => {})
    return
  }
  const dir = tempDir(t)
  const db = join(dir, 'dev.db')
  let dev = await startDev(t, db)
  const akv = dev.info.akv
  await api(dev.info, 'PUT', DEST, { key_vault_uri: akv.key_vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret, secret_name_template: '{{ .MountPath }}-{{ .SecretPath }}' })
  for (const s of ['app1', 'gone', 'removed']) {
    await api(dev.info, 'PUT', `/v1/secret/data/${s}`, { data: { v: `${s}-before` } })
    await api(dev.info, 'PUT', `${DEST}/associations/set`, { mount: 'secret', secret_name: s })
  }
  await until(async () => JSON.stringify(await statuses(dev.info)) === JSON.stringify({ app1: 'SYNCED', gone: 'SYNCED', removed: 'SYNCED' }), 'the first syncs')
  await api(dev.info, 'PUT', `${DEST}/associations/remove`, { mount: 'secret', secret_name: 'removed' })
  await until(async () => (await statuses(dev.info)).removed === 'UNSYNCED' && (await azure(dev.info, 'secret-removed'))?.state === 'deleted', 'the unsync')

  const backup = join(dir, 'backup.db')
  const taken = run(['operator', 'backup', `-out=${backup}`], { VAULT_SYNC_DB_PATH: db, VAULT_SYNC_SEAL_KEY_FILE: `${db}.seal-key` })
  t.equal(await exitOf(taken.child), 0, taken.output())

  // After the backup: a new value, a new association, a secret deleted in Azure.
  await api(dev.info, 'PUT', '/v1/secret/data/app1', { data: { v: 'app1-after' } })
  await api(dev.info, 'PUT', '/v1/secret/data/late', { data: { v: 'late' } })
  await api(dev.info, 'PUT', `${DEST}/associations/set`, { mount: 'secret', secret_name: 'late' })
  await until(async () => (await azure(dev.info, 'secret-app1'))?.value === value('app1-after') && (await azure(dev.info, 'secret-late'))?.value === value('late'), 'the later syncs')
  await admin(dev.info, 'POST', '/vaults/vault1/secrets/secret-gone/edits', { op: 'delete' })
  await dev.stop()

  // README's restore: the database and its -wal/-shm removed, the backup copied in, start.
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  copyFileSync(backup, db)
  dev = await startDev(t, db)
  t.same(await statuses(dev.info), { app1: 'SYNCED', gone: 'SYNCED', removed: 'UNSYNCED' }, 'the restored state says nothing of what Azure holds')
  t.equal((await azure(dev.info, 'secret-app1'))?.value, value('app1-after'), 'Azure holds a value written after the backup')
  t.equal((await azure(dev.info, 'secret-gone'))?.state, 'deleted')

  const listed = await new Promise<string>((resolve, reject) => {
    execFile('bash', ['-c', `set -euo pipefail\n${procedure()}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VAULT_ADDR: dev.info.address, VAULT_TOKEN: TOKEN }, timeout: 30_000 },
      (err, stdout, stderr) => { if (err !== null) reject(new Error(`${err.message}\n${stderr}`)); else resolve(stdout) })
  })
  t.same(listed.trim().split('\n'), ['secret-app1', 'secret-gone'], 'the names the destination owns: secret-late, associated after the backup, is not among them')
  await until(async () => (await azure(dev.info, 'secret-app1'))?.value === value('app1-before') && (await azure(dev.info, 'secret-gone'))?.state === 'active', 'Azure back to the restored KV')
  t.equal((await azure(dev.info, 'secret-gone'))?.value, value('gone-before'), 'the secret deleted in Azure is back (recovered, then written)')
  t.same(await statuses(dev.info), { app1: 'SYNCED', gone: 'SYNCED', removed: 'UNSYNCED' }, 'a removed association is not revived')
  t.equal((await azure(dev.info, 'secret-removed'))?.state, 'deleted', 'and its Azure secret stays deleted')
  t.equal((await azure(dev.info, 'secret-late'))?.value, value('late'), 'the secret associated after the backup stays in Azure until the operator acts')
  await dev.stop()
})

/** Polls `check` every 100 ms for up to 30 s. */
async function until (check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 30_000
  while (!await check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
