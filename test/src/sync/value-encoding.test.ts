import t from 'tap'
import { encodeSecretKeyValue, encodeSecretPathValue, goJsonMarshal } from '../../../src/sync/value-encoding.js'

/** Class name and exact message of what `fn` throws (tap's `t.throws` matches substrings). */
function thrown (fn: () => unknown): { type: string, message: string } | 'nothing thrown' {
  try { fn() } catch (err) { return { type: (err as Error).constructor.name, message: (err as Error).message } }
  return 'nothing thrown'
}

t.test('FR-05: secret-path gives the whole map, secret-key gives one value per key', async (t) => {
  const data = JSON.parse('{"value":"s3cr3t","n":5,"o":{"a":1}}') as Record<string, unknown>
  t.strictSame(encodeSecretPathValue(data), { value: '{"n":5,"o":{"a":1},"value":"s3cr3t"}', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(data.value), { value: 's3cr3t', contentType: 'text/plain' })
  t.strictSame(encodeSecretKeyValue(data.n), { value: '5', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(data.o), { value: '{"a":1}', contentType: 'application/json' })
})

t.test('secret-key: every non-string value as JSON', async (t) => {
  t.strictSame(encodeSecretKeyValue(null), { value: 'null', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(true), { value: 'true', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(false), { value: 'false', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(['b', 'a']), { value: '["b","a"]', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue(''), { value: '', contentType: 'text/plain' })
  t.strictSame(encodeSecretKeyValue('<a&b>'), { value: '<a&b>', contentType: 'text/plain' }, 'raw strings are not escaped')
  t.strictSame(encodeSecretKeyValue('{"x":1}'), { value: '{"x":1}', contentType: 'text/plain' }, 'a JSON-looking string stays a string')
  t.strictSame(encodeSecretKeyValue({}), { value: '{}', contentType: 'application/json' })
  t.strictSame(encodeSecretKeyValue([]), { value: '[]', contentType: 'application/json' })
})

t.test('secret-path of an empty map', async (t) => {
  t.strictSame(encodeSecretPathValue({}), { value: '{}', contentType: 'application/json' })
})

t.test('keys sorted by UTF-8 byte order at every level, no whitespace', async (t) => {
  t.equal(goJsonMarshal({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, A: 2, _: 3, 10: 4, 9: 5 }),
    '{"10":4,"9":5,"A":2,"_":3,"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}')
  // U+FF61 sorts before U+1F600 in UTF-8 (and code points), after it in UTF-16 code units.
  t.equal(goJsonMarshal({ '\u{1F600}': 1, '\uff61': 2, é: 3, z: 4 }), '{"z":4,"\u00e9":3,"\uff61":2,"\u{1F600}":1}')
  t.equal(goJsonMarshal({ ab: 1, a: 2, '': 3 }), '{"":3,"a":2,"ab":1}', 'prefix first')
  t.equal(goJsonMarshal({ '\u{1F600}': 1, '\u{1F601}': 2, '\ud83d': 3 }), '{"\ufffd":3,"\u{1F600}":1,"\u{1F601}":2}', 'a lone surrogate key becomes U+FFFD and sorts as such')
})

t.test('string escaping like Go (HTML-safe, U+2028/2029, short escapes)', async (t) => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['<script>&amp;</script>', '"\\u003cscript\\u003e\\u0026amp;\\u003c/script\\u003e"'],
    ['a\u2028b\u2029c', '"a\\u2028b\\u2029c"'],
    ['q"b\\s/', '"q\\"b\\\\s/"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0000\u0001\u001f\u000b', '"\\u0000\\u0001\\u001f\\u000b"'],
    ['\u007f\u0080\u00e9\u{1F600}', '"\u007f\u0080\u00e9\u{1F600}"'],
    ['x\ud800y', '"x\ufffdy"'],
    ['\udc00', '"\ufffd"'],
    ['\udbff\udfff', '"\u{10FFFF}"'],
    ["'", '"\'"']
  ]
  // Test names in ASCII: a raw U+2028 would break the TAP stream.
  const name = (s: string): string => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  for (const [input, want] of cases) t.equal(goJsonMarshal(input), want, name(input))
  t.equal(goJsonMarshal({ '<k>': '&' }), '{"\\u003ck\\u003e":"\\u0026"}', 'keys are escaped too')
})

t.test('numbers as Go prints float64', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-0, '-0'],
    [5, '5'],
    [-5, '-5'],
    [1.5, '1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e20, '100000000000000000000'],
    [123456789012345680000, '123456789012345680000'],
    [1e21, '1e+21'],
    [1.5e21, '1.5e+21'],
    [-1e21, '-1e+21'],
    [1e300, '1e+300'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [0.000001, '0.000001'],
    [-0.000001, '-0.000001'],
    [0.0000012, '0.0000012'],
    [1e-7, '1e-7'],
    [1.5e-7, '1.5e-7'],
    [1e-10, '1e-10'],
    [5e-324, '5e-324'],
    [2 ** 53, '9007199254740992'],
    [2 ** 53 + 2, '9007199254740994'],
    // eslint-disable-next-line @typescript-eslint/no-loss-of-precision -- the precision loss is what is tested
    [9007199254740993, '9007199254740992'],
    [2 ** 63, '9223372036854776000'],
    [1e15, '1000000000000000']
  ]
  for (const [n, want] of cases) t.equal(goJsonMarshal(n), want, String(n))
  t.equal(goJsonMarshal(JSON.parse('{"a":-0,"b":1E2,"c":1.0}')), '{"a":-0,"b":100,"c":1}', 'from JSON text, as Go re-encodes')
})

t.test('unsupported values throw TypeError with Go texts', async (t) => {
  t.strictSame(thrown(() => goJsonMarshal(Number.NaN)), { type: 'TypeError', message: 'json: unsupported value: NaN' })
  t.strictSame(thrown(() => goJsonMarshal({ a: Infinity })), { type: 'TypeError', message: 'json: unsupported value: +Inf' })
  t.strictSame(thrown(() => goJsonMarshal([-Infinity])), { type: 'TypeError', message: 'json: unsupported value: -Inf' })
  t.strictSame(thrown(() => goJsonMarshal(undefined)), { type: 'TypeError', message: 'json: unsupported type: undefined' })
  t.strictSame(thrown(() => goJsonMarshal({ a: undefined })), { type: 'TypeError', message: 'json: unsupported type: undefined' })
  t.strictSame(thrown(() => goJsonMarshal(10n)), { type: 'TypeError', message: 'json: unsupported type: bigint' })
  t.strictSame(thrown(() => goJsonMarshal(() => 1)), { type: 'TypeError', message: 'json: unsupported type: function' })
  t.strictSame(thrown(() => goJsonMarshal(new Date(0))), { type: 'TypeError', message: 'json: unsupported type: Date' })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.strictSame(thrown(() => goJsonMarshal(cyclic)), { type: 'TypeError', message: 'json: unsupported value: encountered a cycle' })
  const shared = { x: 1 }
  t.equal(goJsonMarshal({ a: shared, b: [shared] }), '{"a":{"x":1},"b":[{"x":1}]}', 'a shared (non-cyclic) value is fine')
  t.equal(goJsonMarshal(Object.assign(Object.create(null) as object, { b: 1, a: 2 })), '{"a":2,"b":1}', 'null-prototype objects are maps')
})

t.test('stable: same data, any key order, same bytes', async (t) => {
  const a = goJsonMarshal(JSON.parse('{"user":"u","password":"p","nested":{"y":[1,2],"x":true}}'))
  const b = goJsonMarshal(JSON.parse('{"nested":{"x":true,"y":[1,2]},"password":"p","user":"u"}'))
  t.equal(a, b)
  t.equal(a, '{"nested":{"x":true,"y":[1,2]},"password":"p","user":"u"}')
})
