// `npm run demo -- --replicas=3` (issue 18): a local PostgreSQL, three replica processes and the
// emulator; the workflow runs through every replica in turn, the owner of the Key Vault is
// SIGKILLed and another replica takes its lease over and syncs the changes made meanwhile.
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { requirePostgres } from '../pg/shared-postgres.js'

const RUN = join(import.meta.dirname, '..', '..', 'dist', 'src', 'demo', 'run.js')

/** Runs the compiled demo with `args`; resolves its exit code and output. */
async function demo (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [RUN, '--no-color', ...args], { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stdout, stderr })
    })
  })
}

if (requirePostgres(t)) {
  t.test('--replicas=3: the workflow through three replicas, then the Key Vault\'s owner is killed and another takes over', async (t) => {
    const { code, stdout } = await demo(['--replicas=3'])
    t.equal(code, 0, 'exit code 0')
    t.match(stdout, /=== Summary: every step held/)
    t.notMatch(stdout, /✗/)
    const addresses = new Set([...stdout.matchAll(/--header "X-Vault-Token: [^"]*" \\\n(?: {6}--request \w+ \\\n)?(?: {6}--data @payload\.json \\\n)? {6}(http:\/\/127\.0\.0\.1:\d+)\/v1\//g)].map((m) => m[1]))
    t.equal(addresses.size, 3, 'requests went to the three replicas')
    t.equal([...stdout.matchAll(/replica-\d: sys\/health 200; ha_enabled=true is_self=(true|false)/g)].length, 3, 'each replica\'s health code shown')
    t.match(stdout, /✔ replica-\d owns vault:https:\/\/127\.0\.0\.1:\d+ \(epoch 1\)/)
    t.match(stdout, /✔ replica-\d is gone \(exit 137\)/)
    t.match(stdout, /✔ replica-\d took vault:https:\/\/127\.0\.0\.1:\d+ over at epoch 2, [\d.]+ s after the kill/)
    t.match(stdout, /✔ all 5 Azure secrets hold version 2/)
    t.match(stdout, /✔ every surviving replica exited 0/)
    t.notOk(stdout.includes('correct-horse-1'), 'secret values are masked')
  })
}

t.test('--replicas takes a whole number from 2 to 9', async (t) => {
  for (const bad of ['1', '10', 'x']) {
    const { code, stderr } = await demo([`--replicas=${bad}`])
    t.equal(code, 2, `--replicas=${bad}: exit code 2`)
    t.match(stderr, /--replicas must be a whole number from 2 to 9/)
  }
})
