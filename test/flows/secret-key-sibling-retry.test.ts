// Secret-key granularity with one key Azure keeps refusing (explorer, session 18): every retry of
// the association rewrote every sibling key that had already synced, one Azure version each (19
// keys with 7 versions after a minute of 503s on one key). A retry now writes only what is still
// due: the failed key, never a sibling whose value Azure already holds.
import t from 'tap'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4']
const versions = (tb: SyncTestbed, name: string): number => tb.azure(name)?.versions.length ?? 0

for (const [label, action, wait] of [
  ['a transient 503', { status: 503, code: 'ServiceUnavailable', message: 'unavailable' }, 300],
  ['a refusal (403)', { status: 403, code: 'Forbidden', message: 'no write' }, 1000]
] as const) {
  t.test(`one key failing with ${label}: retries write that key only, siblings keep one version`, async (t) => {
    const tb = await startSyncTestbed(t)
    await tb.destination('keys', { granularity: 'secret-key', secret_name_template: 'sk-{{ .SecretKey }}' })
    await tb.put('app', Object.fromEntries(KEYS.map((k) => [k, `v-${k}`])))
    const rule = tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/sk-k2/?$' }, action, mode: { untilCleared: true } })
    await tb.set('keys', 'app')
    await tb.settle()
    for (let i = 0; i < 4; i++) await tb.advance(wait) // the backoff (10-200 ms) or the client-error retry (500 ms)
    const puts = tb.emu.requestLog({ limit: 10_000 }).filter((r) => r.method === 'PUT' && r.path.startsWith('/secrets/sk-k2'))
    t.ok(puts.length >= 3, `the failing key was retried (${puts.length} tries)`)
    for (const k of KEYS.filter((k) => k !== 'k2')) t.equal(versions(tb, `sk-${k}`), 1, `sk-${k}: one Azure version`)
    t.equal(versions(tb, 'sk-k2'), 0)
    tb.emu.faults.remove(rule.id)
    await tb.advance(wait)
    await tb.settle()
    for (const k of KEYS) t.match(await tb.entry('keys', 'app', k), { sync_status: 'SYNCED' }, `${k} SYNCED`)
    t.equal(tb.latest('sk-k2')?.value, 'v-k2')
    for (const k of KEYS) t.equal(versions(tb, `sk-${k}`), 1, `sk-${k}: still one version once all synced`)
    // A KV change that fails for one key: the retry does not write the changed siblings again.
    const again = tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/sk-k4/?$' }, action, mode: { untilCleared: true } })
    await tb.put('app', Object.fromEntries(KEYS.map((k) => [k, `w-${k}`])))
    await tb.settle()
    for (let i = 0; i < 4; i++) await tb.advance(wait)
    for (const k of KEYS.filter((k) => k !== 'k4')) t.equal(versions(tb, `sk-${k}`), 2, `sk-${k}: one version for the change`)
    tb.emu.faults.remove(again.id)
    await tb.advance(wait)
    await tb.settle()
    t.equal(tb.latest('sk-k4')?.value, 'w-k4')
    t.equal(versions(tb, 'sk-k4'), 2)
  })
}
