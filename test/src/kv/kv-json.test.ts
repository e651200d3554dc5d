// Merge patch (RFC 7396, spec §3.6), subkeys (§3.17), folders of LIST (§3.12), RFC3339Nano times (§3.2).
import t from 'tap'
import { mergePatch, subkeys } from '../../../src/kv/kv-json.js'
import { folderChildren, folderRange } from '../../../src/kv/kv-paths.js'
import { createMicroClock, formatTime } from '../../../src/kv/kv-time.js'

t.test('merge patch', async (t) => {
  const target = { a: 'b', n: { x: 1, y: 2 }, l: [1, 2], keep: true }
  t.same(mergePatch(target, { a: null, n: { y: null, z: 3 }, l: [3], add: 'v' }),
    { n: { x: 1, z: 3 }, l: [3], keep: true, add: 'v' })
  t.same(target, { a: 'b', n: { x: 1, y: 2 }, l: [1, 2], keep: true }, 'input untouched')
  t.same(mergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } })
  const proto = mergePatch({}, JSON.parse('{"__proto__":{"polluted":1}}') as Record<string, unknown>)
  t.same(Object.keys(proto), ['__proto__'], '__proto__ stays plain data')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('subkeys', async (t) => {
  const data = { foo: 'abc', bar: { baz: 'def', deep: { x: 1 } }, quux: {} }
  t.same(subkeys(data, 0), { foo: null, bar: { baz: null, deep: { x: null } }, quux: null })
  t.same(subkeys(data, 1), { foo: null, bar: null, quux: null })
  t.same(subkeys(data, 2), { foo: null, bar: { baz: null, deep: null }, quux: null })
})

t.test('folder children', async (t) => {
  t.same(folderChildren('', ['foo', 'foo/bar', 'foo/baz/q', 'a', 'B', 'é', 'z']), ['B', 'a', 'foo', 'foo/', 'z', 'é'])
  t.same(folderChildren('foo/', ['foo/bar', 'foo/baz/q', 'foo/baz/r']), ['bar', 'baz/'])
  t.same(folderRange('a/b/'), { from: 'a/b/', to: 'a/b0' })
  t.same(folderRange(''), { from: '', to: undefined })
})

t.test('RFC 3339 with fractional seconds, trailing zeros dropped', async (t) => {
  const at = Date.UTC(2018, 2, 22, 2, 24, 6, 945) * 1000
  t.equal(formatTime(at + 319), '2018-03-22T02:24:06.945319Z')
  t.equal(formatTime(at), '2018-03-22T02:24:06.945Z')
  t.equal(formatTime(Date.UTC(2018, 2, 22) * 1000), '2018-03-22T00:00:00Z')
  t.equal(formatTime(Date.UTC(2018, 2, 22) * 1000 + 10), '2018-03-22T00:00:00.00001Z')
  t.equal(formatTime(null), '')
  const clock = createMicroClock(() => 5)
  t.same([clock(), clock(), clock()], [5, 6, 7], 'strictly increasing even when the wall clock stands still')
})
