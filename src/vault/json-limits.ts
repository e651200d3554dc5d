/**
 * Vault's listener JSON limits (`sdk/helper/jsonutil` `VerifyMaxDepthStreaming`, Vault 1.16.25+),
 * checked by one linear, non-recursive scan of the body text BEFORE `JSON.parse` builds anything,
 * so nothing downstream (the audit hasher, the KV store's `JSON.stringify`) ever walks a body
 * deeper or wider than the limits (issue 13 finding 3). Also refuses duplicate object keys, as
 * Vault does. Limits are in `http-limits.ts`; a value of 0 disables that limit.
 *
 * Only bodies that start with `{` or `[` are scanned (like Vault); syntax errors are left to
 * `JSON.parse`, which runs next.
 */
import type { JsonLimits } from './http-limits.js'

const WS = new Uint8Array(128)
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1

/** Index of the closing quote of the string opening at `start`, or -1. */
function stringEnd (text: string, start: number): number {
  let j = start + 1
  for (;;) {
    j = text.indexOf('"', j)
    if (j < 0) return -1
    let k = j - 1
    while (text.charCodeAt(k) === 0x5c) k--
    if ((j - 1 - k) % 2 === 0) return j
    j++
  }
}

/** Raw byte length of `text[from, to)` exceeds `limit` (0 = no limit). */
function tooLong (text: string, from: number, to: number, limit: number): boolean {
  if (limit <= 0) return false
  const chars = to - from
  if (chars > limit) return true
  return chars * 3 > limit && Buffer.byteLength(text.slice(from, to)) > limit
}

/** One open container; an object's keys are kept in a list, then a set past 16 of them. */
interface Frame { object: boolean, count: number, expectKey: boolean, keys: string[] | Set<string> | undefined }

/** Records `key` in `frame`; false when it was already there. */
function addKey (frame: Frame, key: string): boolean {
  const keys = frame.keys!
  if (Array.isArray(keys)) {
    if (keys.includes(key)) return false
    keys.push(key)
    if (keys.length > 16) frame.keys = new Set(keys)
    return true
  }
  if (keys.has(key)) return false
  keys.add(key)
  return true
}

/**
 * Checks `text` against `limits`.
 * @returns undefined when within the limits (or not a JSON container), else the error text,
 *   naming the exceeded setting (never a value from the body).
 */
export function jsonLimitError (text: string, limits: JsonLimits): string | undefined {
  let i = 0
  const n = text.length
  while (i < n && WS[text.charCodeAt(i)] === 1) i++
  if (i < n && text.charCodeAt(i) === 0xfeff) i++
  const first = text[i]
  if (first !== '{' && first !== '[') return undefined
  const stack: Frame[] = []
  let tokens = 0
  const elementOverflow = (): string => `JSON array exceeds allowed element count (max_json_array_element_count ${limits.maxArrayElementCount})`
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c < 128 && WS[c] === 1) { i++; continue }
    if (limits.maxTokens > 0 && ++tokens > limits.maxTokens) return `JSON payload exceeds allowed token count (max_json_token ${limits.maxTokens})`
    const top = stack.length > 0 ? stack[stack.length - 1] : undefined
    switch (c) {
      case 0x7b: case 0x5b: { // { [
        if (top !== undefined && !top.object && limits.maxArrayElementCount > 0 && ++top.count > limits.maxArrayElementCount) return elementOverflow()
        if (limits.maxDepth > 0 && stack.length + 1 > limits.maxDepth) return `JSON input exceeds allowed nesting depth (max_json_depth ${limits.maxDepth})`
        const object = c === 0x7b
        stack.push({ object, count: 0, expectKey: object, keys: object ? [] : undefined })
        i++
        break
      }
      case 0x7d: case 0x5d: // } ]
        stack.pop()
        i++
        if (stack.length === 0) return undefined
        break
      case 0x2c: // ,
        if (top?.object === true) top.expectKey = true
        i++
        break
      case 0x3a: // :
        i++
        break
      case 0x22: { // "
        const end = stringEnd(text, i)
        if (end < 0) return undefined
        if (tooLong(text, i + 1, end, limits.maxStringValueLength)) return `JSON string value exceeds allowed length (max_json_string_value_length ${limits.maxStringValueLength})`
        if (top?.object === true && top.expectKey) {
          top.expectKey = false
          if (limits.maxObjectEntryCount > 0 && ++top.count > limits.maxObjectEntryCount) return `JSON object exceeds allowed entry count (max_json_object_entry_count ${limits.maxObjectEntryCount})`
          const raw = text.slice(i + 1, end)
          let key = raw
          if (raw.includes('\\')) {
            try { key = JSON.parse(text.slice(i, end + 1)) as string } catch { return undefined }
          }
          if (!addKey(top, key)) return 'duplicate key in JSON object'
        } else if (top !== undefined && !top.object && limits.maxArrayElementCount > 0 && ++top.count > limits.maxArrayElementCount) {
          return elementOverflow()
        }
        i = end + 1
        break
      }
      default: { // number or literal
        let j = i
        while (j < n) {
          const d = text.charCodeAt(j)
          if (d === 0x2c || d === 0x7d || d === 0x5d || (d < 128 && WS[d] === 1)) break
          j++
        }
        if (j === i) return undefined
        if (tooLong(text, i, j, limits.maxStringValueLength)) return `JSON number value exceeds allowed length (max_json_string_value_length ${limits.maxStringValueLength})`
        if (top !== undefined && !top.object && limits.maxArrayElementCount > 0 && ++top.count > limits.maxArrayElementCount) return elementOverflow()
        i = j
      }
    }
  }
  return undefined
}
