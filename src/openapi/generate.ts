/**
 * Generates the OpenAPI 3.1 document from the routes' declarations (`route-doc.ts`): the
 * routes registered by `routes/index.ts` (with `schema.openapi`) in, the document out, always
 * in the same order so that `openapi.yaml` only changes when a route does. `npm run openapi`
 * writes it (`write-document.ts`); a test fails when the checked-in file differs.
 */
import { Document, visit } from 'yaml'
import { COMMON_PARAMS, EXAMPLE_REQUEST_ID, TAGS, components, mountTypeFor, ref, tagFor, type JsonSchema } from './components.js'
import type { DocMethod, OperationDoc, ResponseDoc, RouteDocs } from './route-doc.js'
import { firstExample, schemaJson, type SchemaRegistry } from './schema-json.js'

/** A registered route as the generator needs it (`app.vaultRoutes`). */
export interface DocumentedRoute {
  methods: string[]
  url: string
  unauthenticated: boolean
  docs?: RouteDocs
}

/** One operation of the document and where it comes from. */
export interface CollectedOperation {
  method: DocMethod
  path: string
  unauthenticated: boolean
  op: OperationDoc
}

const DOC_METHOD: Record<string, DocMethod> = { GET: 'get', HEAD: 'get', POST: 'post', PUT: 'post', PATCH: 'patch', DELETE: 'delete' }
const METHOD_ORDER: DocMethod[] = ['get', 'post', 'patch', 'delete']

/** The document method of a route with no explicit one. @throws Error when its methods differ. */
function routeMethod (route: DocumentedRoute): DocMethod {
  const methods = new Set(route.methods.map((m) => DOC_METHOD[m]))
  const [only] = methods
  if (methods.size !== 1 || only === undefined) throw new Error(`${route.url}: give each operation a method (route methods ${route.methods.join(',')})`)
  return only
}

/** `/v1/sys/policy/:name` → `/sys/policy/{name}`. @throws Error for wildcard URLs. */
function docPath (url: string): string {
  if (url.includes('*')) throw new Error(`${url}: a wildcard route must give each operation a documented path`)
  return url.replace(/^\/v1/, '').replace(/:([A-Za-z_]+)/g, '{$1}')
}

/**
 * The operations the routes declare, one per (method, path).
 * @throws Error when a `/v1/` route has no declaration, or two routes document the same
 *   method and path differently, or an operationId repeats.
 */
export function collectOperations (routes: DocumentedRoute[]): CollectedOperation[] {
  const byKey = new Map<string, CollectedOperation>()
  const ids = new Map<string, string>()
  for (const route of routes) {
    if (!route.url.startsWith('/v1/')) continue
    if (route.docs === undefined) throw new Error(`${route.methods.join(',')} ${route.url} has no schema.openapi: document it or mark it hidden`)
    if ('hidden' in route.docs) continue
    for (const op of route.docs.operations) {
      const method = op.method ?? routeMethod(route)
      const path = op.path ?? docPath(route.url)
      if (op.list === true && (method !== 'get' || !path.endsWith('/'))) throw new Error(`${op.operationId}: a LIST operation is a GET at a path ending in /`)
      const key = `${method} ${path}`
      const seen = byKey.get(key)
      if (seen !== undefined) {
        if (seen.op.operationId !== op.operationId) throw new Error(`${key} is documented twice (${seen.op.operationId}, ${op.operationId})`)
        continue
      }
      const other = ids.get(op.operationId)
      if (other !== undefined) throw new Error(`operationId ${op.operationId} is used by ${other} and ${key}`)
      ids.set(op.operationId, key)
      byKey.set(key, { method, path, unauthenticated: route.unauthenticated, op })
    }
  }
  return [...byKey.values()]
}

function pathParameters (c: CollectedOperation, reg: SchemaRegistry): JsonSchema[] {
  return [...c.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
    const given = c.op.params?.[name]
    const common = COMMON_PARAMS[name]
    if (given === undefined && common === undefined) throw new Error(`${c.op.operationId}: describe path parameter ${name}`)
    const doc = typeof given === 'string' ? { description: given } : given
    const schema = doc?.schema !== undefined ? schemaJson(doc.schema, reg) : common?.schema ?? { type: 'string' }
    return { name, in: 'path', required: true, description: doc?.description ?? common!.description, schema }
  })
}

function queryParameters (c: CollectedOperation, reg: SchemaRegistry): JsonSchema[] {
  const out: JsonSchema[] = c.op.list === true ? [ref('parameters', 'List')] : []
  if (c.op.query === undefined) return out
  const query = schemaJson(c.op.query, reg, true)
  const required = new Set((query.required as string[] | undefined) ?? [])
  for (const [name, raw] of Object.entries(query.properties as Record<string, JsonSchema>)) {
    const { description, ...schema } = raw
    out.push({ name, in: 'query', required: required.has(name), description, schema })
  }
  return out
}

