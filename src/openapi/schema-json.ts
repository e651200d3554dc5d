/**
 * TypeBox schemas to plain OpenAPI 3.1 schema objects, and the examples they carry. TypeBox
 * already emits JSON Schema; this strips its symbol keys, writes string-keyed records as
 * `additionalProperties` (what client generators understand), turns schemas marked with
 * `named()` into `#/components/schemas/<Name>` references, and lifts the top-level `examples`
 * out, so the document shows them as media-type examples of the whole body.
 */
import type { TSchema } from 'typebox'
import type { JsonSchema } from './components.js'

/** Keywords whose values are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['examples', 'example', 'default', 'const', 'enum'])

const NAMES = new WeakMap<object, string>()

/** Marks `schema` as the component `name` of the document (same object in, out). */
export function named<T extends TSchema> (name: string, schema: T): T {
  NAMES.set(schema, name)
  return schema
}

/** The component schemas met while converting, by name. */
export type SchemaRegistry = Map<string, JsonSchema>

function convert (node: unknown, registry: SchemaRegistry | undefined, root: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, registry, false))
  if (node === null || typeof node !== 'object') return node
  const name = NAMES.get(node)
  if (name !== undefined && registry !== undefined && !root) {
    const json = convert(node, registry, true) as JsonSchema
    delete json.examples
    const seen = registry.get(name)
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(json)) throw new Error(`two different schemas are named ${name}`)
    registry.set(name, json)
    return { $ref: `#/components/schemas/${name}` }
  }
  const out: JsonSchema = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = DATA_KEYWORDS.has(key) ? JSON.parse(JSON.stringify(value)) : convert(value, registry, false)
  }
  const pattern = out.patternProperties as JsonSchema | undefined
  if (pattern !== undefined && Object.keys(pattern).length === 1 && '^.*$' in pattern && out.additionalProperties === undefined) {
    out.additionalProperties = pattern['^.*$']
    delete out.patternProperties
  }
  return out
}

/**
 * The schema as plain JSON without its top-level `examples` (see `firstExample`). With a
 * registry, named schemas become references (the schema itself too, unless `inline`).
 */
export function schemaJson (schema: TSchema, registry?: SchemaRegistry, inline = false): JsonSchema {
  const json = convert(schema, registry, inline) as JsonSchema
  if (json.$ref === undefined) delete json.examples
  return json
}

/** The first entry of the schema's `examples`; `null` for the null schema; else `undefined`. */
export function firstExample (schema: TSchema): unknown {
  const examples = (schema as { examples?: unknown[] }).examples
  if (Array.isArray(examples) && examples.length > 0) return examples[0]
  if ((schema as { type?: unknown }).type === 'null') return null
  return undefined
}
