// `npm run demo` (issue 8): the compiled demo exits 0 after every step, with secrets masked; and
// it exits non-zero, naming the step and the status, when a step does not hold.
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { runDemo } from '../../src/demo/main.js'

const RUN = join(import.meta.dirname, '..', '..', 'dist', 'src', 'demo', 'run.js')

t.test('the demo, as `npm run demo` runs it, ends with exit 0 after every step', async (t) => {
  const { code, stdout } = await new Promise<{ code: number | null, stdout: string }>((resolve) => {
    execFile(process.execPath, [RUN, '--no-color'], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stdout })
    })
  })
  t.equal(code, 0, 'exit code 0')
  t.match(stdout, /=== Summary: every step held/)
  // Every step line names the secret it is about.
  for (const step of ['Mount a KV v2 secrets engine', 'Create the azure-kv destination', 'Read the association of demo-kv/my-app until it is SYNCED',
    'Read the Azure secret of demo-kv/my-app from Azure Key Vault (Azure SDK)', 'Read the new Azure version of demo-kv/my-app',
    'Remove the association of demo-kv/my-app', 'Show the Azure secret of demo-kv/my-app is gone', 'Create the secret-key destination',
    'Read the three Azure secrets of demo-kv/database', 'Change the password of demo-kv/database', 'demo-kv/database: only the password changed',
    'Remove the association of demo-kv/database', 'Show the three Azure secrets of demo-kv/database are gone', 'exits cleanly']) {
    t.match(stdout, new RegExp(`✓ +\\d+\\. .*${step.replace(/[()]/g, '\\$&')}`), step)
  }
  t.notMatch(stdout, /✗/)
  for (const clear of ['correct-horse-1', 's3cr3t-1', 'db.internal']) t.notOk(stdout.includes(clear), `"${clear}" is masked`)
  t.notMatch(stdout, /X-Vault-Token: hvs\.[A-Za-z0-9]{6,}/, 'the token is masked')
  t.match(stdout, /value: +\{"password":"\*\*\*\*\*","username":"\*\*\*\*\*"\}/)
})

t.test('a step that does not hold fails the demo with a non-zero exit code', async (t) => {
  let out = ''
  // Explicit settings beat the -dev defaults: with loopback destinations refused, nothing syncs.
  const code = await runDemo({ out: { write: (s: string) => { out += s } }, timeoutMs: 5_000, serverEnv: { VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'false' } })
  t.equal(code, 1)
  t.match(out, /✗ Read the association of demo-kv\/my-app until it is SYNCED: my-app is CLIENT_SIDE_ERROR: .*(special-purpose|not allowed)/)
  t.match(out, /=== Summary: the demo FAILED/)
  t.match(out, /… 15 step\(s\) not run/)
})
