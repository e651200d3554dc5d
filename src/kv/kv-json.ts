/**
 * Pure JSON transforms on secret data (plain JSON values: objects, arrays, strings, numbers,
 * booleans, null): the RFC 7396 merge patch used by `PATCH data/:path` (spec/vault-core-kv-api.md
 * §3.6) and the value-stripped tree of `subkeys/:path` (§3.17).
 */

/** A JSON object (`map[string]interface{}` in Vault). */
export type JsonObject = Record<string, unknown>

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject (value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Defines an own enumerable property (so a key named `__proto__` stays plain data). */
function setOwn (obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * RFC 7396 JSON merge patch: a `null` in `patch` removes that key, nested objects merge
 * recursively, any other value (arrays included) replaces. Returns a new object; inputs are not
 * modified.
 */
export function mergePatch (target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key]
    } else if (isJsonObject(value)) {
      const base = Object.hasOwn(out, key) ? out[key] : undefined
      setOwn(out, key, mergePatch(isJsonObject(base) ? base : {}, value))
    } else {
      setOwn(out, key, value)
    }
  }
  return out
}

/**
 * The secret's structure with every value removed (`removeValues` in Vault's `path_subkeys.go`):
 * each leaf becomes `null`, an empty object becomes `null`, and with `depth > 0` objects at that
 * depth become `null` (top-level keys are depth 1). `depth` 0 means no limit.
 */
export function subkeys (data: JsonObject, depth: number): JsonObject {
  const walk = (obj: JsonObject, level: number): JsonObject => {
    const out: JsonObject = {}
    for (const [key, value] of Object.entries(obj)) {
      const next = level + 1
      const deeper = depth === 0 || next <= depth
      setOwn(out, key, isJsonObject(value) && Object.keys(value).length > 0 && deeper ? walk(value, next) : null)
    }
    return out
  }
  return walk(data, 1)
}
