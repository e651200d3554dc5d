/**
 * Sums a `node --cpu-prof` profile of a bench server by where the time went (self time of each
 * sample's function, idle left out): the socket write syscall, Node's HTTP and stream code,
 * Fastify and its router, V8's garbage collector, crypto, better-sqlite3, and vault-sync's own code
 * by area. Start-up work (module loading, YAML and schema compiling) is left out, so the shares
 * are of the time spent serving requests.
 *
 * `node dist/bench/profile-summary.js FILE.cpuprofile [...]` prints one table per profile.
 */
import { readFileSync } from 'node:fs'

interface CallFrame { functionName: string, url: string }
interface Profile { nodes: Array<{ id: number, callFrame: CallFrame }>, samples: number[], timeDeltas: number[] }

/** Packages whose time is start-up only (compiling schemas, reading YAML, TLS set-up of the dev emulator). */
const START_UP = new Set(['yaml', 'ajv', 'ajv-formats', 'typebox', 'avvio', 'fast-uri', 'json-schema-traverse', 'glob', '@peculiar', 'asn1js', 'pvtsutils', 'tslib', '@azure', 'undici', 'light-my-request'])
const ROUTER = new Set(['fastify', 'find-my-way', 'fast-querystring', 'toad-cache', 'safe-regex2', 'ret', 'rfdc', 'process-warning', '@fastify'])
const SYSCALL_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String'])
const LOADING = new Set(['compileSourceTextModule', 'wrapSafe', 'internalModuleStat', 'internalModuleReadJSON', 'readFileUtf8', 'lstat', 'openFileHandle', 'realpathSync', 'fstat'])

/** vault-sync's own code by area, from its path under `dist/`. */
function ours (path: string): string {
  if (path.startsWith('src/crypto/')) return 'vault-sync: sealing'
  if (path.startsWith('db/')) return 'vault-sync: repositories and read caches'
  if (path.startsWith('src/kv/') || path.startsWith('routes/kv/')) return 'vault-sync: KV engine and views'
  if (/^(src\/(vault|acl|tokens|mounts)\/|src\/app\.js|routes\/mount-dispatch\.js)/.test(path)) return 'vault-sync: request pipeline (target, token, ACL, dispatch)'
  if (path.startsWith('src/metrics/')) return 'vault-sync: metrics'
  return `vault-sync: ${path.split('/').slice(0, 2).join('/')}`
}

/** The bucket of one sample's function; `undefined` for idle time and start-up work. */
export function bucket ({ functionName: fn, url }: CallFrame): string | undefined {
  if (fn === '(idle)') return undefined
  if (fn === '(garbage collector)') return 'V8 garbage collector'
  if (fn === '(program)') return 'V8 and native (unattributed)'
  if (SYSCALL_WRITES.has(fn)) return 'socket write syscall'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg !== undefined) {
    const scope = pkg.startsWith('@') ? pkg.split('/')[0] : pkg
    if (START_UP.has(pkg) || START_UP.has(scope)) return undefined
    if (ROUTER.has(pkg) || ROUTER.has(scope)) return 'Fastify and its router'
    return pkg
  }
  const dist = /\/dist\/(.*)$/.exec(url)?.[1]
  if (dist !== undefined) return ours(dist)
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/deps/cjs') || LOADING.has(fn)) return undefined
  if (url.startsWith('node:internal/crypto')) return 'Node crypto (AES-GCM, random)'
  if (url.startsWith('node:')) return 'Node HTTP, net, streams, events'
  return url === '' ? `native: ${fn}` : `other: ${url}`
}

/** Shares (percent of request time) per bucket, largest first, and the request time in ms. */
export function summarize (profile: Profile): { ms: number, shares: Array<[string, number]> } {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const sums = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const b = bucket(frames.get(id)!)
    if (b !== undefined) sums.set(b, (sums.get(b) ?? 0) + profile.timeDeltas[i])
  })
  const total = [...sums.values()].reduce((a, b) => a + b, 0)
  const shares = [...sums.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]): [string, number] => [k, Math.round((1000 * v) / total) / 10])
  return { ms: Math.round(total / 1000), shares }
}

if (process.argv[1]?.endsWith('profile-summary.js') === true) {
  for (const file of process.argv.slice(2)) {
    const { ms, shares } = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile)
    process.stdout.write(`${file}: ${ms} ms serving requests\n`)
    for (const [k, v] of shares) if (v >= 0.8) process.stdout.write(`  ${v.toFixed(1).padStart(5)} %  ${k}\n`)
  }
}
