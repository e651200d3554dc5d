import t from 'tap'
import { formatGoDuration, formatHumanDuration, parseDurationMs, parseDurationSeconds } from '../../../src/vault/duration.js'

/** Class name and exact message of what `fn` throws (tap's `t.throws` matches substrings). */
function thrown (fn: () => unknown): { type: string, message: string } | 'nothing thrown' {
  try { fn() } catch (err) { return { type: (err as Error).constructor.name, message: (err as Error).message } }
  return 'nothing thrown'
}

t.test('parseDurationSeconds accepts what Vault accepts', async (t) => {
  const cases: Array<[unknown, number]> = [
    [90, 90],
    [0, 0],
    [-0, 0],
    [-1, -1],
    ['90', 90],
    ['+90', 90],
    ['-1', -1],
    ['00090', 90],
    ['', 0],
    [null, 0],
    [undefined, 0],
    ['0', 0],
    ['-0', 0],
    ['+0', 0],
    ['0s', 0],
    ['90s', 90],
    ['1h30m', 5400],
    ['1h0m0s', 3600],
    ['1.5h', 5400],
    ['.5m', 30],
    ['1.m', 60],
    ['500ms', 0],
    ['1500ms', 1],
    ['1999999999ns', 1],
    ['1.9s', 1],
    ['-1.5s', -1],
    ['-1s', -1],
    ['+5m', 300],
    ['3h25m19s', 12319],
    ['768h', 2764800],
    ['1s1s', 2],
    ['7d', 604800],
    ['-1d', -86400],
    ['+2d', 172800],
    ['0d', 0],
    ['10\u00b5s', 0],
    ['10\u03bcs', 0],
    ['10us', 0],
    ['2562047h', 9223369200],
    ['9223372036', 9223372036]
  ]
  for (const [input, want] of cases) {
    t.equal(parseDurationSeconds(input), want, `${JSON.stringify(input)} → ${want}`)
  }
  t.ok(Object.is(parseDurationSeconds('-500ms'), 0), 'truncation toward zero gives +0, not -0')
})

