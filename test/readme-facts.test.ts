// Issue 14, the README points a new user tripped on, each checked against what the code does:
// durations as a bare number are seconds (15), the Python clients need Debian's /usr/bin/python3
// (11), a soft-deleted newest KV version leaves the previous one in Azure (7), and secrets sync
// must be activated on a production server (6).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { DEBIAN_PYTHON } from './helper.js'

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
/** README text with line breaks and indentation folded, so wrapped sentences match. */
const prose = README.replace(/\s*\n\s*(#\s*)?/g, ' ')

t.test('a bare number is seconds, in the README and in the code (15)', async (t) => {
  t.match(prose, 'a bare number is seconds, as in Vault (`VAULT_SYNC_RECONCILE_INTERVAL=5` is `5s`)')
  t.equal(loadConfig({}, { VAULT_SYNC_RECONCILE_INTERVAL: '5' }).reconcileIntervalMs, 5000)
  t.equal(loadConfig({}, { VAULT_SYNC_RECONCILE_INTERVAL: '5s' }).reconcileIntervalMs, 5000)
})

t.test('the Python clients run Debian\'s interpreter by its path (11)', async (t) => {
  t.equal(DEBIAN_PYTHON, '/usr/bin/python3', 'what the hvac tests run')
  t.match(readFileSync(join(import.meta.dirname, 'akv-emulator', 'python-sdk.test.ts'), 'utf8'), /const PYTHON = '\/usr\/bin\/python3'/, 'and the Azure SDK test')
  t.match(prose, 'they run Debian\'s /usr/bin/python3, where those packages live, whatever python3 comes first on PATH')
  t.match(prose, 'call that interpreter by its path where a virtualenv, pyenv or another `python3` comes first on `PATH`')
})

t.test('the status table says what a soft delete of the newest version does (7)', async (t) => {
  const row = README.split('\n').find((l) => l.startsWith('| `SYNCED` |'))
  t.match(row, /soft-deleting \(or destroying\) the newest version does not delete the Azure secret: the previous live version is pushed instead, and the `message` says so/)
  t.match(row, /delete its metadata \(or every version\), or remove the association/)
})

t.test('the production start says to activate secrets sync (6)', async (t) => {
  t.match(prose, 'secrets sync must be activated once before any `sys/sync` call (`PUT /v1/sys/activation-flags/secrets-sync/activate`')
  t.match(prose, 'activate secrets sync once (`PUT /v1/sys/activation-flags/secrets-sync/activate`, as in Vault')
})
