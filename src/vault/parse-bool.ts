/**
 * Go's `strconv.ParseBool`, which Vault uses for `?list=` and other boolean query values
 * (spec/vault-core-kv-api.md §1.2): `1 t T TRUE true True` are true, `0 f F FALSE false False`
 * are false, anything else is `undefined` (the caller answers 400).
 */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** Returns true/false for Go's accepted spellings, `undefined` for anything else. */
export function parseGoBool (value: string): boolean | undefined {
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  return undefined
}
