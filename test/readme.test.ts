// README stays true (issue 8; decisions D-14, D-18): the curl blocks of "The workflow by hand" run,
// in order, against `./bin/vault-sync server -dev` with only the variables it prints, and each
// output matches the block shown after it (volatile fields ignored; reads are repeated until they
// match, as a user would); the configuration table lists every VAULT_SYNC_* setting of
// src/config.ts; the quickstart's first command is the demo.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDevProcess } from '../src/demo/dev-process.js'

const ROOT = join(import.meta.dirname, '..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
/** The variables `server -dev` prints (D-14); blocks may use these and variables they assign themselves. */
const ALLOWED = ['VAULT_ADDR', 'VAULT_TOKEN', 'AKV_KEY_VAULT_URI', 'AKV_TENANT_ID', 'AKV_CLIENT_ID', 'AKV_CLIENT_SECRET', 'AKV_CA_FILE']
/** Fields whose values change on every run. */
const VOLATILE_KEYS = new Set(['request_id', 'created_time', 'updated_at', 'created', 'updated', 'deletedDate', 'scheduledPurgeDate'])

interface Pair { command: string, lang: string, expected: string }

/** The (sh block, output block) pairs between the readme-test markers. */
function workflowPairs (): Pair[] {
  const region = README.slice(README.indexOf('<!-- readme-test:begin -->'), README.indexOf('<!-- readme-test:end -->'))
  const blocks = [...region.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }))
  const pairs: Pair[] = []
  for (let i = 0; i < blocks.length; i += 2) {
    const [cmd, out] = [blocks[i], blocks[i + 1]]
    if (cmd.lang !== 'sh' || out === undefined || !['json', 'text'].includes(out.lang)) {
      throw new Error(`README workflow: block ${i} must be a sh block followed by a json or text output block`)
    }
    pairs.push({ command: cmd.text, lang: out.lang, expected: out.text })
  }
  return pairs
}

/** Replaces what differs between runs with placeholders, in keys and values alike. */
function normalise (v: unknown): unknown {
  const str = (s: string): string => s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/kv_[0-9a-f]{8}/g, 'kv_<accessor>')
    .replace(/\b[0-9a-f]{32}\b/g, '<version>')
    .replace(/https:\/\/127\.0\.0\.1:\d+/g, '<akv>')
  if (Array.isArray(v)) return v.map(normalise)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [str(k), VOLATILE_KEYS.has(k) ? '<volatile>' : normalise(x)]))
  }
  return typeof v === 'string' ? str(v) : v
}

async function bash (script: string, env: Record<string, string>): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stderr}`)); else resolve(stdout)
    })
  })
}

t.test('the workflow blocks use only the variables server -dev prints', async (t) => {
  const pairs = workflowPairs()
  t.ok(pairs.length >= 10, `${pairs.length} curl blocks`)
  for (const p of pairs) {
    const assigned = new Set([...p.command.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]))
    const used = [...p.command.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]).filter((v) => !assigned.has(v))
    t.same(used.filter((v) => !ALLOWED.includes(v)), [], p.command.split('\n')[0])
  }
})

t.test('the workflow blocks run against server -dev and print what README shows', async (t) => {
  const server = await startDevProcess()
  t.teardown(async () => { await server.stop() })
  const akv = server.info.akv!
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    VAULT_ADDR: server.info.address,
    VAULT_TOKEN: server.info.root_token,
    AKV_KEY_VAULT_URI: akv.key_vault_uri,
    AKV_TENANT_ID: akv.tenant_id,
    AKV_CLIENT_ID: akv.client_id,
    AKV_CLIENT_SECRET: akv.client_secret,
    AKV_CA_FILE: akv.ca_file
  }
  for (const [i, p] of workflowPairs().entries()) {
    const read = !p.command.includes('--request')
    const want = p.lang === 'json' ? normalise(JSON.parse(p.expected)) : p.expected.trim()
    const until = Date.now() + 15_000
    let got: unknown
    for (;;) {
      const out = await bash(p.command, env)
      try {
        got = p.lang === 'json' ? normalise(JSON.parse(out)) : out.trim()
      } catch {
        got = out
      }
      if (!read || JSON.stringify(got) === JSON.stringify(want) || Date.now() > until) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.same(got, want, `block ${i + 1}: ${p.command.split('\n')[0]}`)
  }
})

t.test('the configuration table lists every VAULT_SYNC_* setting of src/config.ts', async (t) => {
  const inConfig = new Set([...readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8').matchAll(/'(VAULT_SYNC_[A-Z_]+)'/g)].map((m) => m[1]))
  const section = README.slice(README.indexOf('## Configuration'), README.indexOf('\n## ', README.indexOf('## Configuration') + 5))
  const inReadme = new Set([...section.matchAll(/^\|([^|]+)\|/gm)].flatMap((m) => [...m[1].matchAll(/`(VAULT_SYNC_[A-Z_]+)`/g)].map((x) => x[1])))
  t.same([...inReadme].sort(), [...inConfig].sort())
  for (const v of ['KEY_VAULT_URI', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) t.match(section, `\`${v}\``)
})

t.test('the quickstart: first the demo, then the tests', async (t) => {
  const quick = README.slice(README.indexOf('## Quickstart'), README.indexOf('\n## ', README.indexOf('## Quickstart') + 5))
  const commands = (/```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))
  t.same(commands, ['npm ci && npm run demo', 'npm ci && npm test'])
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.match(pkg.scripts.demo, /node dist\/src\/demo\/run\.js/)
})
