/**
 * Compares a documented example with a real response, guided by the response's schema: the
 * same JSON types everywhere, and the same declared keys present (an optional key shown in the
 * example must occur in reality, and the other way round). Map entries (`additionalProperties`)
 * are compared with the real entry of the same key, else with any real entry, since their keys
 * are data (accessors, paths). Used by the examples check of decisions D-32.3.
 */

type Json = Record<string, any>

/** `null`, `boolean`, `number`, `string`, `array` or `object`. */
function kind (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function schemaKind (s: Json): string | undefined {
  const t = s.type as unknown
  if (typeof t === 'string') return t === 'integer' ? 'number' : t
  if (s.properties !== undefined || s.additionalProperties !== undefined || s.allOf !== undefined) return 'object'
  return undefined
}

/** The branch of a (dereferenced) schema that describes `real`; `allOf` branches merged. */
function resolve (schema: Json, real: unknown): Json {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key] as Json[] | undefined
    if (branches !== undefined) {
      const hit = branches.find((b) => { const k = schemaKind(b); return k === undefined || k === kind(real) || (k === 'array' && Array.isArray(real)) })
      return resolve(hit ?? {}, real)
    }
  }
  if (schema.allOf !== undefined) {
    const parts = (schema.allOf as Json[]).map((b) => resolve(b, real))
    const properties: Json = {}
    for (const p of parts) Object.assign(properties, p.properties)
    const additional = parts.map((p) => p.additionalProperties).find((a) => a !== undefined)
    return { type: 'object', properties, additionalProperties: additional }
  }
  return schema
}

/** The differences between `example` and `real` under `schema` (empty when alike). */
export function shapeDifferences (schema: Json, example: unknown, real: unknown, at = '$'): string[] {
  if (kind(example) !== kind(real)) return [`${at}: the example is ${kind(example)}, the real value ${kind(real)}`]
  const s = resolve(schema, real)
  if (Array.isArray(example) && Array.isArray(real)) {
    if (example.length === 0 || real.length === 0) return []
    return example.flatMap((e, i) => shapeDifferences((s.items ?? {}) as Json, e, real[0], `${at}[${i}]`))
  }
  if (kind(example) !== 'object') return []
  const ex = example as Json
  const re = real as Json
  const props = (s.properties ?? {}) as Json
  const out: string[] = []
  for (const key of new Set([...Object.keys(ex), ...Object.keys(re)])) {
    if (!(key in props)) continue
    if (!(key in ex)) out.push(`${at}.${key}: real responses have it, the example does not`)
    else if (!(key in re)) out.push(`${at}.${key}: the example has it, the real response does not`)
    else out.push(...shapeDifferences(props[key] as Json, ex[key], re[key], `${at}.${key}`))
  }
  const extra = s.additionalProperties
  if (extra !== undefined && typeof extra === 'object') {
    const realKeys = Object.keys(re).filter((k) => !(k in props))
    for (const key of Object.keys(ex).filter((k) => !(k in props))) {
      const match = realKeys.includes(key) ? key : realKeys[0]
      if (match !== undefined) out.push(...shapeDifferences(extra as Json, ex[key], re[match], `${at}.${key}`))
    }
  }
  return out
}
