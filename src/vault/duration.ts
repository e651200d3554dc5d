/**
 * Go and Vault durations (spec/vault-core-kv-api.md §1.4 and §3.2, decisions D-18).
 *
 * Parsing follows Vault's field decoder for `TypeDurationSecond`: go-secure-stdlib
 * `parseutil.ParseDurationSecond`, then `int(dur.Seconds())`. Accepted inputs:
 * - `null`/`undefined`/`""` → 0 (callers treat `null` as "not provided" before calling);
 * - a number or a base-10 integer string (`90`, `"90"`, `"+90"`, `"-1"`) → that many seconds.
 *   Vault decodes JSON numbers as `json.Number` and parses their text, so a non-integer number
 *   such as `1.5` fails exactly like the string `"1.5"` (`time: missing unit in duration "1.5"`);
 * - an integer followed by `d` (`"7d"`, `"-1d"`) → days; no fractions, no mixing (`"1d2h"` fails);
 * - any Go `time.ParseDuration` string (`"90s"`, `"1h30m"`, `"1.5h"`, `"500ms"`, `"-1s"`, `"0"`).
 * Error messages are Go's own texts (`time: invalid duration "x"`, `time: unknown unit "x" in
 * duration "5x"`, `strconv.ParseInt: parsing "1.5": invalid syntax`, `could not parse duration
 * from input`); the caller wraps them in Vault's `Field validation failed: error converting input
 * <v> for field "<name>": <message>`. One deliberate difference: Go silently wraps around when
 * integer seconds or days overflow int64 nanoseconds; here that is `time: invalid duration "<v>"`.
 */

const NS_PER_SECOND = 1_000_000_000n
const NS_PER_MS = 1_000_000n
const MAX_INT64 = (1n << 63n) - 1n
const MIN_INT64 = -(1n << 63n)
const UINT_LIMIT = 1n << 63n

/** Go `time` units in nanoseconds; `µs` is U+00B5 (micro sign), `μs` U+03BC (Greek mu). */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', NS_PER_MS],
  ['s', NS_PER_SECOND],
  ['m', 60n * NS_PER_SECOND],
  ['h', 3600n * NS_PER_SECOND]
])

/** Options of the parse functions. */
export interface DurationOptions {
  /**
   * Reject negative results with Vault's `TypeDurationSecond` text `cannot provide negative
   * value '-5'` (in seconds). Default false, i.e. `TypeSignedDurationSecond`.
   */
  nonNegative?: boolean
}

/**
 * Parses a Vault duration field into integer **seconds**, truncated toward zero exactly like
 * Vault's `int(dur.Seconds())` (`"500ms"` → 0, `"1.5h"` → 5400, `"-1.5s"` → -1).
 * Throws `TypeError` with Go's message for anything that is not a duration (see the module doc).
 */
export function parseDurationSeconds (input: unknown, options: DurationOptions = {}): number {
  const ns = parseDurationNs(input)
  // Duration.Seconds() is float64(sec) + float64(nsec)/1e9; int() truncates toward zero.
  const seconds = Math.trunc(Number(ns / NS_PER_SECOND) + Number(ns % NS_PER_SECOND) / 1e9)
  if (options.nonNegative === true && seconds < 0) {
    throw new TypeError(`cannot provide negative value '${seconds}'`)
  }
  return seconds + 0 // normalise -0
}

/**
 * Parses one of our own duration settings (`VAULT_SYNC_BACKOFF_BASE=10ms`, D-18) into integer
 * **milliseconds**, truncated toward zero (`"1500us"` → 1). Same syntax and errors as
 * `parseDurationSeconds`, so a bare number means seconds (`"5"` → 5000), as in Vault.
 */
export function parseDurationMs (input: unknown, options: DurationOptions = {}): number {
  const ms = Number(parseDurationNs(input) / NS_PER_MS)
  if (options.nonNegative === true && ms < 0) {
    throw new TypeError(`cannot provide negative value '${formatNs(BigInt(ms) * NS_PER_MS)}'`)
  }
  return ms + 0
}

/**
 * Formats a duration given in seconds like Go's `time.Duration.String()`: `0s`, `45s`, `1m30s`,
 * `1h0m0s`, `768h0m0s`, `-1s`; fractions of a second keep Go's format (`1.5s`, `500ms`, `1µs`),
 * rounded to whole nanoseconds. Throws `RangeError` for a non-finite value or one outside Go's
 * int64-nanosecond range (about ±292 years).
 */
export function formatGoDuration (seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`duration out of range: ${seconds}`)
  const whole = Math.trunc(seconds)
  const ns = BigInt(whole) * NS_PER_SECOND + BigInt(Math.round((seconds - whole) * 1e9))
  if (ns > MAX_INT64 || ns < MIN_INT64) throw new RangeError(`duration out of range: ${seconds}`)
  return formatNs(ns)
}

/** `parseutil.ParseDurationSecond` on a JSON-decoded value, in int64 nanoseconds; throws `TypeError` with Go's text. */
export function parseDurationNs (input: unknown): bigint {
  if (input === null || input === undefined) return 0n
  // JSON numbers reach Vault as json.Number and are parsed from their text.
  if (typeof input === 'number') return parseDurationText(String(input))
  if (typeof input === 'string') return parseDurationText(input)
  throw new TypeError('could not parse duration from input')
}

