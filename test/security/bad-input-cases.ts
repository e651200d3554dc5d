/**
 * The bad-input corpus of issue 13, generated from `openapi.yaml`: for every documented
 * operation, wrong-typed, missing, extra, huge and deep body fields and query parameters, bad
 * encodings, bad methods and content types, and odd spellings of its path. Each case is the raw
 * bytes of one HTTP/1.1 request (so malformed bytes reach the server as sent).
 */
import { deref, documentIndex, type DocOperation } from '../openapi/document-index.js'

/** One request of the corpus. */
export interface BadCase { label: string, bytes: Buffer }

type Json = Record<string, unknown>

/** Path parameters: names that never touch the data the suite keeps (`keep/`, `keep` objects). */
const PARAMS: Record<string, string> = { kv_v2_mount_path: 'secret', name: 'walk', type: 'azure-kv', mount: 'secret', secret_name: 'walk/item' }

function concrete (template: string): string {
  return template.slice(1).replace(/\{(\w+)\}/g, (_m, p: string) => {
    if (p === 'path') return template.startsWith('/sys/audit-hash') ? 'file' : template.startsWith('/sys/') ? 'walkmount' : 'walk/item'
    return PARAMS[p] ?? 'walk'
  })
}

const deep = (n: number, leaf: unknown = 1): string => `${'['.repeat(n)}${JSON.stringify(leaf)}${']'.repeat(n)}`

/** Wrong-typed, huge and deep values (as JSON text) for a schema of `type`. */
function badValues (schema: Json): string[] {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  const common = ['[]', '{}', '[[1]]', '{"a":{"b":[]}}', deep(450), deep(600), `{"x":${deep(100, 'y')}}`, '"\\u0000"', '"\\ud800"']
  switch (type) {
    case 'string': return [...common, '5', 'true', '-1e400', `"${'x'.repeat(100_000)}"`, `"${'y'.repeat(1_100_000)}"`, `"${'%'.repeat(50)}\\n\\t../../etc"`]
    case 'integer': case 'number': return [...common, '"abc"', '"1e400"', '1e400', '-1', '1.5', '9007199254740993', '"0x"', '""']
    case 'boolean': return [...common, '"maybe"', '2.5', '"tru"', '-0']
    case 'array': return [...common, '""', '"a,b,,c"', `[${Array.from({ length: 10_001 }, () => '1').join(',')}]`, '[{"a":1}]', '[null,null]']
    case 'object': return [...common, '"str"', '5', '["k=v"]', `{${Array.from({ length: 10_001 }, (_v, i) => `"k${i}":1`).join(',')}}`, '{"a":null}']
    default: return [...common, '"str"', '5', 'false']
  }
}

function bodySchema (op: DocOperation): Json | undefined {
  const content = (deref(op.operation.requestBody) as Json | undefined)?.content as Record<string, { schema?: Json }> | undefined
  const schema = content?.['application/json']?.schema ?? content?.['application/merge-patch+json']?.schema
  return schema === undefined ? undefined : schema
}

function queryParams (op: DocOperation): Array<{ name: string, schema: Json }> {
  const params = (deref(op.operation.parameters) as Json[] | undefined) ?? []
  return params.filter((p) => p.in === 'query').map((p) => ({ name: p.name as string, schema: (p.schema as Json | undefined) ?? {} }))
}

function request (method: string, target: string, headers: Record<string, string>, body?: Buffer | string): Buffer {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
  if (b !== undefined) lines.push(`Content-Length: ${b.length}`)
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), b ?? Buffer.alloc(0)])
}

/** Operations the corpus leaves out: revoking the caller's own token would end the run. */
const SKIPPED = new Set(['token-revoke-self'])

