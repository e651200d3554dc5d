// Issue 14.16: `npm ci` on Node 20 installs a tree without engine warnings (EBADENGINE) and
// `npm ls` is clean. fastify 5 -> light-my-request 6.8 wants cookie 2, which declares Node >= 22;
// `overrides` pins cookie 1.1.1 (same API, Node >= 18).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import semver from 'semver'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..')

t.test('every locked package accepts this Node (no EBADENGINE)', async (t) => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string, engines?: { node?: string } | string[] }> }
  const refusing = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && !Array.isArray(p.engines) && p.engines?.node !== undefined && !semver.satisfies(process.version, p.engines.node))
    .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version ?? '?'} wants node ${(p.engines as { node: string }).node}`)
  t.same(refusing, [], `all accept ${process.version}`)
  t.ok(semver.satisfies(process.version, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node), 'and so does vault-sync')
})

t.test('npm ls is clean', async (t) => {
  const { stdout } = await promisify(execFile)('npm', ['ls', '--all', '--json'], { cwd: ROOT, maxBuffer: 64 << 20 })
    .catch((err: { stdout: string, stderr: string }) => { t.fail(`npm ls failed: ${err.stderr}`); return { stdout: err.stdout } })
  const tree = JSON.parse(stdout) as { problems?: string[] }
  t.same(tree.problems ?? [], [], 'no missing, invalid or extraneous packages')
  t.match(stdout, /"cookie": \{\s*"version": "1\.1\.1"/, 'cookie pinned by overrides')
})
