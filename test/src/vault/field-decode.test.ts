// The one field decoder (issue 13): Vault's weak conversions in one place, and errors that name
// the field and the expected type but never the submitted value (finding 2).
import t from 'tap'
import {
  decodeBool, decodeDuration, decodeInt, decodeIntList, decodeKvPairs, decodeString, decodeStringList, decodeUint
} from '../../../src/vault/field-decode.js'
import { VaultError } from '../../../src/vault/errors.js'

const SECRET = 'pl4nted-s3cret'

function error (fn: () => unknown): string {
  try { fn() } catch (err) {
    if (err instanceof VaultError) { if (err.status !== 400) throw err; return err.errors.join('\n') }
    throw err
  }
  throw new Error('no error')
}

t.test('weak conversions (mapstructure WeakDecode)', async (t) => {
  t.equal(decodeInt(true, 'f'), 1, 'bool → int, as Vault (this used to differ between two decoders)')
  t.equal(decodeInt(false, 'f'), 0)
  t.equal(decodeInt('', 'f'), 0)
  t.equal(decodeInt(' 42 ', 'f'), 42)
  t.equal(decodeInt('-7', 'f'), -7)
  t.equal(decodeInt('0x1f', 'f'), 31, "Go's ParseInt base 0")
  t.equal(decodeInt('017', 'f'), 15, 'a leading 0 is octal')
  t.equal(decodeInt('0b101', 'f'), 5)
  t.equal(decodeInt(undefined, 'f'), undefined)
  t.equal(decodeBool('T', 'f'), true)
  t.equal(decodeBool('', 'f'), false)
  t.equal(decodeBool(2, 'f'), true)
  t.equal(decodeString(5, 'f'), '5')
  t.equal(decodeString(true, 'f'), '1', 'bool → "1", as mapstructure')
  t.equal(decodeUint('10', 'f'), 10)
  t.equal(decodeDuration('1m', 'f'), 60)
  t.strictSame(decodeIntList('1, 2', 'versions'), [1, 2])
  t.strictSame(decodeIntList(['3', 4], 'versions'), [3, 4])
})

t.test('TypeKVPairs: the three D-19 shapes', async (t) => {
  t.strictSame(decodeKvPairs({ team: 'payments', n: 5, b: true, f: false, z: null, e: 1.5 }, 'custom_tags'),
    { team: 'payments', n: '5', b: '1', f: '0', z: '', e: '1.5' })
  t.strictSame(decodeKvPairs(['team=payments', 'env=prod'], 'x'), { team: 'payments', env: 'prod' })
  t.strictSame(decodeKvPairs('a=b=c', 'x'), { a: 'b=c' }, 'split on the first =')
  t.strictSame(decodeKvPairs('a=1,b=2', 'x'), { a: '1,b=2' }, 'one string is one pair')
  t.strictSame(decodeKvPairs(['k=1', 'k=2'], 'x'), { k: '2' }, 'later duplicates win')
  for (const empty of ['', [], {}, null, undefined]) t.strictSame(decodeKvPairs(empty, 'x'), {})
  for (const bad of ['novalue', ['a=1', '=v'], 5, { a: { b: 'c' } }, [['a=b']], [{ a: 'b' }]]) {
    t.match(error(() => decodeKvPairs(bad, 'custom_tags')), /^Field validation failed: error converting input for field "custom_tags": /)
  }
})

t.test('TypeCommaStringSlice', async (t) => {
  t.strictSame(decodeStringList(['10.0.0.0/8', ' 192.168.0.0/16 '], 'x'), ['10.0.0.0/8', '192.168.0.0/16'])
  t.strictSame(decodeStringList('a,,b', 'x'), ['a', '', 'b'], 'empty elements are kept')
  t.strictSame(decodeStringList([443, true, null], 'x'), ['443', '1', ''])
  t.strictSame(decodeStringList(443, 'x'), ['443'])
  for (const empty of ['', [], null, undefined]) t.strictSame(decodeStringList(empty, 'x'), [])
  for (const bad of [{ a: 'b' }, [['a']], true]) t.match(error(() => decodeStringList(bad, 'allowed_ports')), /field "allowed_ports": expected a list of strings/)
})

t.test('finding 2: no decoder error quotes the submitted value', async (t) => {
  const shapes: unknown[] = [[SECRET], { k: SECRET }, [[SECRET]], `${SECRET}=`, `=${SECRET}`, SECRET, [{ a: SECRET }]]
  const decoders: Array<[string, (v: unknown) => unknown]> = [
    ['bool', (v) => decodeBool(v, 'client_secret')],
    ['int', (v) => decodeInt(v, 'client_secret')],
    ['uint', (v) => decodeUint(v, 'client_secret')],
    ['string', (v) => decodeString(v, 'client_secret')],
    ['duration', (v) => decodeDuration(v, 'client_secret')],
    ['int list', (v) => decodeIntList(v, 'client_secret')],
    ['string list', (v) => decodeStringList(v, 'client_secret')],
    ['kv pairs', (v) => decodeKvPairs(v, 'client_secret')]
  ]
  let refused = 0
  for (const [name, decode] of decoders) {
    for (const shape of shapes) {
      let text: string
      try { decode(shape); continue } catch (err) { text = (err as VaultError).errors.join('\n') }
      refused++
      t.notMatch(text, 'pl4nted', `${name} of ${JSON.stringify(shape).slice(0, 30)}: the value is not echoed`)
      t.match(text, /field "client_secret"/, `${name}: the field is named`)
    }
  }
  t.ok(refused > 30, `${refused} refusals checked`)
})