function envelopeSchema (r: Extract<ResponseDoc, { kind: 'envelope' }>, reg: SchemaRegistry): JsonSchema {
  const data = schemaJson(r.data, reg, true)
  const properties: Record<string, unknown> = { data: schemaJson(r.data, reg), auth: r.auth === undefined ? { type: 'null' } : schemaJson(r.auth, reg) }
  const own: JsonSchema = { type: 'object', required: ['data', 'auth'], properties }
  if (r.inject === true) {
    own.description = 'The keys of `data` are also copied to the top level (Vault\'s data injection).'
    // A map's keys are data (mount paths, queried paths): its copies are not typed twice.
    if (data.properties !== undefined) Object.assign(properties, data.properties)
    else if (data.additionalProperties !== undefined) own.additionalProperties = { description: 'The entries of `data`, copied' }
  }
  return { allOf: [ref('schemas', 'VaultResponse'), own] }
}

function envelopeExample (path: string, r: Extract<ResponseDoc, { kind: 'envelope' }>, where: string): unknown {
  const data = firstExample(r.data)
  const auth = r.auth === undefined ? null : firstExample(r.auth)
  if (data === undefined || auth === undefined) throw new Error(`${where}: add examples to the response schema`)
  const body: Record<string, unknown> = {
    request_id: EXAMPLE_REQUEST_ID, lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: r.warnings ?? null, auth, mount_type: r.mountType ?? mountTypeFor(path)
  }
  if (r.inject === true && data !== null && typeof data === 'object') for (const [k, v] of Object.entries(data)) if (!(k in body)) body[k] = v
  return body
}

/** The schema and example of a non-empty body. */
function body (path: string, r: ResponseDoc, where: string, reg: SchemaRegistry): { schema: JsonSchema, example: unknown } | undefined {
  switch (r.kind) {
    case 'envelope': return { schema: envelopeSchema(r, reg), example: envelopeExample(path, r, where) }
    case 'raw': {
      const example = firstExample(r.schema)
      if (example === undefined) throw new Error(`${where}: add examples to the response schema`)
      return { schema: schemaJson(r.schema, reg), example }
    }
    case 'error': return { schema: ref('schemas', 'VaultErrorResponse'), example: { errors: r.example ?? [] } }
    case 'empty': return undefined
    case 'text': throw new Error(`${where}: a text body cannot be one of several`)
    case 'either': throw new Error(`${where}: nested either`)
  }
}

function responseObject (path: string, r: ResponseDoc, where: string, reg: SchemaRegistry): JsonSchema {
  if (r.kind === 'text') {
    const content: JsonSchema = { 'text/plain': { schema: { type: 'string' }, example: r.example } }
    if (r.json !== undefined) content['application/json'] = body(path, { kind: 'raw', description: r.description, schema: r.json }, where, reg)
    return { description: r.description, content }
  }
  if (r.kind !== 'either') {
    const b = body(path, r, where, reg)
    return b === undefined ? { description: r.description } : { description: r.description, content: { 'application/json': b } }
  }
  const bodies = r.of.map((x) => body(path, x, where, reg)).filter((b) => b !== undefined)
  if (bodies.length === 0) throw new Error(`${where}: use noBody() for a response without a body`)
  const media: JsonSchema = bodies.length === 1
    ? { schema: bodies[0].schema, example: bodies[0].example }
    : {
        schema: { anyOf: bodies.map((b) => b.schema) },
        examples: Object.fromEntries(r.of.filter((x) => x.kind !== 'empty').map((x, i) => [x.kind === 'error' ? 'error' : x.kind === 'envelope' ? 'envelope' : `body${i}`, { summary: x.description, value: bodies[i].example }]))
      }
  const out: JsonSchema = { description: r.description, content: { 'application/json': media } }
  if (bodies.length < r.of.length) out['x-vault-empty-body'] = true
  return out
}

