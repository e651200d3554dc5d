/**
 * The keys of a cached repo's reads (`read-cache.ts`): `method\0arg\0arg...`, as
 * `Array.prototype.join` writes the arguments, remembered by the arguments themselves so a
 * repeated read (the KV read path's peeks) builds and hashes no new string (issue 16).
 */

/** One argument's text in a read's key, as `Array.prototype.join` writes it. */
const part = (x: unknown): string => x === undefined || x === null ? '' : String(x)

/**
 * The cache key of the read `method(...args)`: the method and `args.join`'s text, `\0`-separated
 * (so `all()` is `all\0`), built without a join for the usual one to three arguments.
 */
export function readKey (method: string, args: readonly unknown[]): string {
  switch (args.length) {
    case 0: return method + '\0'
    case 1: return method + '\0' + part(args[0])
    case 2: return method + '\0' + part(args[0]) + '\0' + part(args[1])
    case 3: return method + '\0' + part(args[0]) + '\0' + part(args[1]) + '\0' + part(args[2])
    default: return `${method}\0${args.join('\0')}`
  }
}

/** How many read keys `keyMemo` remembers before it starts afresh (as a cache's `maxEntries`). */
const MAX_MEMO_KEYS = 10_000

/**
 * `readKey`, remembered by the arguments themselves (nested maps by arity, method, then each
 * argument): a repeated read builds no key string and hashes none anew (its argument strings
 * keep their hashes), and the key it gets back is flat with its hash cached. Bounded: at
 * `MAX_MEMO_KEYS` keys it starts afresh.
 */
export function keyMemo (): (method: string, args: readonly unknown[]) => string {
  let byArity: Array<Map<unknown, unknown>> = []
  let size = 0
  return (method, args) => {
    const n = args.length
    if (n > 3) return readKey(method, args)
    // The path of maps: method, then every argument but the last; the last one keys the string.
    let level = byArity[n] ??= new Map()
    for (let i = -1; i < n - 1; i++) {
      const at = i < 0 ? method : args[i]
      let next = level.get(at) as Map<unknown, unknown> | undefined
      if (next === undefined) level.set(at, next = new Map())
      level = next
    }
    const last = n === 0 ? method : args[n - 1]
    let key = level.get(last) as string | undefined
    if (key === undefined) {
      key = readKey(method, args)
      if (size >= MAX_MEMO_KEYS) { byArity = []; size = 0 } else { level.set(last, key); size++ }
    }
    return key
  }
}