t.test('parseDurationSeconds rejects with Go texts', async (t) => {
  const cases: Array<[unknown, string]> = [
    [1.5, 'time: missing unit in duration "1.5"'],
    ['1.5', 'time: missing unit in duration "1.5"'],
    [1e21, 'time: unknown unit "e+" in duration "1e+21"'],
    ['abc', 'time: invalid duration "abc"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1hh', 'time: unknown unit "hh" in duration "1hh"'],
    ['5 s', 'time: unknown unit " s" in duration "5 s"'],
    [' 5s', 'time: invalid duration " 5s"'],
    ['-', 'time: invalid duration "-"'],
    ['+', 'time: invalid duration "+"'],
    ['.s', 'time: invalid duration ".s"'],
    ['-.s', 'time: invalid duration "-.s"'],
    ['s', 'time: invalid duration "s"'],
    ['1.5d', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['1h7d', 'strconv.ParseInt: parsing "1h7": invalid syntax'],
    ['d', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['99999999999999999999d', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ['9223372037', 'time: invalid duration "9223372037"'],
    ['106752d', 'time: invalid duration "106752d"'],
    ['2562048h', 'time: invalid duration "2562048h"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['99999999999999999999s', 'time: invalid duration "99999999999999999999s"'],
    ['5\u00e9', 'time: unknown unit "\\xc3\\xa9" in duration "5\\xc3\\xa9"'],
    ['5"', 'time: unknown unit "\\"" in duration "5\\""'],
    ['5\n', 'time: unknown unit "\\x0a" in duration "5\\x0a"'],
    [true, 'could not parse duration from input'],
    [{}, 'could not parse duration from input'],
    [['5s'], 'could not parse duration from input']
  ]
  for (const [input, message] of cases) {
    t.strictSame(thrown(() => parseDurationSeconds(input)), { type: 'TypeError', message }, JSON.stringify(input))
  }
})

t.test('Go accepts exactly -2^63 ns but not +2^63 ns', async (t) => {
  t.equal(parseDurationSeconds('-9223372036854775808ns'), -9223372036)
  t.strictSame(thrown(() => parseDurationSeconds('9223372036854775808ns')), { type: 'TypeError', message: 'time: invalid duration "9223372036854775808ns"' })
  t.equal(parseDurationSeconds('9223372036854775807ns'), 9223372036)
})

t.test('fractions follow Go float64 arithmetic and stop accumulating on overflow', async (t) => {
  t.equal(parseDurationMs('1.0000000000000000000000001s'), 1000)
  t.equal(parseDurationMs('0.1234567891234567891234h'), 444444)
  t.equal(parseDurationMs('1.5us'), 0)
})

t.test('nonNegative gives Vault\'s TypeDurationSecond error', async (t) => {
  t.strictSame(thrown(() => parseDurationSeconds('-5', { nonNegative: true })), { type: 'TypeError', message: "cannot provide negative value '-5'" })
  t.strictSame(thrown(() => parseDurationSeconds('-1h', { nonNegative: true })), { type: 'TypeError', message: "cannot provide negative value '-3600'" })
  t.equal(parseDurationSeconds('-500ms', { nonNegative: true }), 0, 'truncated to 0 first, as Vault does')
  t.equal(parseDurationSeconds('5s', { nonNegative: true }), 5)
})

t.test('parseDurationMs for our own settings', async (t) => {
  const cases: Array<[unknown, number]> = [
    ['10ms', 10],
    ['1s', 1000],
    ['5m', 300000],
    ['2s', 2000],
    ['60s', 60000],
    ['5', 5000],
    [5, 5000],
    ['1500us', 1],
    ['999us', 0],
    ['1.5s', 1500],
    ['-10ms', -10],
    ['', 0],
    ['1d', 86400000]
  ]
  for (const [input, want] of cases) t.equal(parseDurationMs(input), want, JSON.stringify(input))
  t.strictSame(thrown(() => parseDurationMs('10 ms')), { type: 'TypeError', message: 'time: unknown unit " ms" in duration "10 ms"' })
  t.strictSame(thrown(() => parseDurationMs('-10ms', { nonNegative: true })), { type: 'TypeError', message: "cannot provide negative value '-10ms'" })
})

t.test('formatGoDuration matches time.Duration.String()', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [-0, '0s'],
    [1, '1s'],
    [45, '45s'],
    [59, '59s'],
    [60, '1m0s'],
    [90, '1m30s'],
    [3600, '1h0m0s'],
    [3661, '1h1m1s'],
    [12319, '3h25m19s'],
    [86400, '24h0m0s'],
    [2764800, '768h0m0s'],
    [-1, '-1s'],
    [-90, '-1m30s'],
    [-3600, '-1h0m0s'],
    [1.5, '1.5s'],
    [61.25, '1m1.25s'],
    [0.5, '500ms'],
    [0.0012, '1.2ms'],
    [0.000001, '1\u00b5s'],
    [0.0000015, '1.5\u00b5s'],
    [0.000000001, '1ns'],
    [-0.5, '-500ms'],
    [9223372036, '2562047h47m16s'],
    [-9223372036.5, '-2562047h47m16.5s']
  ]
  for (const [seconds, want] of cases) t.equal(formatGoDuration(seconds), want, String(seconds))
})

t.test('formatGoDuration rejects what a Go Duration cannot hold', async (t) => {
  t.strictSame(thrown(() => formatGoDuration(Number.NaN)), { type: 'RangeError', message: 'duration out of range: NaN' })
  t.strictSame(thrown(() => formatGoDuration(Infinity)), { type: 'RangeError', message: 'duration out of range: Infinity' })
  t.strictSame(thrown(() => formatGoDuration(9223372037)), { type: 'RangeError', message: 'duration out of range: 9223372037' })
})

t.test('parse and format round-trip Vault values', async (t) => {
  for (const text of ['0s', '45s', '1m30s', '1h0m0s', '768h0m0s', '-1s', '3h25m19s']) {
    t.equal(formatGoDuration(parseDurationSeconds(text)), text)
  }
})

t.test('formatHumanDuration drops zero units as Vault\'s humanDuration (TTL warnings)', async (t) => {
  const cases: Array<[number, string]> = [[0, '0s'], [3 * 3600, '3h'], [2 * 3600 - 2, '1h59m58s'], [800 * 3600, '800h'], [300, '5m'], [3605, '1h5s'], [45, '45s'], [3660, '1h1m']]
  for (const [seconds, want] of cases) t.equal(formatHumanDuration(seconds), want, String(seconds))
})