function operationObject (c: CollectedOperation, reg: SchemaRegistry): JsonSchema {
  const { op, path } = c
  const bare = path.replace(/\/$/, '')
  const listNote = `Vault LIST operation: \`LIST /v1${bare}\` or \`GET /v1${bare}?list=true\` (the server adds the trailing \`/\`, as Vault does).`
  const description = [op.description, op.list === true ? listNote : undefined].filter((s) => s !== undefined).join('\n\n')
  const out: JsonSchema = { operationId: op.operationId, summary: op.summary, tags: [tagFor(path)] }
  if (description !== '') out.description = description
  const parameters = queryParameters(c, reg)
  if (parameters.length > 0) out.parameters = parameters
  if (op.body !== undefined) {
    const example = firstExample(op.body)
    if (example === undefined) throw new Error(`${op.operationId}: add examples to the request body schema`)
    const schema = schemaJson(op.body, reg)
    const required = (schemaJson(op.body, undefined).required as unknown[] | undefined) ?? []
    // Vault refuses a PATCH body of any other type (415); generated clients send the declared one.
    const mediaType = c.method === 'patch' ? 'application/merge-patch+json' : 'application/json'
    out.requestBody = { required: required.length > 0, content: { [mediaType]: { schema, example } } }
  }
  const responses: Record<string, unknown> = {}
  const statuses = Object.keys(op.responses).filter((k) => k !== 'default').map(Number)
  for (const status of [...new Set([...statuses, 400, ...(c.unauthenticated ? [] : [403])])].sort((a, b) => a - b)) {
    const r = op.responses[status]
    if (r !== undefined) responses[String(status)] = responseObject(path, r, `${op.operationId} ${status}`, reg)
    else responses[String(status)] = ref('responses', status === 400 ? 'BadRequest' : 'PermissionDenied')
  }
  const other = op.responses.default
  responses.default = other === undefined ? ref('responses', 'Error') : responseObject(path, other, `${op.operationId} default`, reg)
  out.responses = responses
  if (c.unauthenticated) out.security = []
  return out
}

/** The whole document for `routes`; `version` is the package version. */
export function generateDocument (routes: DocumentedRoute[], version: string): JsonSchema {
  const operations = collectOperations(routes)
  const reg: SchemaRegistry = new Map()
  const paths: Record<string, JsonSchema> = {}
  for (const path of [...new Set(operations.map((c) => c.path))].sort()) {
    const ops = operations.filter((c) => c.path === path).sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method))
    const item: JsonSchema = {}
    const params = pathParameters(ops[0], reg)
    for (const c of ops.slice(1)) {
      if (JSON.stringify(pathParameters(c, reg)) !== JSON.stringify(params)) throw new Error(`${path}: operations describe its parameters differently`)
    }
    if (params.length > 0) item.parameters = params
    if (ops.every((c) => c.unauthenticated)) item['x-vault-unauthenticated'] = true
    for (const c of ops) item[c.method] = operationObject(c, reg)
    paths[path] = item
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vault-sync API',
      version,
      description: [
        'HashiCorp Vault\'s HTTP API as vault-sync serves it: KV version 2, secrets sync (`sys/sync`), mounts, tokens and ACL policies.',
        'Paths are relative to `/v1/`, as in Vault\'s own document, and operationIds follow Vault 2.1.0\'s, so clients generated from either line up.',
        'Conventions: every POST also accepts PUT; a LIST operation is `LIST <path>` or `GET <path>?list=true`; successful answers use Vault\'s envelope (`VaultResponse`) unless stated; errors are `{"errors": [...]}`; 204 has no body.',
        'Generated from the route schemas by `npm run openapi`; do not edit.'
      ].join('\n\n'),
      license: { name: 'Mozilla Public License 2.0', identifier: 'MPL-2.0' }
    },
    // A variable, not a relative `/v1`: generators bake the first URL in as the client's default
    // base, and a relative one fails outside a browser until the user sets it.
    servers: [{
      url: '{vault_addr}/v1',
      description: 'A vault-sync server (`VAULT_ADDR`)',
      variables: { vault_addr: { default: 'http://127.0.0.1:8200', description: 'The server\'s address, as `VAULT_ADDR`' } }
    }],
    security: [{ vault_token: [] }, { bearer: [] }],
    tags: TAGS,
    paths,
    components: components(Object.fromEntries([...reg.entries()].sort(([a], [b]) => a.localeCompare(b))))
  }
}

/** Plain strings a YAML 1.1 parser (PyYAML) would read as a date, a boolean or a base-60 number. */
const YAML11_LOOKALIKE = /^(\d{4}-\d\d?-\d\d?([Tt ].*)?|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\d[\d_]*(:[0-5]?\d)+(\.[\d_]*)?)$/

/** The document as the YAML of `openapi.yaml` (YAML 1.2, read the same by 1.1 parsers). */
export function documentYaml (document: JsonSchema): string {
  const header = '# Generated by `npm run openapi` from the route schemas (src/openapi/); do not edit.\n'
  const doc = new Document(document, { aliasDuplicateObjects: false })
  visit(doc, {
    Scalar (_key, node) {
      if (typeof node.value === 'string' && YAML11_LOOKALIKE.test(node.value)) node.type = 'QUOTE_DOUBLE'
    }
  })
  return header + doc.toString({ lineWidth: 0 })
}
