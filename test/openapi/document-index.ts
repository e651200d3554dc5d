/**
 * The checked-in `openapi.yaml` indexed for tests: operations by operationId, their declared
 * responses, and strict validators of response bodies, compiled once per (operation, status).
 *
 * "Strict" means the validator rejects keys the document does not declare: every object schema
 * with `properties` gets `additionalProperties: false`, and every `allOf` (the envelope plus an
 * operation's `data`) gets `unevaluatedProperties: false`. A field the server adds without
 * documenting it is therefore drift, like a missing or mistyped one.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { parse as parseYaml } from 'yaml'
import { openApiFile } from '../../src/openapi/document-file.js'

type Json = Record<string, any>

/** One operation of the document. */
export interface DocOperation { operationId: string, method: string, path: string, operation: Json }

/** A response of an operation, with `$ref`s resolved. */
export interface DocResponse { description: string, content?: Json, 'x-vault-empty-body'?: boolean }

/** Keywords whose values are data, not schemas. */
const DATA = new Set(['examples', 'example', 'default', 'const', 'enum'])

let index: { doc: Json, byId: Map<string, DocOperation> } | undefined

/**
 * `openapi.yaml` parsed. Parsing the YAML costs more than half a second, in every test process;
 * the result is kept as JSON in the temp folder, keyed by the file's SHA-256, so it is paid once.
 */
function loadDocument (): Json {
  const text = readFileSync(openApiFile(), 'utf8')
  const cache = join(tmpdir(), 'vault-sync-openapi-cache', `${createHash('sha256').update(text).digest('hex')}.json`)
  try {
    return JSON.parse(readFileSync(cache, 'utf8')) as Json
  } catch {
    const doc = parseYaml(text)
    mkdirSync(join(cache, '..'), { recursive: true })
    const part = `${cache}.${process.pid}`
    writeFileSync(part, JSON.stringify(doc))
    renameSync(part, cache)
    return doc
  }
}

/** The parsed document and its operations by id. */
export function documentIndex (): { doc: Json, byId: Map<string, DocOperation> } {
  if (index !== undefined) return index
  const doc = loadDocument()
  const byId = new Map<string, DocOperation>()
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of ['get', 'post', 'patch', 'delete']) {
      const operation = (item as Json)[method] as Json | undefined
      if (operation !== undefined) byId.set(operation.operationId as string, { operationId: operation.operationId as string, method, path, operation })
    }
  }
  index = { doc, byId }
  return index
}

/** `node` with every `#/components/...` reference replaced by its target (the document has no cycles). */
export function deref (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(deref)
  if (node === null || typeof node !== 'object') return node
  const ref = (node as Json).$ref
  if (typeof ref === 'string') {
    const target = ref.replace(/^#\//, '').split('/').reduce<Json>((at, key) => at[key] as Json, documentIndex().doc)
    return deref(target)
  }
  const out: Json = {}
  for (const [k, v] of Object.entries(node)) out[k] = DATA.has(k) ? v : deref(v)
  return out
}

/** The strict form of a dereferenced schema (see the module comment). */
export function strictSchema (node: unknown, inAllOf = false): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node as Json)) {
    if (DATA.has(k)) out[k] = v
    else if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, strictSchema(s)]))
    else if (k === 'allOf') out[k] = (v as unknown[]).map((s) => strictSchema(s, true))
    else if (k === 'anyOf' || k === 'oneOf') out[k] = (v as unknown[]).map((s) => strictSchema(s))
    else if (k === 'items' || k === 'additionalProperties' || k === 'not') out[k] = strictSchema(v)
    else out[k] = v
  }
  const open = out.additionalProperties === undefined && out.unevaluatedProperties === undefined && out.patternProperties === undefined
  if (out.allOf !== undefined && open) out.unevaluatedProperties = false
  else if (!inAllOf && out.properties !== undefined && open) out.additionalProperties = false
  return out
}

/**
 * The response the document declares for `status`, else its `default` (an error body for
 * every operation but `sys/health`, so an undeclared success never validates), dereferenced.
 */
export function declaredResponse (op: DocOperation, status: number): DocResponse | undefined {
  const responses = op.operation.responses as Json
  const r = responses[String(status)] ?? responses.default
  return r === undefined ? undefined : deref(r) as DocResponse
}

// No meta-schema check of each schema (redocly lints the document): it would cost ~0.3 s per process.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false })
const validators = new Map<string, ValidateFunction>()

/** The compiled strict validator of an operation's body for `status` (cached). */
export function bodyValidator (op: DocOperation, status: number): ValidateFunction | undefined {
  const key = `${op.operationId} ${status}`
  let v = validators.get(key)
  if (v === undefined) {
    const schema = declaredResponse(op, status)?.content?.['application/json']?.schema
    if (schema === undefined) return undefined
    v = ajv.compile(strictSchema(schema) as Json)
    validators.set(key, v)
  }
  return v
}

let unrouted: ValidateFunction | undefined

/** Validator of what a request no documented operation serves may answer: an error body or a raw KV envelope. */
export function unroutedValidator (): ValidateFunction {
  const { components } = documentIndex().doc
  unrouted ??= ajv.compile(strictSchema(deref({ anyOf: [components.schemas.VaultErrorResponse, components.schemas.VaultResponse] })) as Json)
  return unrouted
}

/** ajv errors as one line. */
export function errorText (v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath === '' ? '(body)' : e.instancePath} ${e.message ?? ''}${e.params !== undefined && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : ''}${e.params !== undefined && 'unevaluatedProperty' in e.params ? ` "${String(e.params.unevaluatedProperty)}"` : ''}`).join('; ')
}