/** The whole corpus, sent with `token`. */
export function badInputCases (token: string): BadCase[] {
  const out: BadCase[] = []
  const ops = [...documentIndex().byId.values()].filter((op) => !SKIPPED.has(op.operationId))
  for (const op of ops) {
    const path = concrete(op.path)
    const list = op.method === 'get' && op.path.endsWith('/')
    const base = `/v1/${path}${list ? '?list=true' : ''}`
    const method = op.method.toUpperCase()
    const patch = method === 'PATCH'
    const auth = { 'X-Vault-Token': token, ...(patch ? { 'Content-Type': 'application/merge-patch+json' } : {}) }
    const add = (label: string, bytes: Buffer): void => { out.push({ label: `${op.operationId} ${label}`, bytes }) }
    const schema = bodySchema(op)
    const props = Object.entries((schema?.properties as Record<string, Json> | undefined) ?? {})
    const required = (schema?.required as string[] | undefined) ?? []
    const valid = (schema?.example ?? (schema?.examples as unknown[] | undefined)?.[0] ?? {}) as Json
    if (method === 'POST' || patch) {
      for (const [name, propSchema] of props) {
        for (const v of badValues(propSchema)) {
          const others = JSON.stringify({ ...valid, [name]: undefined }).slice(1, -1)
          add(`${name}=${v.slice(0, 24)}`, request(method, base, auth, `{${others}${others === '' ? '' : ','}"${name}":${v}}`))
        }
      }
      for (const name of required) add(`missing ${name}`, request(method, base, auth, JSON.stringify({ ...valid, [name]: undefined })))
      add('extra field', request(method, base, auth, JSON.stringify({ ...valid, zz_unknown: [1, { a: 2 }] })))
      for (const body of ['', 'null', '[]', '"s"', '5', '{', '{"a":1}}', '{"a":1,"a":2}', '\ufeff{}', '{"a":"\u0000"}']) add(`body ${JSON.stringify(body)}`, request(method, base, auth, body))
      add('invalid UTF-8', request(method, base, auth, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])))
      add('UTF-16 body', request(method, base, auth, Buffer.from('{"a":"b"}', 'utf16le')))
      add('deep body', request(method, base, auth, `{"a":${deep(5000)}}`))
      for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']) {
        add(`content-type ${type}`, request(method, base, { ...auth, 'Content-Type': type }, JSON.stringify(valid)))
      }
      add('chunked body', request(method, base, { ...auth, 'Transfer-Encoding': 'chunked' }, '5\r\n{"a":\r\n3\r\n"b"\r\n1\r\n}\r\n0\r\n\r\n'))
      add('odd header', request(method, base, { ...auth, 'Content-Length-X': '1', Expect: '100-continue' }, '{}'))
    }
    for (const q of queryParams(op)) {
      for (const v of ['abc', '-1', '1e400', '%00', '%zz', '', '[]', 'x'.repeat(5000)]) add(`query ${q.name}=${v.slice(0, 10)}`, request(method, `${base}${base.includes('?') ? '&' : '?'}${q.name}=${v}`, auth))
      add(`query ${q.name} twice`, request(method, `${base}${base.includes('?') ? '&' : '?'}${q.name}=1&${q.name}=2`, auth))
    }
    for (const bad of ['TRACE', 'OPTIONS', 'PROPFIND', 'FOO', 'CONNECT', 'get', 'LIST']) add(`method ${bad}`, request(bad, bad === 'CONNECT' ? '127.0.0.1:8200' : base, auth))
    for (const target of [`${base}#`, `/v1/${path}%23`, `/v1//${path}`, `/v1/./${path}`, `/v1/${path}/%2e%2e/x`, `/v1/${path}%00`, `/v1/${path}%`, `/v1/${path}?list=maybe`, `/v1/${path}?${'a=1&'.repeat(3000)}`, `/V1/${path}`, `/v1/${path}/${'x'.repeat(9000)}`]) {
      add(`target ${target.slice(0, 40)}`, request(method, target, auth, method === 'GET' || method === 'DELETE' ? undefined : '{}'))
    }
    add('no token', request(method, base, {}))
    add('token array header', request(method, base, { 'X-Vault-Token': `${token}, ${token}`, 'X-Vault-Namespace': 'ns1/' }))
    add('huge header', request(method, base, { ...auth, 'X-Big': 'h'.repeat(70_000) }))
    add('bare LF head', Buffer.from(`${method} ${base} HTTP/1.1\nHost: x\nX-Vault-Token: ${token}\n\n`, 'latin1'))
  }
  add0(out, 'TLS ClientHello', Buffer.from('16030100a5010000a103035f', 'hex'))
  add0(out, 'garbage', Buffer.from('\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n', 'latin1'))
  add0(out, 'HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'))
  return out
}

function add0 (out: BadCase[], label: string, bytes: Buffer): void { out.push({ label, bytes }) }
