// The read keys of the cached repos (issue 16): remembered by their arguments, always the text
// `Array.prototype.join` gives, whatever the arity and however many keys were made.
import t from 'tap'
import { keyMemo, readKey } from '../../db/read-keys.js'

const calls: Array<[string, unknown[]]> = [
  ['all', []], ['byHash', ['h1']], ['metadata', ['acc', 'a/b']], ['versions', ['acc', 'a/b']],
  ['versionData', ['acc', 'a/b', 3]], ['versionData', ['acc', 'a/b', '3']], ['x', [undefined, null, '']],
  ['five', [1, 2, 3, 4, 5]], ['metadata', ['acc\0a', 'b']], ['metadata', ['acc', 'a\0b']]
]

t.test('a key is the joined text of the method and its arguments', async (t) => {
  const keyOf = keyMemo()
  for (const [method, args] of calls) {
    const expected = `${method}\0${args.join('\0')}`
    t.equal(readKey(method, args), expected)
    t.equal(keyOf(method, args), expected, `${method} ${args.length}`)
    t.equal(keyOf(method, [...args]), expected, `${method} ${args.length}, remembered`)
  }
})

t.test('past its bound the memo starts afresh and still answers right', async (t) => {
  const keyOf = keyMemo()
  let wrong = 0
  for (let i = 0; i < 10_050; i++) if (keyOf('metadata', ['acc', `k${i}`]) !== `metadata\0acc\0k${i}`) wrong++
  t.equal(wrong, 0)
  t.equal(keyOf('metadata', ['acc', 'k1']), 'metadata\0acc\0k1')
  t.equal(keyOf('all', []), 'all\0')
})