function parseDurationText (text: string): bigint {
  if (text === '') return 0n
  const seconds = parseGoInt64(text)
  if (typeof seconds === 'bigint') return checkedNs(seconds * NS_PER_SECOND, text)
  if (text.endsWith('d')) {
    const body = text.slice(0, -1)
    const days = parseGoInt64(body)
    if (typeof days !== 'bigint') {
      throw new TypeError(`strconv.ParseInt: parsing ${JSON.stringify(body)}: ${days}`)
    }
    return checkedNs(days * 86_400n * NS_PER_SECOND, text)
  }
  return parseGoDuration(text)
}

function checkedNs (ns: bigint, text: string): bigint {
  if (ns > MAX_INT64 || ns < MIN_INT64) throw invalid(text)
  return ns
}

/** `strconv.ParseInt(s, 10, 64)`: the value, or the reason (`invalid syntax`, `value out of range`). */
function parseGoInt64 (s: string): bigint | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return 'invalid syntax'
  const v = BigInt(s)
  return v > MAX_INT64 || v < MIN_INT64 ? 'value out of range' : v
}

/** Go's `time.ParseDuration`, in nanoseconds, with Go's error texts. */
function parseGoDuration (orig: string): bigint {
  let s = orig
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw invalid(orig)
  let total = 0n
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid(orig)
    // Consume [0-9]*; Go rejects an integer part above 2^63.
    let i = 0
    let v = 0n
    while (i < s.length && isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48)
      if (v > UINT_LIMIT) throw invalid(orig)
      i++
    }
    const pre = i > 0
    s = s.slice(i)
    // Consume (\.[0-9]*)?; Go stops accumulating fraction digits once they would overflow.
    let f = 0n
    let scale = 1
    let post = false
    if (s !== '' && s[0] === '.') {
      s = s.slice(1)
      let j = 0
      let overflow = false
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48)
          if (f > MAX_INT64 / 10n || y > UINT_LIMIT) {
            overflow = true
          } else {
            f = y
            scale *= 10
          }
        }
        j++
      }
      post = j > 0
      s = s.slice(j)
    }
    if (!pre && !post) throw invalid(orig)
    // Consume the unit: everything up to the next '.' or digit.
    let k = 0
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++
    if (k === 0) throw new TypeError(`time: missing unit in duration ${goQuote(orig)}`)
    const u = s.slice(0, k)
    s = s.slice(k)
    const unit = UNITS.get(u)
    if (unit === undefined) {
      throw new TypeError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`)
    }
    if (v > UINT_LIMIT / unit) throw invalid(orig)
    v *= unit
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), i.e. float64 and truncation.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)))
      if (v > UINT_LIMIT) throw invalid(orig)
    }
    total += v
    if (total > UINT_LIMIT) throw invalid(orig)
  }
  if (neg) return -total
  if (total > MAX_INT64) throw invalid(orig)
  return total
}

function isDigit (c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

function invalid (orig: string): TypeError {
  return new TypeError(`time: invalid duration ${goQuote(orig)}`)
}

/** Go's `time.quote`: `"` and `\` escaped, control and non-ASCII bytes as `\xNN` (UTF-8). */
function goQuote (s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    if (cp < 0x20 || cp >= 0x80) {
      for (const byte of Buffer.from(ch, 'utf8')) out += '\\x' + byte.toString(16).padStart(2, '0')
    } else {
      out += ch === '"' || ch === '\\' ? '\\' + ch : ch
    }
  }
  return out + '"'
}

/** Go's `Duration.String()` for int64 nanoseconds. */
function formatNs (d: bigint): string {
  const neg = d < 0n
  const u = neg ? -d : d
  let out: string
  if (u === 0n) return '0s'
  if (u < NS_PER_SECOND) {
    // Below one second Go switches to a smaller unit: 1.2ms, 3µs, 500ns.
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < NS_PER_MS ? [3, '\u00b5s'] : [6, 'ms']
    const [frac, rest] = fmtFrac(u, prec)
    out = `${rest}${frac}${unit}`
  } else {
    const [frac, secs] = fmtFrac(u, 9)
    out = `${secs % 60n}${frac}s`
    const minutes = secs / 60n
    if (minutes > 0n) {
      out = `${minutes % 60n}m${out}`
      const hours = minutes / 60n
      if (hours > 0n) out = `${hours}h${out}` // Go stops at hours: days vary in length.
    }
  }
  return neg ? `-${out}` : out
}

/** Go's `fmtFrac`: the `prec` low digits as `.ddd` without trailing zeros, and the rest. */
function fmtFrac (v: bigint, prec: number): [string, bigint] {
  let digits = ''
  let print = false
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n
    print ||= digit !== 0n
    if (print) digits = `${digit}${digits}`
    v /= 10n
  }
  return [print ? `.${digits}` : '', v]
}

/**
 * Vault's `humanDuration` (sdk/framework/lease.go), used in its TTL warnings: Go's
 * `Duration.String()` of `seconds` without zero minutes and seconds (`"3h"`, `"1h5s"`, `"5m"`,
 * `"1h59m58s"`, `"800h"`, `"0s"`).
 */
export function formatHumanDuration (seconds: number): string {
  let s = formatGoDuration(seconds)
  if (s === '0s') return s
  if (s.endsWith('m0s')) s = s.slice(0, -2)
  const i = s.indexOf('h0m')
  if (i > 0) s = s.slice(0, i + 1) + s.slice(i + 3)
  return s
}
